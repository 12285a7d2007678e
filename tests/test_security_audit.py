"""Issue 23: the audit history keeps earlier personal values sealed (encrypted under the data
keys), so that a Coordinator with ``audit.restore`` can see an earlier version of a record and
restore it; pages, exports and the raw rows never show them in clear; retention's wipe reaches
them too."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse

from puente.core import retention
from puente.core.action_contract import ActionRefused
from puente.core.actions import do_restore_version
from puente.core.audit import REDACTED, is_sealed, set_actor
from puente.locate.models import Person
from tests.core.helpers import make_person
from tests.factories import make_defender_user

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def blanked(coordinator):
    """A person created, then blanked by a mistaken save (what an empty form did)."""
    with set_actor(coordinator):
        person = make_person()
        created = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.CREATE)
        for name in ("given_names", "surname_1", "surname_2", "phone", "birth_date", "notes"):
            setattr(person, name, "")
        person.save()
    return person, created


def test_history_holds_previous_values_sealed_never_in_clear(blanked, coordinator):
    person, created = blanked
    update = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.UPDATE)
    assert is_sealed(update.changes["given_names"][0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM auditlog_logentry WHERE object_pk = %s", [str(person.pk)])
        raw = " ".join(str(r[0]) for r in cursor.fetchall())
    assert "Xiomara" not in raw and "5555" not in raw and "Tzoc" not in raw
    page = client_for(coordinator).get(reverse("core:audit"), {"person": person.pk}).content.decode()
    assert REDACTED in page and "sealed:" not in page and "Xiomara" not in page
    export = client_for(coordinator).get(reverse("core:audit_export"))
    body = b"".join(export.streaming_content).decode()
    assert "sealed:" not in body and "Xiomara" not in body


def test_coordinator_sees_and_restores_an_earlier_version(blanked, coordinator):
    person, created = blanked
    client = client_for(coordinator)
    url = reverse("core:audit_version", args=[created.pk])
    page = client.get(url).content.decode()
    assert "Xiomara" in page and "Restore this version" in page
    # Seeing it is a read of the person's record.
    assert LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.ACCESS, actor=coordinator).exists()

    response = client.post(url)
    assert response.status_code == 302
    person = Person.objects.get(pk=person.pk)
    assert (person.given_names, person.surname_1, person.phone, person.birth_date) == (
        "Xiomara", "Tzoc", "+502 5555 0142", "1991-03-07",
    )
    restore = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert restore.actor == coordinator and restore.additional_data["restored_from"] == created.pk
    assert is_sealed(restore.changes["given_names"][1])
    # Nothing left to restore: refused with a message, nothing written.
    before = LogEntry.objects.count()
    with pytest.raises(ActionRefused):
        do_restore_version(created, acting_user=coordinator)
    assert LogEntry.objects.count() == before


def test_only_coordinators_see_or_restore_versions(blanked):
    person, created = blanked
    defender = make_defender_user()
    url = reverse("core:audit_version", args=[created.pk])
    assert client_for(defender).get(url).status_code == 403
    assert client_for(defender).post(url).status_code == 403
    with pytest.raises(ActionRefused):
        do_restore_version(created, acting_user=defender)
    assert Person.objects.get(pk=person.pk).given_names == ""


def test_retention_wipe_removes_the_sealed_values_from_the_history(blanked):
    person, created = blanked
    person.given_names = "Otra"
    person.save()
    retention.wipe(person)
    for entry in LogEntry.objects.get_for_object(person):
        for change in (entry.changes or {}).values():
            if isinstance(change, list):
                assert not any(is_sealed(v) for v in change), entry.changes


def test_a_value_sealed_under_a_dropped_key_is_shown_as_not_kept(blanked, coordinator):
    from cryptography.fernet import Fernet

    person, created = blanked
    update = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.UPDATE)
    other_key = Fernet(Fernet.generate_key())
    changes = dict(update.changes)
    changes["notes"] = ["sealed:" + other_key.encrypt(b"old notes").decode(), changes["notes"][1]]
    LogEntry.objects.filter(pk=update.pk).update(changes=changes)
    page = client_for(coordinator).get(reverse("core:audit_version", args=[created.pk]))
    assert page.status_code == 200 and "not kept in the history" in page.content.decode()
    assert "Xiomara" in page.content.decode()  # the other fields still come back
