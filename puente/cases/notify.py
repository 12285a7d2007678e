"""Notifications: a row in the app for each recipient, and an email after the transaction commits.

The text is rendered in each recipient's own language (a Defender reads Spanish). Emails name the
case by its reference only: no client name ever goes into an email.
"""

import contextlib
import threading

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from puente.core import mail
from puente.core.roles import Role
from puente.network.api import User

from .models import Notification


_state = threading.local()


@contextlib.contextmanager
def emails_suppressed():
    """In-app notifications only, no email (the demo loader uses it)."""
    previous = getattr(_state, "quiet", False)
    _state.quiet = True
    try:
        yield
    finally:
        _state.quiet = previous


def case_parties(case, *, include_coordinators=False):
    """The accounts that take part in a case: the Advocate, the Defender's users, and optionally
    the network's Coordinators."""
    users = [case.advocate.user]
    if case.defender_id:
        users += defender_users(case.defender_id)
    if include_coordinators:
        users += list(coordinators())
    return [u for u in users if u.is_active]


def defender_users(defender_id):
    """The active accounts of a Defender (an organisation may have several)."""
    return list(User.objects.filter(defender_id=defender_id, is_active=True, role=Role.DEFENDER))


def coordinators():
    return User.objects.filter(role=Role.COORDINATOR, is_active=True)


def notify(users, kind, case, text, params=None, *, key="", exclude=None):
    """Notify ``users`` (skipping ``exclude``, usually the one who acted). ``text`` is a lazy
    translatable string with %(name)s ``params``. With ``key``, a user is notified only once."""
    params = dict(params or {})
    if case is not None:
        params.setdefault("ref", case.reference)
    seen = set()
    created = []
    for user in users:
        if user is None or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        if key and Notification.objects.filter(user=user, key=key).exists():
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            message = str(text) % params
            # The subject names the event (the kind's label, in the recipient's language) and the case.
            event = str(Notification.Kind(kind).label) if kind in Notification.Kind.values else str(kind)
            subject = f"{params['ref']}: {event}" if params.get("ref") else event
        created.append(Notification.objects.create(user=user, case=case, kind=kind, text=message[:300], key=key))
        if getattr(_state, "quiet", False):
            continue
        link = reverse("cases:detail", args=[case.pk]) if case is not None else reverse("cases:notifications")
        body = f"{message}\n\n{mail.absolute_url(link)}"
        mail.send(user.email, subject, body, event=f"cases.{kind}")  # queued after the commit, retried
    return created
