"""Who may open each cases view (see tests/access.py). Another party's case is a 404; a view
the role may not use at all is a 403. POST views answer with a redirect (302) once access is
granted; what the action then allows is tested in test_workflow.py and friends."""

import pytest

from tests.access import Entry, check_entry, matrix_params

SIGNED_IN = ["coordinator", "advocate", "other_advocate", "defender", "other_defender"]
PARTIES = {"coordinator": 200, "advocate": 200, "defender": 200, "other_advocate": 404, "other_defender": 404}
PARTIES_POST = {"coordinator": 302, "advocate": 302, "defender": 302, "other_advocate": 404, "other_defender": 404}


def case(w):
    return {"pk": w.case.pk}


def submitted(w):
    return {"pk": w.submitted_case.pk}


MATRIX = [
    Entry("cases:queue", expect={"coordinator": 200}),
    Entry("cases:my_cases", expect={"advocate": 200, "other_advocate": 200}),
    Entry("cases:my_assignments", expect={"defender": 200, "other_defender": 200}),
    Entry("cases:notifications", expect={r: 200 for r in SIGNED_IN}),
    Entry("cases:request_new", expect={"advocate": 200, "other_advocate": 200}),
    Entry("cases:agreement", expect={"advocate": 200, "other_advocate": 200}),
    Entry("cases:figures", expect={"coordinator": 200}),
    Entry("cases:figures_csv", expect={"coordinator": 200}),
    Entry("cases:detail", kwargs=case, expect=PARTIES),
    Entry("cases:detail", kwargs=submitted, id="detail-unassigned",
          expect={"coordinator": 200, "advocate": 200, "defender": 404, "other_advocate": 404, "other_defender": 404}),
    Entry("cases:review", kwargs=submitted, expect={"coordinator": 200}),
    Entry("cases:move", kwargs=case, method="post", data=lambda w: {"to": "reporting"}, expect=PARTIES_POST),
    Entry("cases:hold", kwargs=case, method="post", expect={"coordinator": 302}),
    Entry("cases:resume", kwargs=case, method="post", expect={"coordinator": 302}),
    Entry("cases:note_add", kwargs=case, method="post", data=lambda w: {"body": "x"}, expect={"coordinator": 302}),
    Entry("cases:request_info", kwargs=submitted, method="post", data=lambda w: {"question": "Which farm?"},
          expect={"coordinator": 302}),
    Entry("cases:answer_info", kwargs=submitted, method="post", data=lambda w: {"answer": "Smith farm"},
          expect={"advocate": 302, "other_advocate": 404}),
    Entry("cases:decline", kwargs=submitted, method="post", data=lambda w: {"reason": "Out of scope"},
          expect={"coordinator": 302}),
    # Coordinators only; on the active w.case the action then refuses (test_change_defender.py).
    Entry("cases:change_defender", kwargs=case, method="post",
          data=lambda w: {"defender": w.other_defender_org.pk, "reason": "No answer"}, expect={"coordinator": 302}),
    Entry("cases:contract", kwargs=case, expect=PARTIES),
    Entry("cases:contract_sign", kwargs=case, method="post", expect=PARTIES_POST),
    Entry("cases:contract_edit", kwargs=case, method="post", expect=PARTIES_POST),
    # Coordinators only (the money terms); the posted terms are the case's own, unchanged: refused
    # with a message, and the page redirects back.
    Entry("cases:contract_terms", kwargs=case, method="post",
          data=lambda w: {"hourly_rate_0": "250.00", "hourly_rate_1": "GTQ", "fee_percent": "10",
                          "fee_flat_0": "", "fee_flat_1": "USD", "expenses_cap_0": "", "expenses_cap_1": "GTQ",
                          "base_number": "1"},
          expect={"coordinator": 302}),
    Entry("cases:contract_diff", kwargs=case, expect=PARTIES),
    Entry("cases:contract_pdf", kwargs=case, expect=PARTIES),
    Entry("cases:task_update", kwargs=lambda w: {"pk": w.case.pk, "task_pk": w.task.pk}, method="post",
          data=lambda w: {"status": "done"}, expect=PARTIES_POST),
    Entry("cases:message_post", kwargs=case, method="post", data=lambda w: {"body": "Hola"}, expect=PARTIES_POST),
    Entry("cases:attachment", kwargs=lambda w: {"pk": w.case.pk, "att_pk": w.attachment.pk}, expect=PARTIES),
    Entry("cases:evaluate", kwargs=case,
          expect={"advocate": 200, "defender": 200, "other_advocate": 404, "other_defender": 404}),
    Entry("cases:outcome", kwargs=case, expect={"advocate": 200, "other_advocate": 404}),
]


@pytest.mark.parametrize("entry,role", matrix_params(MATRIX))
def test_access(entry, role, world):
    check_entry(entry, world, role)
