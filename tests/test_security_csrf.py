"""Every form is protected against cross-site request forgery."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from tests.factories import PASSWORD


def _all_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        # Regular-expression routes (DRF's router) carry their own ^ and $ at each level.
        part = str(p.pattern).lstrip("^").rstrip("$")
        if isinstance(p, URLResolver):
            yield from _all_patterns(p, prefix + part)
        elif isinstance(p, URLPattern):
            yield prefix + part, p


# Views that may be exempt from Django's CSRF middleware, and why. Nothing else may be.
EXEMPT_BY_DESIGN = {
    # Twilio's webhook: called by the provider, not a browser; no cookie authenticates it, each
    # request is authenticated by Twilio's signature (tests/voice/test_webhook.py).
    "voice:twilio_webhook",
}


def _is_rest_framework_view(callback) -> bool:
    """Django REST Framework marks its views exempt and enforces CSRF itself in
    SessionAuthentication (a browser's session), while token requests carry no ambient
    credential to forge; tests/api checks that a session POST without a token is refused."""
    cls = getattr(callback, "cls", None)
    return cls is not None and issubclass(cls, APIView)


def test_no_view_is_exempt_from_csrf():
    exempt = []
    for route, p in _all_patterns():
        if not getattr(p.callback, "csrf_exempt", False) or _is_rest_framework_view(p.callback):
            continue
        name = f"{p.callback.__module__.split('.')[1]}:{p.name}" if p.name else route
        if name not in EXEMPT_BY_DESIGN:
            exempt.append(route)
    assert not exempt, f"Views exempt from CSRF protection: {exempt}"


def test_csrf_middleware_is_on():
    from django.conf import settings

    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def csrf_client(user=None):
    c = Client(enforce_csrf_checks=True)
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.parametrize("url_name,kwargs,role", [
    ("core:deactivate_user", lambda w: {"user_id": w.defender.pk}, "coordinator"),
    ("core:end_user_sessions", lambda w: {"user_id": w.defender.pk}, "coordinator"),
    ("core:legal_hold", lambda w: {"case_id": w.hold_case.pk}, "coordinator"),
    ("core:retention", lambda w: {}, "coordinator"),
    ("set_language", lambda w: {}, "defender"),
    ("account_logout", lambda w: {}, "defender"),
])
def test_state_changing_views_refuse_a_post_without_token(world, url_name, kwargs, role):
    c = csrf_client(getattr(world, role))
    r = c.post(reverse(url_name, kwargs=kwargs(world)), {"on": "1", "reason": "x", "case": "HOLD-1", "language": "en"})
    assert r.status_code == 403
    world.defender.refresh_from_db()
    world.hold_case.refresh_from_db()
    assert world.defender.is_active and not world.hold_case.legal_hold


def test_every_post_without_token_is_refused(world):
    """A sweep: every URL without parameters, posted to by a signed-in Coordinator without a
    token, is refused (403) or does not take POST (405)."""
    c = csrf_client(world.coordinator)
    checked = 0
    for route, p in _all_patterns():
        if "<" in route or "(?P" in route or not p.name:
            continue
        url = "/" + route.lstrip("^").rstrip("$")
        r = c.post(url, {})
        assert r.status_code in (403, 405), f"POST {url} without a CSRF token: {r.status_code}"
        checked += 1
    assert checked > 10


def test_login_form_needs_the_token(world):
    r = csrf_client().post(reverse("account_login"), {"login": world.defender.email, "password": PASSWORD})
    assert r.status_code == 403
