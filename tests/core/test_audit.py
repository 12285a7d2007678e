"""The audit history: reads are logged, entries link to case and person, filters and export."""

import csv
import io

import pytest
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from puente.core import providers
from puente.core.audit import AuditLinksMixin, link_model, log_access, set_actor
from tests.core.helpers import make_case, make_person


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(db, coordinator, advocate):
    person = make_person()
    other = make_person(given="Otra")
    with set_actor(coordinator):
        case = make_case(client=person, advocate=advocate, reference="PU-2026-0007")
        log_access(person)
        person.phone = "+502 4444 0000"
        person.save()
        other.notes = "changed"
        other.save()
    return {"person": person, "other": other, "case": case, "coordinator": coordinator}


def test_entries_carry_case_and_person_links(data):
    person, case = data["person"], data["case"]
    case_entry = LogEntry.objects.get_for_object(case).get()
    assert case_entry.additional_data == {"case_id": case.pk, "person_id": person.pk}
    access = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.ACCESS)
    assert access.additional_data == {"case_id": None, "person_id": person.pk}
    assert access.actor == data["coordinator"]
    # The person's changed phone is masked in the history (sealed: encrypted, see test_security_audit).
    update = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.UPDATE)
    assert "4444" not in str(update.changes) and "sealed:" in str(update.changes)


def test_models_with_a_case_foreign_key_are_linked_automatically(db, world):
    from puente.cases.models import Task

    task = Task.objects.create(case=world.hold_case, kind="locate")
    entry = LogEntry.objects.get_for_object(task).get()
    assert entry.additional_data == {"case_id": world.hold_case.pk, "person_id": world.hold_case.client_id}


def test_mixin_and_link_model_follow_paths():
    class Thing(AuditLinksMixin):
        audit_case_path = "case"
        audit_person_path = "case__client"

        def __init__(self, case):
            self.case_id, self.case = case.pk, case

    class FakeCase:
        pk, client_id = 4, 9

    assert Thing(FakeCase()).get_additional_data() == {"case_id": 4, "person_id": 9}

    class Own:
        def get_additional_data(self):
            return {"x": 1}

    assert link_model(Own, case="case") is False and Own().get_additional_data() == {"x": 1}


def test_filter_by_person_case_user_action(data):
    c = client_for(data["coordinator"])
    url = reverse("core:audit")
    r = c.get(url, {"person": data["person"].pk})
    entries = list(r.context["page"])
    assert entries and all(
        e.additional_data.get("person_id") == data["person"].pk or e.object_pk == str(data["person"].pk)
        for e in entries
    )
    assert data["other"].pk not in {int(e.object_pk) for e in entries if e.content_type.model == "person"}
    r = c.get(url, {"case": "PU-2026-0007"})
    assert {e.additional_data["case_id"] for e in r.context["page"]} == {data["case"].pk}
    r = c.get(url, {"case": "NO-SUCH"})
    assert r.context["page"].paginator.count == 0
    r = c.get(url, {"action": "3"})
    assert [e.action for e in r.context["page"]] == [LogEntry.Action.ACCESS]
    assert b"Read" in r.content
    r = c.get(url, {"user": data["coordinator"].email})
    assert r.context["page"].paginator.count >= 4
    r = c.get(url, {"user": "nobody@example.org"})
    assert r.context["page"].paginator.count == 0
    assert b"4444" not in c.get(url).content


def test_filter_by_date_range_and_model(data):
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    c = client_for(data["coordinator"])
    today = timezone.localdate().isoformat()
    r = c.get(reverse("core:audit"), {"date_from": "2000-01-01", "date_to": "2000-12-31"})
    assert r.context["page"].paginator.count == 0
    ct = ContentType.objects.get_for_model(type(data["case"]))
    r = c.get(reverse("core:audit"), {"date_from": today, "model": ct.pk})
    assert {e.content_type_id for e in r.context["page"]} == {ct.pk}


def test_csv_export_follows_filters_and_defuses_formulas(data):
    with set_actor(data["coordinator"]):
        data["case"].court = '=HYPERLINK("http://evil")'
        data["case"].save()
    c = client_for(data["coordinator"])
    r = c.get(reverse("core:audit_export"), {"case": "PU-2026-0007"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["timestamp", "actor", "action", "kind"]
    assert len(body) == 2 and {row[6] for row in body} == {str(data["case"].pk)}
    assert all(row[1] == data["coordinator"].email for row in body)
    assert not any(cell.startswith("=") for row in body for cell in row)
    everything = b"".join(c.get(reverse("core:audit_export")).streaming_content).decode()
    assert "[redacted]" in everything and "4444" not in everything and "Xiomara" not in everything


def test_every_encrypted_field_of_an_audited_model_is_masked():
    from auditlog.registry import auditlog

    from puente.core.fields import EncryptedMixin

    unmasked = [
        (m._meta.label, f.name)
        for m in auditlog.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, EncryptedMixin) and f.name not in auditlog.get_model_fields(m)["mask_fields"]
    ]
    assert not unmasked


def test_a_model_registered_without_masks_gets_them(db):
    """Start-up masks encrypted fields an app forgot to list: the history keeps no plaintext."""
    from auditlog.registry import auditlog

    from puente.core.audit import mask_encrypted_fields
    from puente.locate.models import Person

    saved = auditlog._registry[Person]["mask_fields"]
    auditlog._registry[Person]["mask_fields"] = []
    try:
        added = mask_encrypted_fields()
        assert ("locate.Person", "given_names") in added
        person = make_person()
        person.given_names = "Baltazarina"
        person.save()
        entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).get()
        assert "Baltazarina" not in str(entry.changes) and "Xiomara" not in str(entry.changes)
    finally:
        auditlog._registry[Person]["mask_fields"] = saved


def test_actions_record_their_actor_even_after_a_stale_context(db, coordinator, advocate):
    """auditlog leaves a finished context visible; the actions must not mistake it for a live one."""
    from auditlog.context import auditlog_value

    case = make_case(advocate=advocate)
    auditlog_value.set({"actor": coordinator, "signal_duid": ("stale", 0)})
    providers.call("core.set_legal_hold", case, acting_user=coordinator, on=True, reason="Court order")
    entry = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == coordinator


def test_nested_actor_keeps_the_request_address_and_restores_the_outer_context(db, coordinator, advocate):
    case = make_case(advocate=advocate)
    person = make_person()
    with set_actor(coordinator, remote_addr="203.0.113.9"):
        providers.call("core.set_legal_hold", case, acting_user=coordinator, on=True, reason="Court order")
        log_access(person)  # after the action, the outer (request) context still applies
    hold = LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE).get()
    read = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.ACCESS)
    assert hold.remote_addr == "203.0.113.9" and hold.actor == coordinator
    assert read.actor == coordinator and read.remote_addr == "203.0.113.9"
