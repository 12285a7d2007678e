"""Recording signed-in sessions (``UserSession``) so that Coordinators can see and end them.

- ``user_logged_in``: a row with the session key, IP address and browser.
- ``user_logged_out``: the row goes.
- ``SessionActivityMiddleware``: refreshes ``last_seen`` (at most once a minute, to spare the
  database) and records sessions whose key changed (a password change cycles the key).

Expiry after inactivity is Django's: ``SESSION_COOKIE_AGE`` (``PUENTE_SESSION_IDLE_SECONDS``)
with ``SESSION_SAVE_EVERY_REQUEST``, so each request pushes the expiry forward and an idle
session dies.
"""

from datetime import timedelta

from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from .models import UserSession

TOUCH_EVERY = timedelta(seconds=60)
SEEN_KEY = "_puente_seen"


def client_ip(request) -> str | None:
    # REMOTE_ADDR is what the proxy in front gives us; X-Forwarded-For can be forged by the client.
    return request.META.get("REMOTE_ADDR") or None


def _ensure_key(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return request.session.session_key


def record(request, user) -> UserSession:
    key = _ensure_key(request)
    now = timezone.now()
    obj, _ = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "last_seen": now,
        },
    )
    return obj


@receiver(user_logged_in, dispatch_uid="puente_record_session")
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        record(request, user)


@receiver(user_logged_out, dispatch_uid="puente_forget_session")
def _on_logout(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()


class SessionActivityMiddleware:
    """After AuthenticationMiddleware: keep ``UserSession.last_seen`` current."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            if not user.is_active:
                # Deactivated while signed in (a backend that does not check is_active).
                logout(request)
            else:
                self._touch(request, user)
        return self.get_response(request)

    def _touch(self, request, user):
        key = request.session.session_key
        if not key:
            return
        # The time of the last refresh rides in the session itself (saved on every request
        # anyway), so most requests cost no query at all.
        now = timezone.now()
        last = request.session.get(SEEN_KEY)
        if last is not None and now.timestamp() - last < TOUCH_EVERY.total_seconds():
            return
        request.session[SEEN_KEY] = now.timestamp()
        if not UserSession.objects.filter(session_key=key, user=user).update(last_seen=now):
            record(request, user)
