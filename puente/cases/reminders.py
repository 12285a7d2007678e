"""Reminders for approaching deadlines and outcomes still unknown. Each reminder has a key, so
running the command every day sends each one once."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .models import Case, CaseState, Notification, Outcome, Task
from .notify import case_parties, notify


def deadline_days():
    return int(getattr(settings, "PUENTE_DEADLINE_REMINDER_DAYS", 3))


def outcome_days():
    return int(getattr(settings, "PUENTE_OUTCOME_REMINDER_DAYS", 90))


@transaction.atomic
def send_reminders(today=None) -> dict:
    today = today or timezone.localdate()
    horizon = today + timedelta(days=deadline_days())
    counts = {"deadline": 0, "outcome": 0}
    tasks = Task.objects.filter(
        case__state=CaseState.ACTIVE, due_date__gte=today, due_date__lte=horizon,
        status__in=[Task.Status.OPEN, Task.Status.IN_PROGRESS],
    ).select_related("case__advocate__user")
    for task in tasks:
        if task.due_date is None:  # filtered on it above; for the type checker
            continue
        counts["deadline"] += len(notify(
            case_parties(task.case), Notification.Kind.DEADLINE, task.case,
            gettext_lazy("Case %(ref)s: the task “%(task)s” is due on %(due)s."),
            {"task": task.get_kind_display(), "due": task.due_date.isoformat()},
            key=f"task-due:{task.pk}:{task.due_date.isoformat()}",
        ))
    cases = Case.objects.filter(state=CaseState.ACTIVE, deadline__gte=today, deadline__lte=horizon)
    for case in cases.select_related("advocate__user"):
        if case.deadline is None:  # filtered on it above; for the type checker
            continue
        counts["deadline"] += len(notify(
            case_parties(case), Notification.Kind.DEADLINE, case,
            gettext_lazy("Case %(ref)s: the case deadline is %(due)s."), {"due": case.deadline.isoformat()},
            key=f"case-deadline:{case.pk}:{case.deadline.isoformat()}",
        ))
    cutoff = timezone.now() - timedelta(days=outcome_days())
    known = Outcome.objects.exclude(result__in=[Outcome.Result.PENDING, Outcome.Result.UNKNOWN]).values("case_id")
    stale = (
        Case.objects.filter(assigned_at__lte=cutoff)
        .filter(Q(state__in=[CaseState.ACTIVE, CaseState.REPORTING, CaseState.EVALUATION, CaseState.CLOSED]))
        .exclude(pk__in=known).select_related("advocate__user")
    )
    period = (timezone.now() - cutoff).days
    for case in stale:
        if case.assigned_at is None:  # filtered on it above; for the type checker
            continue
        # One reminder per period: the key carries how many periods have passed since assignment.
        n = (timezone.now() - case.assigned_at).days // period
        counts["outcome"] += len(notify(
            [case.advocate.user], Notification.Kind.OUTCOME, case,
            gettext_lazy("Case %(ref)s: please tell the network the outcome when you know it."),
            key=f"outcome:{case.pk}:{n}",
        ))
    return counts
