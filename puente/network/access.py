"""What each user may see and edit in the directory, as querysets.

Only Coordinators see the directory. A Defender sees and edits its own organisation's profile
and nothing else; an Advocate its own Advocate profile. Everything else is simply not found.
"""

from django.db.models import Count, F, Q

from puente.core.roles import Role

from .models import Advocate, Defender, User

# Case states in which an assigned case takes up one of the Defender's places (see cases.models).
LOAD_STATES = ("agreement_pending", "active", "reporting", "on_hold")


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) and user.is_active else None


def with_load(queryset):
    """Annotate ``open_cases`` (assigned cases still in progress) and ``free_capacity``."""
    return queryset.annotate(open_cases=Count("cases", filter=Q(cases__state__in=LOAD_STATES), distinct=True)).annotate(
        free_capacity=F("capacity") - F("open_cases")
    )


def visible_defenders(user):
    role = _role(user)
    if role == Role.COORDINATOR:
        return Defender.objects.all()
    if role == Role.DEFENDER and user.defender_id:
        return Defender.objects.filter(pk=user.defender_id)
    return Defender.objects.none()


def editable_defenders(user):
    """Coordinators edit every directory entry; a Defender only its own profile."""
    return visible_defenders(user)


def visible_advocates(user):
    role = _role(user)
    if role == Role.COORDINATOR:
        return Advocate.objects.select_related("user")
    if role == Role.ADVOCATE:
        return Advocate.objects.select_related("user").filter(user=user)
    return Advocate.objects.none()


def editable_advocates(user):
    return visible_advocates(user)


def manageable_users(user):
    """Accounts a user may deactivate or re-invite: Coordinators manage all others."""
    if _role(user) == Role.COORDINATOR:
        return User.objects.exclude(pk=user.pk)
    return User.objects.none()
