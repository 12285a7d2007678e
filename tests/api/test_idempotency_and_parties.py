"""A retried create with the same Idempotency-Key makes one object; cross-party writes through the
API change nothing (the access matrix checks the status codes; this checks the objects)."""

import pytest
from django.db import connection

from puente.api.models import Access, IdempotencyRecord
from puente.billing.models import TimeEntry
from tests.api.helpers import ALL_WRITE, make_token, token_client

pytestmark = pytest.mark.django_db


def test_a_retried_message_is_posted_once(world):
    _t, secret = make_token(world.defender, scopes={"cases": Access.WRITE})
    api = token_client(secret)
    url = f"/api/v1/cases/{world.case.pk}/messages/"
    before = world.case.messages.count()
    headers = {"HTTP_IDEMPOTENCY_KEY": "3f1c9a1e-weak-connection"}
    first = api.post(url, {"body": "Llegamos a Cobán."}, format="json", **headers)
    second = api.post(url, {"body": "Llegamos a Cobán."}, format="json", **headers)
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert world.case.messages.count() == before + 1
    # The kept response names what the message says: encrypted at rest, like the message.
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM api_idempotencyrecord")
        stored = " ".join(str(row[0]) for row in cursor.fetchall())
    assert "Cobán" not in stored and "Llegamos" not in stored
    # The same key for another request is refused, and creates nothing.
    third = api.post(url, {"body": "Otro mensaje"}, format="json", **headers)
    assert third.status_code == 422 and third.json()["error"]["code"] == "idempotency_key_reused"
    assert world.case.messages.count() == before + 1
    # Without a key, two posts are two messages.
    api.post(url, {"body": "Uno"}, format="json")
    api.post(url, {"body": "Uno"}, format="json")
    assert world.case.messages.count() == before + 3


def test_a_retried_time_entry_is_recorded_once_and_keys_are_per_user(world):
    _t, secret = make_token(world.defender, scopes={"billing": Access.WRITE})
    url = f"/api/v1/billing/reports/{world.draft_report.pk}/entries/"
    data = {"date": "2026-02-11", "hours": "2.00", "description": "Entrevista con la familia"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "entry-1"}
    before = TimeEntry.objects.filter(report=world.draft_report).count()
    for _ in range(3):
        r = token_client(secret).post(url, data, format="json", **headers)
        assert r.status_code == 201
    assert TimeEntry.objects.filter(report=world.draft_report).count() == before + 1
    assert IdempotencyRecord.objects.filter(key="entry-1").count() == 1


def test_a_refused_create_keeps_no_record_so_it_can_be_retried(world):
    _t, secret = make_token(world.defender, scopes={"billing": Access.WRITE})
    url = f"/api/v1/billing/reports/{world.draft_report.pk}/entries/"
    r = token_client(secret).post(
        url, {"date": "2026-02-11", "hours": "99", "description": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert r.status_code == 400 and "hours" in r.json()["error"]["fields"]
    assert not IdempotencyRecord.objects.filter(key="k").exists()


@pytest.mark.parametrize("role", ["other_defender", "other_advocate"])
def test_cross_party_writes_change_nothing(world, role):
    user = getattr(world, role)
    _t, secret = make_token(user, scopes=ALL_WRITE)
    api = token_client(secret)
    messages, entries = world.case.messages.count(), TimeEntry.objects.count()
    attempts = world.locate_entry.attempts.count()
    task_status = world.task.status
    calls = [
        (f"/api/v1/cases/{world.case.pk}/messages/", {"body": "intruso"}),
        (f"/api/v1/tasks/{world.task.pk}/status/", {"status": "done"}),
        (
            f"/api/v1/billing/reports/{world.draft_report.pk}/entries/",
            {"date": "2026-02-11", "hours": "1", "description": "x"},
        ),
        (f"/api/v1/billing/reports/{world.draft_report.pk}/submit/", {}),
        (
            f"/api/v1/reunification/entries/{world.locate_entry.pk}/attempts/",
            {"date": "2026-01-02", "method": "phone", "result": "reached"},
        ),
    ]
    for url, data in calls:
        r = api.post(url, data, format="json")
        assert r.status_code in (403, 404), (url, r.status_code)
        assert set(r.json()) == {"error"}
    world.task.refresh_from_db()
    world.draft_report.refresh_from_db()
    assert world.case.messages.count() == messages and TimeEntry.objects.count() == entries
    assert world.locate_entry.attempts.count() == attempts and world.task.status == task_status
    assert world.draft_report.status == "draft"


def test_an_action_refusal_is_a_translated_409_with_the_one_shape(world):
    world.defender.language = "es"
    world.defender.save()
    _t, secret = make_token(world.defender, scopes=ALL_WRITE)
    version = world.case.contract_versions.order_by("-number").first()
    r = token_client(secret).post(
        f"/api/v1/cases/{world.case.pk}/contract/sign/",
        {"typed_name": "Juan", "accepted": True, "sha256": version.sha256},
        format="json",
    )
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["status"] == 409 and error["code"] == "state"
    assert "firm" in error["message"].lower()  # Spanish: "ya firmó" / "firmar"
