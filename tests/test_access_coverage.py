"""Fails when a view is added without an entry in an access matrix.

Every URL of the whole app is accounted for: our apps' views by the access matrices
(``tests/<app>/test_access_matrix*.py``), and the endpoints of the libraries we mount (allauth's
account and two-factor pages, Django's language switch) by ``THIRD_PARTY`` below, which says for
each one whether it is public or needs a signed-in user; a test checks that an anonymous visitor
gets exactly that. A new URL anywhere (a new view, or a library upgrade adding one) fails until
it is declared.
"""

from importlib import import_module
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

OUR_NAMESPACES = {"network", "cases", "billing", "locate", "abuse", "visas", "voice", "core", "jobs", "api", "tokens"}
OUR_TOP_LEVEL = {"home", "health"}
APPS = ["network", "locate", "cases", "billing", "visas", "abuse", "voice", "core", "jobs", "api"]

PUBLIC = "public"  # anyone may open it (the login page, password reset by email)
SIGNED_IN = "signed-in"  # an anonymous visitor is sent to the login page
FLOW = "flow"  # a step of a flow already under way (login code, 2FA step): anonymous -> login page
ACTION = "action"  # POST-only action; an anonymous GET is redirected

# Endpoints of the libraries mounted in puente/urls.py: name -> (kind, why it is safe).
THIRD_PARTY = {
    "set_language": (ACTION, "Django's language switch: changes only the visitor's language cookie"),
    "account_login": (PUBLIC, "the login page; failures are throttled (ACCOUNT_RATE_LIMITS)"),
    "account_logout": (SIGNED_IN, "logs out on POST only"),
    "account_inactive": (PUBLIC, "says the account is deactivated; reveals nothing"),
    "account_signup": (PUBLIC, "closed: InviteOnlyAccountAdapter shows 'sign-up closed'"),
    "account_reauthenticate": (SIGNED_IN, "asks a signed-in user for the password again"),
    "account_email": (SIGNED_IN, "the user's own email addresses"),
    "account_email_verification_sent": (PUBLIC, "a static notice"),
    "account_confirm_email": (PUBLIC, "needs the emailed key"),
    "account_change_password": (SIGNED_IN, "the user's own password"),
    "account_set_password": (SIGNED_IN, "the user's own password"),
    "account_reset_password": (PUBLIC, "by email only; enumeration prevented, throttled"),
    "account_reset_password_done": (PUBLIC, "a static notice"),
    "account_reset_password_from_key": (PUBLIC, "needs the emailed key"),
    "account_reset_password_from_key_done": (PUBLIC, "a static notice"),
    "account_confirm_login_code": (FLOW, "only during a login by code"),
    "mfa_index": (SIGNED_IN, "the user's own two-factor settings"),
    "mfa_authenticate": (FLOW, "the second step of a login under way"),
    "mfa_reauthenticate": (SIGNED_IN, "the user's own second factor"),
    "mfa_activate_totp": (SIGNED_IN, "the user's own TOTP set-up"),
    "mfa_deactivate_totp": (SIGNED_IN, "the user's own TOTP"),
    "mfa_view_recovery_codes": (SIGNED_IN, "the user's own recovery codes"),
    "mfa_generate_recovery_codes": (SIGNED_IN, "the user's own recovery codes"),
    "mfa_download_recovery_codes": (SIGNED_IN, "the user's own recovery codes"),
}


def _patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield namespace, p


def _our_url_names():
    for namespace, p in _patterns():
        if not p.name:
            continue
        if namespace in OUR_NAMESPACES:
            yield f"{namespace}:{p.name}"
        elif namespace is None and p.name in OUR_TOP_LEVEL:
            yield p.name


def _declared():
    """Every MATRIX in tests/<app>/test_access_matrix*.py."""
    names = set()
    tests_dir = Path(__file__).parent
    for app in APPS:
        for path in sorted((tests_dir / app).glob("test_access_matrix*.py")):
            module = import_module(f"tests.{app}.{path.stem}")
            names |= {entry.url_name for entry in module.MATRIX}
    return names


def test_every_view_has_an_access_matrix_entry():
    missing = sorted(set(_our_url_names()) - _declared())
    assert not missing, f"Views without an access-matrix entry: {missing}"


def test_every_endpoint_of_the_whole_app_is_accounted_for():
    """Library endpoints too: each is declared in THIRD_PARTY, and none is left unnamed."""
    ours = set(_our_url_names())
    unaccounted, unnamed = [], []
    for namespace, p in _patterns():
        if not p.name:
            unnamed.append(str(p.pattern))
            continue
        full = f"{namespace}:{p.name}" if namespace else p.name
        if full not in ours and full not in THIRD_PARTY:
            unaccounted.append(full)
    assert not unnamed, f"Unnamed URL patterns (name them and declare them): {unnamed}"
    assert not unaccounted, f"Endpoints neither in an access matrix nor in THIRD_PARTY: {sorted(unaccounted)}"
    stale = set(THIRD_PARTY) - {p.name for ns, p in _patterns() if ns is None}
    assert not stale, f"THIRD_PARTY names endpoints that no longer exist: {stale}"


def _anonymous_cases() -> list:
    return [pytest.param(name, kind, id=name) for name, (kind, _why) in THIRD_PARTY.items()]


@pytest.mark.parametrize("name,kind", _anonymous_cases())
def test_library_endpoints_behave_as_declared_for_anonymous_visitors(db, name, kind):
    from django.urls import NoReverseMatch

    try:
        url = reverse(name)
    except NoReverseMatch:
        # Needs a key from an email: check that a made-up key opens nothing.
        url = reverse(name, kwargs={"key": "made-up-key"} if "confirm" in name else {"uidb36": "1", "key": "made-up"})
        r = Client().get(url)
        assert r.status_code in (200, 302, 404)
        assert b"password1" not in r.content  # no form to set a password with a made-up key
        return
    r = Client().get(url)
    if kind == PUBLIC:
        assert r.status_code == 200, f"{name}: {r.status_code}"
    elif kind in (SIGNED_IN, FLOW):
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/"), f"{name}: {r.status_code}"
    elif kind == ACTION:
        assert r.status_code in (302, 405)
