"""State changes of the protection machinery (sessions and accounts), following the action
contract (``puente/core/action_contract.py``). A case's legal hold is the cases app's
(``cases.actions.do_set_legal_hold``, reached through the ``core.set_legal_hold`` provider):
core never writes another app's rows."""

from importlib import import_module

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .action_contract import ActionRefused, action
from .models import UserSession

DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@action("accounts.manage")
def do_end_session(user_session: UserSession, *, acting_user) -> None:
    """End one session: its next request is signed out."""
    _session_store()(session_key=user_session.session_key).delete()
    user_session.delete()


@action("accounts.manage", system=True)
def do_end_all_sessions(account, *, acting_user) -> int:
    """End every session of ``account``. Returns how many were ended."""
    store = _session_store()
    keys = list(UserSession.objects.select_for_update().filter(user=account).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    # Sessions recorded before UserSession existed, or by another path: look them up in the
    # database session store as well, when that is the store in use.
    if settings.SESSION_ENGINE in DB_SESSION_ENGINES:
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get("_auth_user_id")) == str(account.pk):
                store(session_key=session.session_key).delete()
    UserSession.objects.filter(user=account).delete()
    return len(keys)


@action("accounts.manage")
def do_deactivate_user(account, *, acting_user):
    """Deactivate an account at once (a Defender who leaves an organisation): it can no longer
    sign in, and every open session ends now rather than at its expiry."""
    if account.pk == acting_user.pk:
        raise ActionRefused(_("You cannot deactivate your own account."), code="state")
    locked = type(account)._base_manager.select_for_update().get(pk=account.pk)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    do_end_all_sessions(locked, acting_user=acting_user)
    account.is_active = False
    return locked


@action("accounts.manage")
def do_reactivate_user(account, *, acting_user):
    locked = type(account)._base_manager.select_for_update().get(pk=account.pk)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    account.is_active = True
    return locked


@action("audit.restore")
def do_restore_version(entry, *, acting_user):
    """Put a record's personal (encrypted) fields back as they were right after the audit entry
    ``entry`` (``audit.version_of``): the remedy for a form that blanked a person by mistake.

    The one place core writes another app's row, and only through the model's own ``save`` (a
    person's search keys are recomputed) and only its encrypted fields (``audit.restorable_fields``:
    a case's state, say, is never rewound past its workflow). The change is itself in the audit
    history, with ``restored_from`` naming the entry. Returns the fields restored."""
    try:
        version = audit.version_of(entry)
    except ObjectDoesNotExist:
        raise ActionRefused(_("The record no longer exists."), code="state") from None
    model = type(version.obj)
    locked = model._base_manager.select_for_update().get(pk=version.obj.pk)
    version = audit.version_of(entry)  # again, under the lock
    if not version.differs:
        raise ActionRefused(_("This version is the same as the record today: nothing to restore."), code="state")
    for name in version.differs:
        setattr(locked, name, version.values[name])
    locked.save()
    latest = LogEntry.objects.get_for_object(locked).order_by("-timestamp", "-pk").first()
    if latest is not None and latest.pk != entry.pk:
        latest.additional_data = {**(latest.additional_data or {}), "restored_from": entry.pk}
        latest.save(update_fields=["additional_data"])
    return version.differs
