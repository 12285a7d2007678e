"""Spanish is complete for the network app and the project-level pages (base, errors, login)."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse

import puente

ROOT = Path(puente.__file__).parent
CATALOGUES = [ROOT / "network/locale/es/LC_MESSAGES/django.po", ROOT / "locale/es/LC_MESSAGES/django.po"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_spanish_catalogue_is_complete(path):
    with path.open("rb") as fh:
        catalogue = read_po(fh)
    untranslated = [
        m.id for m in catalogue if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    # Placeholders survive translation.
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        import re

        wanted = set(re.findall(r"%\(\w+\)s", ids[0]))
        assert all(set(re.findall(r"%\(\w+\)s", s)) == wanted for s in strings), m.id
    # The compiled file is there and not older than the catalogue (a fresh clone needs no gettext).
    mo = path.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime - 1


def test_login_page_is_invitation_only_and_in_spanish(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    body = client.get(reverse("account_login")).content.decode()
    assert "Iniciar sesión" in body and "invitación" in body
    assert "/accounts/signup/" not in body


def test_failed_logins_are_throttled(db):
    from django.core.cache import cache

    from tests.factories import PASSWORD, make_defender_user

    user = make_defender_user(email="throttled@example.org")
    client = Client()
    try:
        responses = [
            client.post(reverse("account_login"), {"login": user.email, "password": "wrong-password"}) for _ in range(6)
        ]
        assert "Too many failed login attempts" not in responses[0].content.decode()
        assert "Too many failed login attempts" in responses[-1].content.decode()
        # Even the right password is refused while throttled.
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session and response.status_code in (200, 429)
    finally:
        cache.clear()
