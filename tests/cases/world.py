"""The cases part of the shared world:

- ``w.case``: a case of ``w.advocate_profile`` assigned to ``w.defender_org``, active, with a
  message carrying an attachment (``w.message``, ``w.attachment``) and an internal note;
- ``w.submitted_case``: an unassigned, submitted case of the same Advocate;
- ``w.task``: a task of ``w.case``.
"""

from puente.cases import actions

from .helpers import active_case, pdf_upload, submit


def extend(w):
    w.case = active_case(w.advocate_profile, w.defender_org, w.coordinator, w.defender)
    w.task = w.case.tasks.first()
    w.message = actions.do_post_message(w.case, acting_user=w.defender, body="Encontramos a la señora en Cobán.",
                                        files=[pdf_upload()])
    w.attachment = w.message.attachments.get()
    actions.do_add_internal_note(w.case, acting_user=w.coordinator, body="Advocate prefers WhatsApp.")
    w.submitted_case = submit(w.advocate_profile, claim_type="trafficking")
