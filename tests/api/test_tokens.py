"""Personal access tokens: stored hashed, shown once, scoped, expiring, revocable, every use
logged; a Coordinator needs a fresh TOTP code to create one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from puente.api.models import Access, AccessToken, TokenUse
from puente.api.tokens import hash_token
from puente.core.action_contract import ActionRefused
from tests.api.helpers import ALL_READ, current_totp, make_token, token_client
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def defender():
    return make_defender_user(make_defender_org())


def test_only_the_hash_and_a_prefix_are_stored(defender):
    token, secret = make_token(defender)
    assert secret.startswith(f"pnt_{token.prefix}_")
    assert token.key_hash == hash_token(secret)
    stored = " ".join(str(v) for v in AccessToken.objects.filter(pk=token.pk).values().get().values())
    assert secret not in stored and secret.split("_")[-1] not in stored


def test_the_account_page_shows_the_secret_once(client, defender):
    client.force_login(defender)
    r = client.post(reverse("tokens:list"), {"name": "App de campo", "expires_in_days": 30, "scope_cases": "read"})
    assert r.status_code == 200
    token = AccessToken.objects.get(user=defender)
    assert token.scopes == {"cases": "read"}
    page = r.content.decode()
    secret = page.split('class="token-secret">')[1].split("<")[0]
    assert hash_token(secret) == token.key_hash
    assert r["Cache-Control"] == "no-store"
    again = client.get(reverse("tokens:list")).content.decode()
    assert secret not in again and f"pnt_{token.prefix}" in again


def test_a_token_must_expire_within_a_year_and_name_a_scope(defender):
    with pytest.raises(ActionRefused):
        make_token(defender, days=366)
    from puente.api.actions import do_create_token

    with pytest.raises(ActionRefused) as exc:
        do_create_token(acting_user=defender, name="x", scopes={}, expires_in_days=30)
    assert exc.value.field == "scopes"


def test_a_coordinator_needs_a_current_totp_code(client):
    from puente.api.actions import do_create_token

    coordinator = make_coordinator()
    for code in ("", "000000"):
        with pytest.raises(ActionRefused) as exc:
            do_create_token(acting_user=coordinator, name="x", scopes=ALL_READ, expires_in_days=30, totp_code=code)
        assert exc.value.field == "totp_code"
    client.force_login(coordinator)
    r = client.post(reverse("tokens:list"), {"name": "Informes", "expires_in_days": 30, "scope_cases": "read"})
    assert b"token-secret" not in r.content and not AccessToken.objects.exists()
    code = current_totp(coordinator)
    r = client.post(
        reverse("tokens:list"), {"name": "Informes", "expires_in_days": 30, "scope_cases": "read", "totp_code": code}
    )
    assert b"token-secret" in r.content and AccessToken.objects.count() == 1
    # A code is good once: replaying it creates nothing.
    r = client.post(
        reverse("tokens:list"), {"name": "Otra", "expires_in_days": 30, "scope_cases": "read", "totp_code": code}
    )
    assert AccessToken.objects.count() == 1


def test_scopes_are_enforced(defender):
    from tests.cases.helpers import active_case

    advocate = make_advocate()
    case = active_case(advocate, defender.defender, make_coordinator(), defender)
    _t, read_only = make_token(defender, scopes={"cases": Access.READ})
    client = token_client(read_only)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    r = client.post(f"/api/v1/cases/{case.pk}/messages/", {"body": "hola"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    assert not case.messages.exists()
    assert client.get("/api/v1/billing/reports/").status_code == 403  # no billing scope at all
    assert client.get("/api/v1/abuse/recruiters/").status_code == 403
    _t, writer = make_token(defender, scopes={"cases": Access.WRITE})
    r = token_client(writer).post(f"/api/v1/cases/{case.pk}/messages/", {"body": "hola"}, format="json")
    assert r.status_code == 201 and case.messages.count() == 1


def test_revoked_and_expired_tokens_are_refused_and_the_use_logged(client, defender):
    token, secret = make_token(defender, scopes=ALL_READ)
    api = token_client(secret)
    assert api.get("/api/v1/tasks/").status_code == 200
    assert api.get("/api/v1/tasks/?q=Juan").status_code == 200
    uses = list(TokenUse.objects.filter(token=token).order_by("pk"))
    assert [(u.method, u.path, u.status) for u in uses] == [("GET", "/api/v1/tasks/", 200)] * 2
    token.refresh_from_db()
    assert token.last_used_at is not None

    client.force_login(defender)
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 302
    r = api.get("/api/v1/tasks/")
    assert r.status_code == 401 and r.json()["error"]["code"] == "authentication_failed"
    assert TokenUse.objects.filter(token=token, status=401).count() == 1

    other, other_secret = make_token(defender, scopes=ALL_READ)
    AccessToken.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = token_client(other_secret).get("/api/v1/tasks/")
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    assert token_client("pnt_deadbeef_nottoken").get("/api/v1/tasks/").status_code == 401


def test_another_users_token_cannot_be_revoked(client, defender):
    token, _secret = make_token(defender)
    other = make_defender_user(defender.defender, email="otra@example.org")
    client.force_login(other)
    assert client.post(reverse("tokens:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_deactivated_users_token_is_refused(defender):
    _token, secret = make_token(defender)
    defender.is_active = False
    defender.save()
    assert token_client(secret).get("/api/v1/tasks/").status_code == 401


def test_errors_are_in_the_token_users_language(defender):
    defender.language = "es"
    defender.save()
    _t, secret = make_token(defender, scopes={"cases": Access.READ})
    r = token_client(secret).get("/api/v1/billing/reports/")
    assert r.status_code == 403
    assert r.json()["error"]["message"] == "Este token no puede leer Facturación."
    assert r["Content-Language"] == "es"


def test_rate_limit_per_token(settings, defender):
    settings.PUENTE_API_RATES = {"token": "3/min"}
    _t, secret = make_token(defender, scopes=ALL_READ)
    api = token_client(secret)
    assert [api.get("/api/v1/tasks/").status_code for _ in range(4)] == [200, 200, 200, 429]
    r = api.get("/api/v1/tasks/")
    assert r.json()["error"]["code"] == "throttled" and int(r["Retry-After"]) > 0
    _t2, fresh = make_token(defender, scopes=ALL_READ)
    assert token_client(fresh).get("/api/v1/tasks/").status_code == 200  # counted per token
