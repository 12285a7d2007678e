"""A case may not leave the reporting step while a report is waiting: submitted and not reviewed,
or returned for correction and not resubmitted. A Coordinator may withdraw a returned report,
with a reason, to let the case go on."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from puente.core.action_contract import ActionRefused
from django.test import Client
from django.urls import reverse

from puente.core import audit
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
    actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    assert api.reporting_blockers(b.case) == []
    return report


def _returned(b, comment="Falta el recibo del bus"):
    return actions.do_return_report(make_report(b.defender, b.case), comment=comment, acting_user=b.coordinator)


def _move_refused(b):
    with pytest.raises(ActionRefused) as exc:
        case_actions.do_transition(b.case, CaseState.EVALUATION, acting_user=b.coordinator)
    b.case.refresh_from_db()
    assert b.case.state == CaseState.REPORTING
    return exc.value.text


def test_a_returned_report_never_resubmitted_holds_the_case_in_reporting_and_is_named(b):
    _settled_case(b)
    returned = _returned(b)
    message = _move_refused(b)
    assert f"{b.case.reference} v{returned.version} (Returned for correction)" in message
    assert api.reporting_blockers(b.case)


def test_the_corrected_version_still_a_draft_holds_the_case_too(b):
    _settled_case(b)
    returned = _returned(b)
    revision = actions.do_revise_report(returned, acting_user=b.defender)
    assert revision.status == ReportStatus.DRAFT
    assert f"{b.case.reference} v{returned.version} (Returned for correction)" in _move_refused(b)


def test_a_resubmitted_correction_holds_the_case_until_reviewed_and_invoiced(b):
    _settled_case(b)
    returned = _returned(b)
    revision = actions.do_revise_report(returned, acting_user=b.defender)
    revision = actions.do_submit_report(revision, acting_user=b.defender)
    message = _move_refused(b)
    # The waiting report is the new version; the returned one was dealt with by resubmitting.
    assert f"{b.case.reference} v{revision.version} (Submitted for review)" in message
    assert "Returned for correction" not in message
    actions.do_approve_report(revision, acting_user=b.coordinator)
    assert f"{b.case.reference} v{revision.version}" in _move_refused(b)  # approved, not on an issued invoice
    actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [revision], acting_user=b.coordinator), acting_user=b.coordinator
    )
    case_actions.do_transition(b.case, CaseState.EVALUATION, acting_user=b.coordinator)
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
    revision = actions.do_revise_report(returned, acting_user=b.defender)
    withdrawn = actions.do_withdraw_report(
        returned, reason="  La defensora dejó la red; no habrá corrección.  ", acting_user=b.coordinator
    )
    returned.refresh_from_db()
    revision.refresh_from_db()
    assert withdrawn.pk == returned.pk
    assert returned.status == revision.status == ReportStatus.WITHDRAWN
    assert returned.withdrawn_reason == "La defensora dejó la red; no habrá corrección."
    assert returned.withdrawn_by == b.coordinator and returned.withdrawn_at is not None
    assert api.reporting_blockers(b.case) == []
    case_actions.do_transition(b.case, CaseState.EVALUATION, acting_user=b.coordinator)
    b.case.refresh_from_db()
    assert b.case.state == CaseState.EVALUATION
    # Closed for good: the draft cannot be corrected or sent any more, the returned one not revised.
    with pytest.raises(ActionRefused):
        actions.do_submit_report(revision, acting_user=b.defender)
    with pytest.raises(ActionRefused):
        actions.do_revise_report(returned, acting_user=b.defender)
    # Never billed, never owed.
    assert returned not in actions.uninvoiced_reports(b.advocate)
    assert set(TimeReport.objects.filter(status=ReportStatus.APPROVED).values_list("pk", flat=True)).isdisjoint(
        {returned.pk, revision.pk}
    )


def test_the_draft_correction_can_be_named_to_withdraw_the_pair(b):
    returned = _returned(b)
    revision = actions.do_revise_report(returned, acting_user=b.defender)
    actions.do_withdraw_report(revision, reason="Sin respuesta de la defensora", acting_user=b.coordinator)
    assert set(TimeReport.objects.filter(pk__in=[returned.pk, revision.pk]).values_list("status", flat=True)) == {
        ReportStatus.WITHDRAWN
    }


@pytest.mark.parametrize("who", ["defender", "advocate"])
def test_only_a_coordinator_withdraws(b, who):
    returned = _returned(b)
    user = b.defender if who == "defender" else b.advocate.user
    with pytest.raises(ActionRefused, match="You may not do this"):
        actions.do_withdraw_report(returned, reason="no", acting_user=user)
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED


def test_withdrawing_needs_a_reason(b):
    returned = _returned(b)
    with pytest.raises(ActionRefused) as exc:
        actions.do_withdraw_report(returned, reason="   ", acting_user=b.coordinator)
    assert "reason" in exc.value.message_dict
    returned.refresh_from_db()
    assert returned.status == ReportStatus.RETURNED


def test_only_a_returned_report_not_resubmitted_can_be_withdrawn(b):
    approved = make_report(b.defender, b.case, approve_by=b.coordinator)
    submitted = make_report(b.defender, b.case)
    draft = make_report(b.defender, b.case, submit=False)
    returned = _returned(b)
    resubmitted = actions.do_submit_report(
        actions.do_revise_report(returned, acting_user=b.defender), acting_user=b.defender
    )
    for report in (approved, submitted, draft, returned, resubmitted):
        before = TimeReport.objects.get(pk=report.pk).status
        with pytest.raises(ActionRefused, match="returned report"):
            actions.do_withdraw_report(report, reason="por error", acting_user=b.coordinator)
        assert TimeReport.objects.get(pk=report.pk).status == before
    # Withdrawn once is enough.
    other = _returned(b)
    actions.do_withdraw_report(other, reason="no volverá", acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="returned report"):
        actions.do_withdraw_report(other, reason="otra vez", acting_user=b.coordinator)


def test_withdrawal_is_in_the_audit_history_with_the_coordinator_and_the_reason_masked(b):
    returned = _returned(b)
    actions.do_withdraw_report(returned, reason="María Tzoc ya no responde", acting_user=b.coordinator)
    entry = LogEntry.objects.get_for_object(returned).order_by("-timestamp", "-pk").first()
    assert entry.actor == b.coordinator
    changes = entry.changes_dict
    assert changes["status"] == ["returned", "withdrawn"]
    assert changes["withdrawn_reason"][1].startswith(audit.SEALED) and "Tzoc" not in str(entry.changes)


def test_withdraw_from_the_report_page_and_the_defender_reads_why_in_spanish(b):
    returned = _returned(b)
    coordinator = Client()
    coordinator.force_login(b.coordinator)
    page = coordinator.get(reverse("billing:report_detail", args=[returned.pk])).content.decode()
    assert 'id="withdraw-form"' in page
    response = coordinator.post(
        reverse("billing:report_withdraw", args=[returned.pk]), {"reason": "No habrá corrección"}
    )
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
    assert (
        'id="withdraw-form"'
        not in coordinator.get(reverse("billing:report_detail", args=[returned.pk])).content.decode()
    )


def test_a_withdrawn_report_changes_no_balance(b):
    report = _settled_case(b)
    before_defender = ledger.defender_balance(b.defender_org)
    before_advocate = ledger.advocate_balances(b.advocate)[b.advocate.pk]
    actions.do_withdraw_report(_returned(b), reason="no", acting_user=b.coordinator)
    assert (
        ledger.defender_balance(b.defender_org)
        == before_defender
        == {
            "GTQ": {"owed": report.approved_amount.amount, "paid": Decimal(0), "balance": report.approved_amount.amount}
        }
    )
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk] == before_advocate


def test_a_draft_cannot_be_submitted_once_the_case_has_left_reporting(b):
    """A draft does not hold the case; once the case has moved on, submitting it is refused (it
    would otherwise wait for a review that no step of the case asks for)."""
    _settled_case(b)
    draft = actions.do_create_report(b.case, acting_user=b.defender)
    actions.do_add_entry(
        draft, date=date.today(), hours=Decimal("1.5"), description="Llamada con la clienta", acting_user=b.defender
    )
    case_actions.do_transition(b.case, CaseState.EVALUATION, acting_user=b.coordinator)
    with pytest.raises(ActionRefused) as exc:
        actions.do_submit_report(draft, acting_user=b.defender)
    assert "no longer in reporting" in str(exc.value)
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT
