"""The case workflow through the actions: allowed and refused moves, who may make them, the
timeline, hold and resume, and the guards (Advocate Agreement, contract, tasks, billing)."""

import pytest
from django.core import mail

from puente.core.action_contract import ActionRefused
from puente.cases import actions, workflow
from puente.cases.models import CaseState, CaseTransition, MatchRecord, Notification, Task
from tests.cases.helpers import settle_reporting, sign_agreement, sign_all, submit
from tests.factories import make_defender_org

S = CaseState
pytestmark = pytest.mark.django_db


def test_full_path_records_every_move_with_actor(world):
    w = world
    case = submit(w.other_advocate_profile)
    assert case.state == S.SUBMITTED and case.reference.startswith("PU-")
    actions.do_transition(case, S.IN_REVIEW, acting_user=w.coordinator)
    actions.do_request_info(case, acting_user=w.coordinator, question="¿Qué finca?")
    case.refresh_from_db()
    assert case.state == S.INFO_REQUESTED
    actions.do_answer_info(case, acting_user=w.other_advocate, answer="Smith farm, Wilson NC")
    case.refresh_from_db()
    assert case.state == S.IN_REVIEW
    # No Defender before the Advocate Agreement.
    with pytest.raises(ActionRefused, match="Advocate Agreement"):
        actions.do_assign_defender(case, w.defender_org, acting_user=w.coordinator)
    sign_agreement(w.other_advocate_profile)
    shown = [
        {"defender_id": w.other_defender_org.pk, "rank": 1, "score": 0.9, "reasons": ["x"]},
        {"defender_id": w.defender_org.pk, "rank": 2, "score": 0.7, "reasons": ["y"]},
    ]
    record = actions.do_assign_defender(
        case, w.defender_org, acting_user=w.coordinator, note="Speaks Q'eqchi'", suggestions=shown
    )
    assert isinstance(record, MatchRecord) and record.chosen_rank == 2 and record.suggestions == shown
    assert not record.followed_suggestion
    case.refresh_from_db()
    assert case.state == S.AGREEMENT_PENDING and case.defender == w.defender_org and case.assigned_at
    assert case.contract_versions.count() == 1
    sign_all(case, w.coordinator, w.other_advocate, w.defender)
    assert case.state == S.ACTIVE
    # Leaving active needs the tasks finished.
    with pytest.raises(ActionRefused, match="tasks"):
        actions.do_transition(case, S.REPORTING, acting_user=w.defender)
    for task in case.tasks.all():
        actions.do_update_task(task, acting_user=w.defender, status=Task.Status.DONE)
    actions.do_transition(case, S.REPORTING, acting_user=w.defender)
    # Leaving reporting is billing's call (provider cases.reporting_blockers): nothing invoiced yet...
    with pytest.raises(ActionRefused, match="invoiced"):
        actions.do_transition(case, S.EVALUATION, acting_user=w.coordinator)
    # ...then a report approved and on an issued invoice.
    settle_reporting(case, w.defender, w.coordinator)
    actions.do_transition(case, S.EVALUATION, acting_user=w.coordinator)
    with pytest.raises(ActionRefused, match="evaluation"):
        actions.do_transition(case, S.CLOSED, acting_user=w.coordinator)
    actions.do_submit_evaluation(
        case,
        acting_user=w.other_advocate,
        ratings={"communication": 5, "timeliness": 4, "quality": 5, "client_care": 4},
    )
    actions.do_submit_evaluation(
        case, acting_user=w.defender, ratings={"instructions": 3, "communication": 4, "support": 5, "payment": 4}
    )
    actions.do_transition(case, S.CLOSED, acting_user=w.coordinator)
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.closed_at
    steps = list(CaseTransition.objects.filter(case=case).values_list("from_state", "to_state", "actor__email"))
    assert [s[1] for s in steps] == [
        S.SUBMITTED,
        S.IN_REVIEW,
        S.INFO_REQUESTED,
        S.IN_REVIEW,
        S.AGREEMENT_PENDING,
        S.ACTIVE,
        S.REPORTING,
        S.EVALUATION,
        S.CLOSED,
    ]
    assert steps[3][2] == w.other_advocate.email and steps[6][2] == w.defender.email
    assert case.evaluations.get(side="advocate").overall == pytest.approx(4.5)


@pytest.mark.parametrize(
    "who,target",
    [
        ("advocate", S.IN_REVIEW),  # only Coordinators start a review
        ("defender", S.IN_REVIEW),
        ("coordinator", S.ACTIVE),  # submitted -> active is not a move at all
        ("coordinator", S.CLOSED),
        ("coordinator", "nonsense"),
    ],
)
def test_disallowed_moves_are_refused(world, who, target):
    case = world.submitted_case
    with pytest.raises(ActionRefused):
        actions.do_transition(case, target, acting_user=getattr(world, who))
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    assert case.transitions.count() == 1


def test_roles_on_active_case(world):
    case = world.case
    # The Advocate may not declare the work done, nor close; the other Defender cannot touch it.
    for user, target in [
        (world.advocate, S.REPORTING),
        (world.defender, S.CLOSED),
        (world.other_defender, S.REPORTING),
    ]:
        with pytest.raises(ActionRefused):
            actions.do_transition(case, target, acting_user=user)
    # The move that needs its own form (signing) cannot be forced through the generic move.
    with pytest.raises(ActionRefused):
        actions.do_transition(world.submitted_case, S.DECLINED, acting_user=world.coordinator)
    case.refresh_from_db()
    assert case.state == S.ACTIVE


def test_declined_is_final(world):
    case = world.submitted_case
    with pytest.raises(ActionRefused, match="reason"):
        actions.do_decline(case, acting_user=world.coordinator, reason="  ")
    actions.do_decline(case, acting_user=world.coordinator, reason="Outside the network's countries.")
    case.refresh_from_db()
    assert case.state == S.DECLINED and case.decline_reason.startswith("Outside")
    for target in (S.IN_REVIEW, S.ON_HOLD, S.SUBMITTED):
        with pytest.raises(ActionRefused):
            actions.do_transition(case, target, acting_user=world.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_hold(case, acting_user=world.coordinator)


def test_hold_and_resume_return_to_the_held_state(world):
    case = world.case
    with pytest.raises(ActionRefused):
        actions.do_hold(case, acting_user=world.advocate)
    actions.do_hold(case, acting_user=world.coordinator, reason="Client in hospital")
    case.refresh_from_db()
    assert case.state == S.ON_HOLD and case.held_from_state == S.ACTIVE
    with pytest.raises(ActionRefused):
        actions.do_transition(case, S.REPORTING, acting_user=world.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_resume(case, acting_user=world.defender)
    actions.do_resume(case, acting_user=world.coordinator)
    case.refresh_from_db()
    assert case.state == S.ACTIVE and case.held_from_state == ""
    assert list(case.transitions.values_list("to_state", flat=True))[-2:] == [S.ON_HOLD, S.ACTIVE]


def test_every_open_state_may_go_on_hold():
    targets = {(t.source, t.target) for t in workflow.TRANSITIONS}
    for state in workflow.OPEN_STATES:
        assert (state, S.ON_HOLD) in targets
    for state in workflow.FINAL_STATES:
        assert (state, S.ON_HOLD) not in targets


def test_assign_refuses_paused_defender_and_wrong_step(world):
    sign_agreement(world.advocate_profile)
    paused = make_defender_org(name="Pausado", country="MX", regions=(), status="paused")
    with pytest.raises(ActionRefused, match="paused"):
        actions.do_assign_defender(world.submitted_case, paused, acting_user=world.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_assign_defender(world.case, world.other_defender_org, acting_user=world.coordinator)
    with pytest.raises(ActionRefused):
        actions.do_assign_defender(world.submitted_case, world.defender_org, acting_user=world.advocate)
    # From submitted, choosing moves through review; a Defender outside the suggestions has no rank.
    record = actions.do_assign_defender(
        world.submitted_case,
        world.other_defender_org,
        acting_user=world.coordinator,
        suggestions=[{"defender_id": world.defender_org.pk, "rank": 1, "score": 1, "reasons": []}],
    )
    assert record.chosen_rank is None
    assert list(world.submitted_case.transitions.values_list("to_state", flat=True)) == [
        S.SUBMITTED,
        S.IN_REVIEW,
        S.AGREEMENT_PENDING,
    ]


def test_notifications_in_app_and_by_email_in_the_recipients_language(world, django_capture_on_commit_callbacks):
    sign_agreement(world.advocate_profile)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_assign_defender(world.submitted_case, world.defender_org, acting_user=world.coordinator)
    note = Notification.objects.get(user=world.defender, kind=Notification.Kind.ASSIGNMENT, case=world.submitted_case)
    assert world.submitted_case.reference in note.text
    assert "asignado" in note.text  # a Defender reads Spanish
    assert Notification.objects.filter(user=world.advocate, kind=Notification.Kind.ASSIGNMENT).exists()
    assert not Notification.objects.filter(user=world.coordinator, kind=Notification.Kind.ASSIGNMENT).exists()
    assert any(world.defender.email in m.to for m in mail.outbox)
    # No client name in any email.
    assert all("Xol" not in m.body and "Guadalupe" not in m.body for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_post_message(world.case, acting_user=world.advocate, body="Gracias")
    assert Notification.objects.filter(user=world.defender, kind=Notification.Kind.MESSAGE).exists()
    assert {tuple(m.to) for m in mail.outbox} == {(world.defender.email,)}


def test_evaluation_rules(world):
    case = world.case
    with pytest.raises(ActionRefused, match="evaluation step"):
        actions.do_submit_evaluation(case, acting_user=world.advocate, ratings={})
    case.state = S.EVALUATION
    case.save()
    with pytest.raises(ActionRefused, match="1 to 5"):
        actions.do_submit_evaluation(
            case,
            acting_user=world.advocate,
            ratings={"communication": 6, "timeliness": 4, "quality": 5, "client_care": 4},
        )
    with pytest.raises(ActionRefused):
        actions.do_submit_evaluation(case, acting_user=world.coordinator, ratings={})
    with pytest.raises(ActionRefused):
        actions.do_submit_evaluation(case, acting_user=world.other_defender, ratings={})
    ratings = {"communication": 5, "timeliness": 4, "quality": 5, "client_care": 4}
    actions.do_submit_evaluation(case, acting_user=world.advocate, ratings=ratings)
    with pytest.raises(ActionRefused, match="already"):
        actions.do_submit_evaluation(case, acting_user=world.advocate, ratings=ratings)


def test_outcome_only_by_the_cases_advocate(world):
    from djmoney.money import Money

    with pytest.raises(ActionRefused):
        actions.do_report_outcome(world.case, acting_user=world.other_advocate, result="settled")
    with pytest.raises(ActionRefused):
        actions.do_report_outcome(world.case, acting_user=world.defender, result="settled")
    with pytest.raises(ActionRefused):
        actions.do_report_outcome(world.submitted_case, acting_user=world.advocate, result="settled")
    outcome = actions.do_report_outcome(
        world.case, acting_user=world.advocate, result="settled", amount_recovered=Money("12500.00", "USD")
    )
    assert outcome.known and outcome.amount_recovered == Money("12500.00", "USD")
    actions.do_report_outcome(world.case, acting_user=world.advocate, result="judgment")
    assert world.case.outcome.result == "judgment"


def test_task_updates_only_by_defender_or_coordinator_while_active(world):
    task = world.task
    with pytest.raises(ActionRefused):
        actions.do_update_task(task, acting_user=world.advocate, status="done")
    with pytest.raises(ActionRefused):
        actions.do_update_task(task, acting_user=world.other_defender, status="done")
    actions.do_update_task(task, acting_user=world.defender, status="done")
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at


def test_audit_history_names_the_actor_outside_a_request(world):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from puente.cases.models import Case

    case = world.submitted_case
    actions.do_transition(case, S.IN_REVIEW, acting_user=world.coordinator)
    actions.do_decline(case, acting_user=world.coordinator, reason="No")
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Case), object_pk=str(case.pk))
    declined = [e for e in entries if "declined" in str((e.changes_dict or {}).get("state", ""))]
    assert declined and all(e.actor == world.coordinator for e in declined)
    # The submission was the Advocate's.
    assert entries.filter(action=LogEntry.Action.CREATE, actor=world.advocate).exists()


def test_audit_actor_of_the_request_survives_an_action(world):
    """In a request, AuditlogMiddleware's actor is back in place after an action ends."""
    from auditlog.models import LogEntry
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.coordinator)
    client.post(reverse("cases:hold", args=[world.case.pk]), {"reason": "x"})
    client.post(reverse("cases:resume", args=[world.case.pk]))
    held = [
        e
        for e in LogEntry.objects.filter(object_pk=str(world.case.pk))
        if "on_hold" in str((e.changes_dict or {}).get("state", ""))
    ]
    assert len(held) == 2 and all(e.actor == world.coordinator for e in held)


def test_audit_rows_of_case_actions_carry_the_requests_address(world):
    """Issue 13: the action contract sets the audit actor keeping the request's address (cases'
    old _as_actor dropped it)."""
    from auditlog.models import LogEntry
    from django.test import Client
    from django.urls import reverse

    client = Client(REMOTE_ADDR="198.51.100.23")
    client.force_login(world.coordinator)
    client.post(reverse("cases:hold", args=[world.case.pk]), {"reason": "Lluvias"})
    entry = LogEntry.objects.get_for_object(world.case).latest("timestamp")
    assert "on_hold" in str(entry.changes_dict.get("state", ""))
    assert entry.actor == world.coordinator and entry.remote_addr == "198.51.100.23"
