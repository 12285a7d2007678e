"""State changes of the protection machinery. Each is atomic and audited; views only call these."""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import actor
from .models import UserSession


@transaction.atomic
def do_set_legal_hold(case, on: bool, reason: str, by):
    """Put a case under legal hold (the retention schedule then keeps it and its people), or lift
    the hold. The row is locked so that a concurrent retention run or a second Coordinator sees
    one consistent answer; the change is in the audit history with ``by`` as actor."""
    reason = (reason or "").strip()
    if on and not reason:
        raise ValidationError({"reason": _("Say why the case is under legal hold.")})
    locked = type(case)._base_manager.select_for_update().get(pk=case.pk)
    locked.legal_hold = bool(on)
    locked.legal_hold_reason = reason if on else ""
    with actor(by):
        locked.save(update_fields=["legal_hold", "legal_hold_reason"])
    case.legal_hold, case.legal_hold_reason = locked.legal_hold, locked.legal_hold_reason
    return locked


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def do_end_session(user_session: UserSession, by) -> None:
    """End one session: its next request is signed out."""
    _session_store()(session_key=user_session.session_key).delete()
    user_session.delete()


@transaction.atomic
def do_end_all_sessions(user, by) -> int:
    """End every session of ``user``. Returns how many were ended."""
    store = _session_store()
    keys = list(UserSession.objects.select_for_update().filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    # Sessions recorded before UserSession existed, or by another path: look them up in the
    # database session store as well, when that is the store in use.
    if settings.SESSION_ENGINE in ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"):
        from django.contrib.sessions.models import Session

        from django.utils import timezone

        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                store(session_key=session.session_key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def do_deactivate_user(user, by) -> None:
    """Deactivate an account at once (a Defender who leaves an organisation): it can no longer
    sign in, and every open session ends now rather than at its expiry."""
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    locked = type(user)._base_manager.select_for_update().get(pk=user.pk)
    locked.is_active = False
    with actor(by):
        locked.save(update_fields=["is_active"])
    do_end_all_sessions(locked, by)
    user.is_active = False
    return locked


@transaction.atomic
def do_reactivate_user(user, by) -> None:
    locked = type(user)._base_manager.select_for_update().get(pk=user.pk)
    locked.is_active = True
    with actor(by):
        locked.save(update_fields=["is_active"])
    user.is_active = True
    return locked
