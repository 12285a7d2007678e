"""What each user may see of cases, as querysets. Views fetch cases only through these, so a case
the user does not take part in is a 404.

- Coordinators see every case.
- An Advocate sees the cases they requested.
- A Defender's users see the cases assigned to their Defender (from the moment of assignment).
- Internal notes: Coordinators only. Client details: the parties above and Coordinators, and
  every read of a client's record is logged (``puente.core.audit.log_access``).
"""

from puente.core.audit import log_access
from puente.core.roles import Role

from .models import Attachment, Case, InternalNote, Task


def visible_cases(user):
    qs = Case.objects.select_related("advocate__user", "defender", "client")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return qs.none()
    if user.role == Role.COORDINATOR:
        return qs
    if user.role == Role.ADVOCATE:
        return qs.filter(advocate__user=user)
    if user.role == Role.DEFENDER and user.defender_id:
        return qs.filter(defender_id=user.defender_id)
    return qs.none()


def visible_tasks(user):
    """Tasks of the cases ``user`` may see (the api app lists them)."""
    return Task.objects.filter(case__in=visible_cases(user))


def visible_attachments(user):
    return Attachment.objects.filter(message__case__in=visible_cases(user)).select_related("message__case")


def visible_internal_notes(user, case):
    if user.role != Role.COORDINATOR:
        return InternalNote.objects.none()
    return case.internal_notes.select_related("author")


def client_for(user, case):
    """The case's client, for a user who may see the case; the read is logged."""
    if not visible_cases(user).filter(pk=case.pk).exists():
        return None
    log_access(case.client)
    return case.client
