"""The one contract every state change in Puente follows.

Every change of state is a ``do_*`` function in its app's ``actions.py``, shaped like Zulip's
``zerver/actions``::

    @action("cases.review")
    def do_decline(case: Case, *, acting_user: User, reason: str) -> Case:
        ...

- **Objects first**, then keyword-only arguments; ``acting_user`` is always keyword-only.
- **One decorator**, :func:`action`, which
  1. checks the coarse permission from :mod:`puente.core.roles` (object-level checks, "is this
     the case's Advocate?", stay inside the action, where the row is locked);
  2. runs the action in one transaction (``transaction.atomic``), so a refusal half-way writes
     nothing;
  3. makes ``acting_user`` the actor of every audit entry written inside, keeping the request's
     IP address when the call comes from a request (``AuditlogMiddleware`` put it in auditlog's
     context) and leaving it empty when it comes from a command;
  4. turns every refusal into one error type, :class:`ActionRefused`, with a translated message
     (and, where it belongs to one, the form field) that views put on the form with
     :func:`puente.core.forms.add_refusal`.
- **Row locks** (``select_for_update``) wherever two users could race on the same row.
- **Side effects after commit**: e-mail, notifications to outside systems and anything that
  cannot be rolled back go through ``transaction.on_commit`` so that a refused or failed action
  sends nothing.

``tests/test_action_contract.py`` inspects every ``do_*`` in the project and fails on one that
does not follow this shape.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from auditlog.context import auditlog_value
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _

from .audit import actor as audit_actor
from .roles import has_perm

F = TypeVar("F", bound=Callable[..., Any])

#: ``permission=SIGNED_IN``: any active account may call it and the rule is the object-level
#: check inside (posting a message to a case one takes part in). Use it only where the
#: docstring says why no coarse permission fits.
SIGNED_IN = "__signed_in__"
#: ``permission=PUBLIC``: the action may be taken without an account (accepting an invitation,
#: a worker's anonymous report). ``acting_user`` is then ``None`` or an anonymous user.
PUBLIC = "__public__"


class ActionRefused(ValidationError):
    """The one refusal type of every ``do_*`` action.

    A ``ValidationError`` (so forms and Django's own machinery understand it) with a translated
    message, an optional ``field`` naming the form field it belongs to, and a ``code``
    ("permission", "state", "conflict", ...). ``str(refusal)`` is the message in the active
    language."""

    def __init__(self, message: Any, *, field: str | None = None, code: str | None = None, params: dict | None = None):
        if isinstance(message, ValidationError):
            super().__init__(message.error_dict if hasattr(message, "error_dict") else message.error_list)
            self.field = field
        elif isinstance(message, dict):
            super().__init__(message, code=code)
            self.field = field
        elif field:
            super().__init__({field: [ValidationError(message, code=code, params=params)]})
            self.field = field
        else:
            super().__init__(message, code=code, params=params)
            self.field = None
        self.refusal_code = code

    @property
    def text(self) -> str:
        """All messages as one sentence-separated string, in the active language."""
        return " ".join(str(m) for m in self.messages)

    def __str__(self) -> str:
        return self.text


def _as_refusal(exc: Exception) -> ActionRefused:
    if isinstance(exc, ActionRefused):
        return exc
    if isinstance(exc, ValidationError):
        return ActionRefused(exc)
    if isinstance(exc, PermissionDenied):
        return ActionRefused(str(exc) or _("You may not do this."), code="permission")
    raise TypeError(exc)  # pragma: no cover - only called with the types above


def _check_signature(fn: Callable) -> inspect.Signature:
    sig = inspect.signature(fn)
    param = sig.parameters.get("acting_user")
    if param is None or param.kind is not inspect.Parameter.KEYWORD_ONLY:
        raise TypeError(f"{fn.__module__}.{fn.__qualname__}: a do_* action takes keyword-only `acting_user`")
    return sig


def action(permission: str | Iterable[str], *, system: bool = False) -> Callable[[F], F]:
    """Make ``fn`` a Puente action (see the module docstring).

    ``permission``: a name from ``roles.PERMISSIONS``, several names (any one suffices),
    :data:`SIGNED_IN` or :data:`PUBLIC`. ``system=True``: the system itself may also run it
    with ``acting_user=None`` (a management command, a scheduled job, the demo loader); a user
    who calls it still needs the permission."""
    perms: tuple[str, ...] = (permission,) if isinstance(permission, str) else tuple(permission)
    if not perms:
        raise TypeError("action() needs a permission, SIGNED_IN or PUBLIC")

    def decorate(fn: F) -> F:
        _check_signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if "acting_user" not in kwargs:
                raise TypeError(f"{fn.__qualname__}() needs acting_user=")
            user = kwargs["acting_user"]
            if not (system and user is None):
                _check_permission(user, perms)
            _forget_finished_audit_context()
            try:
                with transaction.atomic():
                    if user is not None and getattr(user, "is_authenticated", False):
                        with audit_actor(user):
                            return fn(*args, **kwargs)
                    return fn(*args, **kwargs)
            except ActionRefused:
                raise
            except (ValidationError, PermissionDenied) as exc:
                raise _as_refusal(exc) from exc

        wrapper.__puente_action__ = {"permission": perms, "system": system}  # type: ignore[attr-defined]  # a marker the contract test reads
        return cast(F, wrapper)

    return decorate


def _forget_finished_audit_context() -> None:
    """Drop an audit context whose request (or block) is over.

    auditlog leaves its last context visible after the ``set_actor`` block that made it ends
    (its signal receiver disconnected): an action run later in the same thread (a command after
    a test's request, a job in a worker that served a request) would otherwise take that
    finished request's address as its own. A context is live while its receiver, keyed by its
    ``signal_duid``, is connected to ``pre_save``."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    duid = (context or {}).get("signal_duid")
    if duid is not None and not any(key[0] == duid for key, *_rest in pre_save.receivers):
        auditlog_value.set({"signal_duid": None})  # receivers still connected ignore it


def _check_permission(user: Any, perms: tuple[str, ...]) -> None:
    if PUBLIC in perms:
        return
    if SIGNED_IN in perms:
        if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
            return
        raise ActionRefused(_("Sign in to do this."), code="permission")
    if user is None or not any(has_perm(user, p) for p in perms):
        raise ActionRefused(_("You may not do this."), code="permission")


def is_action(fn: Callable) -> bool:
    return hasattr(fn, "__puente_action__")
