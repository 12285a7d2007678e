"""The browser's own calls use the session, and a session-authenticated change needs the CSRF
token (a token-authenticated one does not: no cookie is involved)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_session_post_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.defender)
    url = f"/api/v1/cases/{world.case.pk}/messages/"
    before = world.case.messages.count()
    r = client.post(url, {"body": "sin token"}, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    assert world.case.messages.count() == before
    client.get("/account/tokens/")  # any page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    r = client.post(url, {"body": "con token"}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201
    assert world.case.messages.count() == before + 1
