"""The voice part of the shared world: one worker's report waiting for review."""

from puente.voice import actions


def extend(w):
    w.worker_report = actions.do_submit_report(acting_user=None, data={
        "kinds": ["fee"], "recruiter_name": "Don Chuy", "employer_name": "Smith Farms LLC",
        "fee_amount": 9000, "fee_currency": "MXN", "fee_paid_to": "Don Chuy", "narrative": "Me cobró por la visa.",
    })
    w.rights_page = actions.do_save_rights_page(
        "j1", acting_user=w.coordinator, body_es="Con la visa J-1 su patrocinador responde por usted.",
        body_en="With a J-1 visa your sponsor answers for you.")
