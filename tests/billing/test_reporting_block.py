"""A case may not leave the reporting step while a report is waiting: submitted and not reviewed,
or returned for correction and not resubmitted. A Coordinator may withdraw a returned report,
with a reason, to let the case go on."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from puente.billing import actions, api, ledger
from puente.billing.models import ReportStatus, TimeReport
from puente.cases import actions as case_actions
from puente.cases import workflow
from puente.cases.models import CaseState
from puente.core.roles import Role

from .helpers import make_report


def _settled_case(b):
    """b.case with one approved report on an issued invoice: free to leave reporting."""
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    actions.do_issue_invoice(b.coordinator, actions.do_create_invoice(b.coordinator, b.advocate, [report]))
    assert api.case_reporting_settled(b.case)
    return report


def _returned(b, comment="Falta el recibo del bus"):
    return actions.do_return_report(b.coordinator, make_report(b.defender, b.case), comment)


def _move_refused(b):
    with pytest.raises(case_actions.ActionError) as exc:
        case_actions.do_transition(b.case, CaseState.EVALUATION, by=b.coordinator)
    b.case.refresh_from_db()
    assert b.case.state == CaseState.REPORTING
    return exc.value.message


def test_a_returned_report_never_resubmitted_holds_the_case_in_reporting_and_is_named(b):
    _settled_case(b)
    returned = _returned(b)
    message = _move_refused(b)
    assert f"{b.case.reference} v{returned.version} (Returned for correction)" in message
    assert not api.case_reporting_settled(b.case)


def test_the_corrected_version_still_a_draft_holds_the_case_too(b):
    _settled_case(b)
    returned = _returned(b)
    revision = actions.do_revise_report(b.defender, returned)
    assert revision.status == ReportStatus.DRAFT
    assert f"{b.case.reference} v{returned.version} (Returned for correction)" in _move_refused(b)


def test_a_resubmitted_correction_holds_the_case_until_reviewed_and_invoiced(b):
    _settled_case(b)
    returned = _returned(b)
    revision = actions.do_revise_report(b.defender, returned)
    revision = actions.do_submit_report(b.defender, revision)
    message = _move_refused(b)
    # The waiting report is the new version; the returned one was dealt with by resubmitting.
    assert f"{b.case.reference} v{revision.version} (Submitted for review)" in message
    assert "Returned for correction" not in message
    actions.do_approve_report(b.coordinator, revision)
    assert f"{b.case.reference} v{revision.version}" in _move_refused(b)  # approved, not on an issued invoice
    actions.do_issue_invoice(b.coordinator, actions.do_create_invoice(b.coordinator, b.advocate, [revision]))
    case_actions.do_transition(b.case, CaseState.EVALUATION, by=b.coordinator)
    b.case.refresh_from_db()
    assert b.case.state == CaseState.EVALUATION


def test_a_submitted_report_is_named_as_waiting_for_review(b):
    _settled_case(b)
    submitted = make_report(b.defender, b.case)
    assert f"{b.case.reference} v{submitted.version} (Submitted for review)" in _move_refused(b)


def test_every_move_out_of_reporting_asks_billing(b):
    """Whatever moves leave reporting now or later (evaluation; closing, if one is added), a
    returned report refuses them all; only putting the case on hold is not leaving it."""
    _settled_case(b)
    returned = _returned(b)
    leaving = [t for t in workflow.TRANSITIONS if t.source == CaseState.REPORTING and t.target != CaseState.ON_HOLD]
    assert leaving, "no move out of reporting?"
    for t in leaving:
        transition, reason = workflow.check(b.case, t.target, Role.COORDINATOR)
        assert transition is None and f"v{returned.version}" in str(reason), t.target
    # The case page's button says why, too.
    blocked = [x for x in workflow.buttons(b.case, Role.COORDINATOR) if x["target"] == CaseState.EVALUATION]
    assert blocked and f"v{returned.version} (Returned for correction)" in str(blocked[0]["blocked"])


def test_withdrawing_the_returned_report_lets_the_case_go_on(b):
    _settled_case(b)
    returned = _returned(b)
    revision = actions.do_revise_report(b.defender, returned)
    withdrawn = actions.do_withdraw_report(b.coordinator, returned, "  La defensora dejó la red; no habrá corrección.  ")
    returned.refresh_from_db()
    revision.refresh_from_db()
    assert withdrawn.pk == returned.pk
    assert returned.status == revision.status == ReportStatus.WITHDRAWN
    assert returned.withdrawn_reason == "La defensora dejó la red; no habrá corrección."
    assert returned.withdrawn_by == b.coordinator and returned.withdrawn_at is not None
    assert api.case_reporting_settled(b.case)
    case_actions.do_transition(b.case, CaseState.EVALUATION, by=b.coordinator)
    b.case.refresh_from_db()
    assert b.case.state == CaseState.EVALUATION
    # Closed for good: the draft cannot be corrected or sent any more, the returned one not revised.
    with pytest.raises(ValidationError):
        actions.do_submit_report(b.defender, revision)
    with pytest.raises(ValidationError):
        actions.do_revise_report(b.defender, returned)
    # Never billed, never owed.
    assert returned not in actions.uninvoiced_reports(b.advocate)
    assert set(TimeReport.objects.filter(status=ReportStatus.APPROVED).values_list("pk", flat=True)).isdisjoint(
        {returned.pk, revision.pk})


def test_the_draft_correction_can_be_named_to_withdraw_the_pair(b):
    returned = _returned(b)
    revision = actions.do_revise_report(b.defender, returned)
    actions.do_withdraw_report(b.coordinator, revision, "Sin respuesta de la defensora")
    assert set(TimeReport.objects.filter(pk__in=[returned.pk, revision.pk]).values_list("status", flat=True)) == {
        ReportStatus.WITHDRAWN}


@pytest.mark.parametrize("who", ["defender", "advocate"])
def test_only_a_coordinator_withdraws(b, who):
    returned = _returned(b)
    user = b.defender if who == "defender" else b.advocate.user
    with pytest.raises(ValidationError, match="Coordinator"):
        actions.do_withdraw_report(user, returned, "no")
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED


def test_withdrawing_needs_a_reason(b):
    returned = _returned(b)
    with pytest.raises(ValidationError) as exc:
        actions.do_withdraw_report(b.coordinator, returned, "   ")
    assert "reason" in exc.value.message_dict
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED


def test_only_a_returned_report_not_resubmitted_can_be_withdrawn(b):
    approved = make_report(b.defender, b.case, approve_by=b.coordinator)
    submitted = make_report(b.defender, b.case)
    draft = make_report(b.defender, b.case, submit=False)
    returned = _returned(b)
    resubmitted = actions.do_submit_report(b.defender, actions.do_revise_report(b.defender, returned))
    for report in (approved, submitted, draft, returned, resubmitted):
        before = TimeReport.objects.get(pk=report.pk).status
        with pytest.raises(ValidationError, match="returned report"):
            actions.do_withdraw_report(b.coordinator, report, "por error")
        assert TimeReport.objects.get(pk=report.pk).status == before
    # Withdrawn once is enough.
    other = _returned(b)
    actions.do_withdraw_report(b.coordinator, other, "no volverá")
    with pytest.raises(ValidationError, match="returned report"):
        actions.do_withdraw_report(b.coordinator, other, "otra vez")


def test_withdrawal_is_in_the_audit_history_with_the_coordinator_and_the_reason_masked(b):
    returned = _returned(b)
    actions.do_withdraw_report(b.coordinator, returned, "María Tzoc ya no responde")
    entry = LogEntry.objects.get_for_object(returned).order_by("-timestamp", "-pk").first()
    assert entry.actor == b.coordinator
    changes = entry.changes_dict
    assert changes["status"] == ["returned", "withdrawn"]
    assert changes["withdrawn_reason"][1] == "[redacted]" and "Tzoc" not in str(entry.changes)


def test_withdraw_from_the_report_page_and_the_defender_reads_why_in_spanish(b):
    returned = _returned(b)
    coordinator = Client()
    coordinator.force_login(b.coordinator)
    page = coordinator.get(reverse("billing:report_detail", args=[returned.pk])).content.decode()
    assert 'id="withdraw-form"' in page
    response = coordinator.post(reverse("billing:report_withdraw", args=[returned.pk]), {"reason": "No habrá corrección"})
    assert response.status_code == 302
    returned.refresh_from_db()
    assert returned.status == ReportStatus.WITHDRAWN
    # An empty reason is refused and changes nothing.
    again = _returned(b)
    coordinator.post(reverse("billing:report_withdraw", args=[again.pk]), {"reason": ""})
    again.refresh_from_db()
    assert again.status == ReportStatus.RETURNED
    defender = Client()
    defender.force_login(b.defender)
    html = defender.get(reverse("billing:report_detail", args=[returned.pk])).content.decode()
    assert "Retirado por la red" in html and "No habrá corrección" in html
    assert 'id="withdraw-form"' not in html
    assert 'id="withdraw-form"' not in coordinator.get(reverse("billing:report_detail", args=[returned.pk])).content.decode()


def test_a_withdrawn_report_changes_no_balance(b):
    report = _settled_case(b)
    before_defender = ledger.defender_balance(b.defender_org)
    before_advocate = ledger.advocate_balance(b.advocate)
    actions.do_withdraw_report(b.coordinator, _returned(b), "no")
    assert ledger.defender_balance(b.defender_org) == before_defender == {
        "GTQ": {"owed": report.approved_amount.amount, "paid": Decimal(0), "balance": report.approved_amount.amount}}
    assert ledger.advocate_balance(b.advocate) == before_advocate


def test_a_draft_cannot_be_submitted_once_the_case_has_left_reporting(b):
    """A draft does not hold the case; once the case has moved on, submitting it is refused (it
    would otherwise wait for a review that no step of the case asks for)."""
    _settled_case(b)
    draft = actions.do_create_report(b.defender, b.case)
    actions.do_add_entry(b.defender, draft, date=date.today(), hours=Decimal("1.5"),
                         description="Llamada con la clienta")
    case_actions.do_transition(b.case, CaseState.EVALUATION, by=b.coordinator)
    with pytest.raises(ValidationError) as exc:
        actions.do_submit_report(b.defender, draft)
    assert "no longer in reporting" in str(exc.value)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT
