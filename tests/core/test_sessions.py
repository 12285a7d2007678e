"""Sessions are recorded, visible to Coordinators, can be ended; deactivation is immediate;
idle sessions expire."""

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from puente.core.models import UserSession
from tests.factories import PASSWORD, make_defender_user


def login(user, ua="Mozilla/5.0 (Linux; Android 13)"):
    c = Client(HTTP_USER_AGENT=ua, REMOTE_ADDR="198.51.100.23")
    r = c.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert r.status_code == 302, r.content[:500]
    return c


def is_signed_in(c):
    r = c.get(reverse("home"))
    return not (r.status_code == 302 and "/accounts/login/" in r["Location"])


@pytest.fixture
def coord(coordinator):
    c = Client()
    c.force_login(coordinator)
    return c


def test_login_records_the_session_and_logout_forgets_it(db):
    user = make_defender_user()
    c = login(user)
    s = UserSession.objects.get(user=user)
    assert s.ip_address == "198.51.100.23" and "Android" in s.user_agent
    assert Session.objects.filter(session_key=s.session_key).exists()
    c.post(reverse("account_logout"))
    assert not UserSession.objects.filter(user=user).exists()


def test_coordinator_sees_and_ends_a_session(db, coord):
    user = make_defender_user()
    phone, laptop = login(user, ua="Android phone"), login(user, ua="Firefox laptop")
    page = coord.get(reverse("core:user_sessions", args=[user.pk]))
    assert b"Android phone" in page.content and b"Firefox laptop" in page.content
    assert b"Android phone" in coord.get(reverse("core:sessions")).content
    lost = UserSession.objects.get(user=user, user_agent="Android phone")
    r = coord.post(reverse("core:end_session", args=[lost.pk]))
    assert r.status_code == 302
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    coord.post(reverse("core:end_user_sessions", args=[user.pk]))
    assert not is_signed_in(laptop)


def test_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(db, coord, coordinator):
    user = make_defender_user()
    c = login(user)
    assert is_signed_in(c)
    r = coord.post(reverse("core:deactivate_user", args=[user.pk]))
    assert r.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    assert not is_signed_in(c)  # the very next request
    assert not UserSession.objects.filter(user=user).exists()
    again = Client()
    r = again.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert r.status_code != 302 or r["Location"] == reverse("account_inactive")
    assert not is_signed_in(again)
    # The deactivation is in the audit history with the Coordinator as actor.
    entry = LogEntry.objects.get_for_object(user).latest("timestamp")
    assert entry.actor == coordinator and entry.changes_dict["is_active"] == ["True", "False"]
    coord.post(reverse("core:reactivate_user", args=[user.pk]))
    user.refresh_from_db()
    assert user.is_active and is_signed_in(login(user))


def test_coordinator_cannot_deactivate_themselves(db, coord, coordinator):
    coord.post(reverse("core:deactivate_user", args=[coordinator.pk]))
    coordinator.refresh_from_db()
    assert coordinator.is_active


def test_idle_session_expires(db, settings):
    """The test moves the clock (time-machine) instead of waiting for it."""
    settings.SESSION_COOKIE_AGE = 600
    user = make_defender_user()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        c = login(user)
        assert is_signed_in(c)
        clock.shift(timedelta(seconds=300))
        assert is_signed_in(c)  # activity pushes the expiry forward ...
        clock.shift(timedelta(seconds=360))
        assert is_signed_in(c)  # ... so 660 s after signing in it is still alive
        clock.shift(timedelta(seconds=601))
        assert not is_signed_in(c)  # idle longer than the age: signed out


def test_last_seen_is_refreshed(db):
    user = make_defender_user()
    c = login(user)
    s = UserSession.objects.get(user=user)
    UserSession.objects.filter(pk=s.pk).update(last_seen=timezone.now() - timedelta(hours=1))
    c.get(reverse("home"))
    s.refresh_from_db()
    assert timezone.now() - s.last_seen < timedelta(minutes=1)
