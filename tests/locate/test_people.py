"""The registry: encryption at rest, keys, logging of reads, consent and access in search,
index updates, merges and their undoing."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test import Client
from django.urls import reverse

from puente.cases.models import Case
from puente.locate import actions
from puente.locate.keys import normalise_phone
from puente.locate.models import Person
from puente.locate.search import Query, search_people


@pytest.fixture
def person(coordinator):
    return actions.do_create_person(
        acting_user=coordinator,
        given_names="María Guadalupe",
        surname_1="Tzoc",
        surname_2="Ajanel",
        birth_date="1988-04-12",
        country="GT",
        municipality="Chiantla",
        phone="5555 1234",
        relatives="hija: Ana, 7 años",
        consent_to_search=True,
    )


def test_sensitive_fields_are_ciphertext_in_the_database(person):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT given_names, surname_1, birth_date, phone, relatives, municipality, search_keys, "
            "birth_keys, phone_keys, birth_year FROM locate_person WHERE id = %s",
            [person.pk],
        )
        row = cur.fetchone()
    given, surname, birth, phone, relatives, municipality, search_keys, birth_keys, phone_keys, year = row
    for value in (given, surname, birth, phone, relatives, municipality):
        assert value.startswith("gAAAAA")  # a Fernet token
    raw = " ".join(str(v) for v in row)
    for secret in ("María", "Tzoc", "1988-04-12", "04-12", "55551234", "Chiantla", "Ana"):
        assert secret not in raw
    # What the keys do hold, as docs/locate.md says: phonetic codes, the year, hashes.
    assert "s1=sok" in search_keys and year == 1988
    assert len(birth_keys.split()) == 2 and len(phone_keys) == 8
    assert Person.objects.get(pk=person.pk).given_names == "María Guadalupe"


def test_phones_are_normalised_to_e164(coordinator):
    p = actions.do_create_person(
        acting_user=coordinator,
        given_names="Juan",
        surname_1="Pérez",
        country="MX",
        phone="951 123 4567",
        whatsapp="+52 1 951 123 4567",
        other_phones="+1 (919) 555-0142",
    )
    assert p.phone == "+529511234567" and p.whatsapp == "+529511234567"
    assert p.other_phones == "+19195550142"
    assert normalise_phone("2222-3333", "SV") == "+50322223333"
    with pytest.raises(Exception) as e:
        actions.do_create_person(acting_user=coordinator, given_names="Juan", phone="12")
    assert "phone" in str(e.value)


def test_reading_a_person_is_logged_and_changes_are_masked(person, coordinator):
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("locate:person_detail", args=[person.pk]))
    assert response.status_code == 200 and "María Guadalupe" in response.content.decode()
    entries = LogEntry.objects.get_for_object(person)
    assert entries.filter(action=LogEntry.Action.ACCESS).count() == 1
    assert entries.filter(action=LogEntry.Action.ACCESS).first().actor == coordinator
    actions.do_update_person(person, acting_user=coordinator, given_names="Guadalupe")
    change = entries.filter(action=LogEntry.Action.UPDATE).first()
    assert change is not None and "Guadalupe" not in str(change.changes)


def test_search_needs_a_name(person, coordinator):
    assert search_people(coordinator, Query(region="Huehuetenango", birth_date="1988")) == []
    assert search_people(coordinator, Query(name="Guadalupe Tzoc"))[0].person_id == person.pk


def test_index_follows_saves(person, coordinator):
    assert search_people(coordinator, Query(name="Guadalupe Tzoc"))
    actions.do_update_person(person, acting_user=coordinator, given_names="Rosa", surname_1="Chuc", surname_2="")
    assert search_people(coordinator, Query(name="Rosa Chuc"))[0].person_id == person.pk
    assert not [m for m in search_people(coordinator, Query(name="Guadalupe Tzoc Ajanel")) if m.person_id == person.pk]


def test_consent_and_project_rules_in_search(coordinator, world):
    w = world
    # Santiago Xol has not consented: a Coordinator finds him only within his project.
    assert not search_people(coordinator, Query(name="Santiago Xol"))
    found = search_people(coordinator, Query(name="Santiago Xol"), project=w.locate_project)
    assert found and found[0].person_id == w.locate_search_person.pk
    # The assigned Defender finds him; another Defender finds neither him nor other clients.
    assert search_people(w.defender, Query(name="Santiago Xol"))[0].person_id == w.locate_search_person.pk
    assert search_people(w.other_defender, Query(name="Santiago Xol")) == []
    assert search_people(w.other_defender, Query(name="Guadalupe Tzoc")) == []
    assert search_people(w.defender, Query(name="Guadalupe Tzoc"))[0].person_id == w.locate_person.pk


def test_search_page_htmx_partial(world):
    client = Client()
    client.force_login(world.defender)
    response = client.get(reverse("locate:search"), {"q": "Lupe Tzoc"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "María Guadalupe" in body
    # A Defender reads Spanish: the reasons are translated.
    assert "apodo Lupe = Guadalupe" in body and "probable" in body


def test_merge_and_undo(coordinator, world):
    w = world
    dup = actions.do_create_person(
        acting_user=coordinator, given_names="Lupita", surname_1="Tzoc", phone="5555 1234", country="GT"
    )
    case = Case.objects.create(reference="LOC-M-1", advocate=w.advocate_profile, client=dup, claim_type="other")
    merge = actions.do_merge_people(w.locate_person, dup, acting_user=coordinator, reason="same phone")
    w.locate_person.refresh_from_db()
    case.refresh_from_db()
    assert case.client_id == w.locate_person.pk and w.locate_person.phone == "+50255551234"
    assert "Lupita Tzoc" in w.locate_person.other_names
    assert Person.objects.get(pk=dup.pk).merged_into_id == w.locate_person.pk
    assert not [m for m in search_people(coordinator, Query(name="Lupita Tzoc")) if m.person_id == dup.pk]
    actions.do_undo_merge(merge, acting_user=coordinator)
    w.locate_person.refresh_from_db()
    case.refresh_from_db()
    assert (
        case.client_id == dup.pk and w.locate_person.phone == "" and "Lupita" not in (w.locate_person.other_names or "")
    )
    assert Person.objects.get(pk=dup.pk).merged_into_id is None
    assert LogEntry.objects.get_for_object(merge).exists()


def test_person_form_rejects_a_bad_phone_and_saves_a_good_one(coordinator):
    client = Client()
    client.force_login(coordinator)
    data = {
        "given_names": "Refugio",
        "surname_1": "Ramírez",
        "country": "MX",
        "phone": "12",
        "speaks_spanish": "on",
        "birth_date": "1970-06",
    }
    response = client.post(reverse("locate:person_new"), data)
    assert response.status_code == 200 and "not a valid phone number" in response.content.decode()
    assert not Person.objects.exists()
    data["phone"] = "55 1234 5678"
    response = client.post(reverse("locate:person_new"), data)
    person = Person.objects.get()
    assert response.status_code == 302 and person.phone == "+525512345678" and person.birth_year == 1970
