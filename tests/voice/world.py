"""The voice part of the shared world: one worker's report waiting for review."""

from puente.voice import actions


def extend(w):
    w.worker_report = actions.do_submit_report(acting_user=None, data={
        "kinds": ["fee"], "recruiter_name": "Don Chuy", "employer_name": "Smith Farms LLC",
        "fee_amount": 9000, "fee_currency": "MXN", "fee_paid_to": "Don Chuy", "narrative": "Me cobró por la visa.",
    })
