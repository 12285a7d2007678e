"""The retention schedule wipes personal contents past their period, and respects legal holds."""

from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from puente.core import providers, retention
from puente.core.action_contract import ActionRefused
from puente.core.models import WipedRecord
from puente.core.storage import private_storage
from tests.core.helpers import make_case, make_person

YEAR = timedelta(days=365)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def age(obj, field, delta):
    type(obj)._base_manager.filter(pk=obj.pk).update(**{field: timezone.now() - delta})
    obj.refresh_from_db()
    return obj


def reload(obj):
    return type(obj)._base_manager.get(pk=obj.pk)


def test_person_and_case_are_registered_with_documented_periods():
    labels = {r.label: r for r in retention.registered()}
    assert labels["locate.person"].period == 3 * 365
    assert labels["cases.case"].period == 7 * 365
    assert {"given_names", "surname_1", "phone", "notes", "search_keys"} <= set(labels["locate.person"].wipe_fields)


def test_run_wipes_old_people_keeps_the_row_and_the_audit_trail(db):
    old = age(make_person(given="Olvido"), "updated_at", 4 * YEAR)
    recent = make_person(given="Reciente")
    assert old.search_keys and old.birth_year  # computed by Person.save: they must go too
    people_before = type(old).objects.count()
    call_command("retention", "run")
    old, recent = reload(old), reload(recent)
    assert old.given_names == "" and old.phone == "" and old.notes == "" and old.relatives == ""
    for derived in ("search_keys", "birth_year", "birth_keys", "phone_keys", "place_key"):
        if hasattr(old, derived):
            assert getattr(old, derived) in ("", None), derived
    assert old.country == "GT" or old.country == ""  # non-personal fields stay
    assert recent.given_names == "Reciente"
    assert type(old).objects.count() == people_before  # counts stay true
    assert WipedRecord.objects.filter(model_label="locate.person", object_pk=str(old.pk)).exists()
    entry = LogEntry.objects.get_for_object(old).filter(additional_data__retention__isnull=False).get()
    assert entry.changes_dict["given_names"] == ["[redacted]", ""]
    assert "Olvido" not in str(entry.changes)
    # Running again wipes nothing more.
    report = retention.run()
    assert sum(report.counts.values()) == 0


def test_dry_run_writes_nothing(db, capsys):
    old = age(make_person(given="Olvido"), "updated_at", 4 * YEAR)
    call_command("retention", "run", "--dry-run")
    out = capsys.readouterr().out
    assert "locate.person: would wipe 1" in out and f"locate.person #{old.pk}" in out
    assert reload(old).given_names == "Olvido"
    assert not WipedRecord.objects.exists()


def test_retention_period_can_be_overridden_in_settings(db, settings):
    p = age(make_person(given="Corto"), "updated_at", timedelta(days=20))
    retention.run()
    assert reload(p).given_names == "Corto"
    settings.PUENTE_RETENTION_DAYS = {"locate.person": 10}
    retention.run()
    assert reload(p).given_names == ""


def test_closed_case_past_retention_wipes_its_story_client_and_files(db, world):
    from puente.cases.models import Attachment, Message

    case = make_case(advocate=world.advocate_profile, summary="Pasaporte retenido por el reclutador")
    case.closed_at = timezone.now() - 8 * YEAR
    case.save()
    message = Message.objects.create(case=case, author=world.advocate, body="Her brother Baltazar called")
    name = private_storage.save(
        "cases/x/decl.pdf", __import__("django.core.files.base", fromlist=["ContentFile"]).ContentFile(b"%PDF-1.4 x")
    )
    attachment = Attachment.objects.create(
        message=message, file=name, original_name="declaracion.pdf", content_type="application/pdf", size=10
    )
    path = Path(private_storage.path(name))
    assert path.exists()

    report = retention.run()
    assert report.counts["cases.case"] == 1 and report.counts["locate.person"] == 1
    case = reload(case)
    assert case.summary == "" and case.claim_type == "wage_hour"  # the facts for counting stay
    assert reload(case.client).given_names == ""
    assert reload(message).body == ""
    attachment = reload(attachment)
    assert attachment.file.name == "" and attachment.original_name == ""
    assert not path.exists()


def test_legal_hold_keeps_the_case_and_its_client(db, world):
    case = make_case(advocate=world.advocate_profile, summary="Juicio en curso")
    case.closed_at = timezone.now() - 8 * YEAR
    case.save()
    age(case.client, "updated_at", 8 * YEAR)
    with pytest.raises(ActionRefused):
        providers.call("core.set_legal_hold", case, acting_user=world.coordinator, on=True, reason="")
    providers.call(
        "core.set_legal_hold",
        case,
        acting_user=world.coordinator,
        on=True,
        reason="Appeal pending before the 5th Circuit",
    )
    retention.run()
    assert reload(case).summary == "Juicio en curso"
    assert reload(case.client).given_names == "Xiomara"
    hold_entries = [
        e
        for e in LogEntry.objects.get_for_object(case).filter(action=LogEntry.Action.UPDATE)
        if "legal_hold" in (e.changes_dict or {})
    ]
    assert len(hold_entries) == 1
    assert hold_entries[0].actor == world.coordinator
    assert hold_entries[0].changes_dict["legal_hold"] == ["False", "True"]
    # Lifting the hold lets the next run wipe it.
    providers.call("core.set_legal_hold", case, acting_user=world.coordinator, on=False, reason="")
    assert reload(case).legal_hold_reason == ""
    retention.run()
    assert reload(case).summary == "" and reload(case.client).given_names == ""


def test_client_of_an_open_case_is_kept_even_when_old(db, world):
    case = make_case(advocate=world.advocate_profile)
    age(case.client, "updated_at", 5 * YEAR)
    retention.run()
    assert reload(case.client).given_names == "Xiomara"


def test_summary_and_upcoming_list_what_will_be_wiped(db, world):
    due = age(make_person(given="Pronto"), "updated_at", 4 * YEAR)
    held_case = make_case(advocate=world.advocate_profile, legal_hold=True, legal_hold_reason="Court order")
    held_case.closed_at = timezone.now() - 9 * YEAR
    held_case.save()
    rows = {r["rule"].label: r for r in retention.summary()}
    assert rows["locate.person"]["due"] == 1
    assert rows["cases.case"]["held"] == 1 and rows["cases.case"]["due"] == 0
    upcoming = retention.upcoming()
    by_obj = {(r["rule"].label, r["object"].pk): r for r in upcoming}
    assert by_obj[("locate.person", due.pk)]["overdue"]
    assert by_obj[("cases.case", held_case.pk)]["held"]
    assert [r["wipe_on"] for r in upcoming] == sorted(r["wipe_on"] for r in upcoming)


def test_register_rejects_unknown_fields():
    from puente.locate.models import Person

    with pytest.raises(ValueError, match="unknown fields"):
        retention.register(Person, 10, "updated_at", ["no_such_field"])


def test_retention_page_shows_what_is_next_and_sets_a_hold(db, world):
    from django.test import Client
    from django.urls import reverse

    due = age(make_person(given="Pronto"), "updated_at", 4 * YEAR)
    c = Client()
    c.force_login(world.coordinator)
    page = c.get(reverse("core:retention")).content.decode()
    assert f"Person #{due.pk}" in page and "Pronto" not in page
    r = c.post(reverse("core:retention"), {"case": "HOLD-1", "reason": "Subpoena of 3 March"})
    assert r.status_code == 302
    world.hold_case.refresh_from_db()
    assert world.hold_case.legal_hold and world.hold_case.legal_hold_reason == "Subpoena of 3 March"
    page = c.get(reverse("core:retention")).content.decode()
    assert "Subpoena of 3 March" in page
    r = c.post(reverse("core:retention"), {"case": "NO-SUCH", "reason": "x"})
    assert r.status_code == 200 and "No case has this reference." in r.content.decode()
    c.post(reverse("core:legal_hold", args=[world.hold_case.pk]), {"reason": ""})
    world.hold_case.refresh_from_db()
    assert not world.hold_case.legal_hold
