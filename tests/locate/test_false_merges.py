"""No false merges (issue 16): an import merges two records on its own only on strong evidence
(same name allowing known variations and a compatible birth date); siblings who share a phone,
neighbours who share a phone and namesakes go to the review list instead."""

import pytest
from django.test import Client
from django.urls import reverse

from puente.locate import actions
from puente.locate.evidence import evidence, strong_evidence
from puente.locate.models import LinkReview, Person, PersonMerge


def row(given, s1, s2="", sex="", birth="", admin1="", municipality="", phone="", country="GT"):
    return {"given_names": given, "surname_1": s1, "surname_2": s2, "sex": sex, "birth_date": birth,
            "country": country, "admin1": admin1, "municipality": municipality, "phone": phone}


SAME_PERSON = [
    (row("María Guadalupe", "Tzoc", "Ajanel", "F", "1988-04-12", "GT-13"), row("Lupe", "Tzoc", "", "F", "1988-04-12")),
    (row("José Luis", "Hernández", "López", "M", "1984-07-12"), row("JOSE", "HERNANDEZ LOPEZ", "", "M", "1984-12-07")),
    (row("Francisco", "Xol", "Caal", "M", "1975-03-02"), row("Paco", "Caal", "", "M", "1975-03-02")),  # US form
    (row("Rosa Elvira", "Chuc", "Tzul", "F", "1990-05-20"), row("Rosa", "Chuc", "Tzul", "F", "1991-05-20")),
]
DIFFERENT_PEOPLE = [
    # Siblings: same surnames, place and family phone, different given names and dates.
    (row("Juan Carlos", "Cux", "Ajanel", "M", "1986-02-11", "GT-14", "Chichicastenango", "+502 5555 1234"),
     row("Pedro", "Cux", "Ajanel", "M", "1989-09-30", "GT-14", "Chichicastenango", "+502 5555 1234")),
    # Sister and brother with the same phone.
    (row("María", "Pérez", "Cruz", "F", "1992-01-01", "MX-OAX", "Juchitán", "951 123 4567", "MX"),
     row("Mario", "Pérez", "Cruz", "M", "1992-01-01", "MX-OAX", "Juchitán", "951 123 4567", "MX")),
    # Neighbours sharing a phone: nothing but the phone and the place in common.
    (row("Ana", "Xitumul", "Bol", "F", "1970-06-05", "GT-16", "Cobán", "+502 4444 9999"),
     row("Santiago", "Maquin", "Coc", "M", "1968-11-23", "GT-16", "Cobán", "+502 4444 9999")),
    # Namesakes: same common name, different dates.
    (row("José", "Hernández", "López", "M", "1984-07-12", "MX-VER", country="MX"),
     row("José", "Hernández", "López", "M", "1979-03-30", "MX-JAL", country="MX")),
    # Father and son with the same name ("junior"), same house and phone.
    (row("Juan", "García", "Ramos", "M", "1961-08-15", "HN-CR", "San Pedro Sula", "+504 3333 2222", "HN"),
     row("Juan", "García", "Ramos", "M", "1987-08-15", "HN-CR", "San Pedro Sula", "+504 3333 2222", "HN")),
    # Twins: same surnames, date and phone, different given names.
    (row("Jesús", "Ramírez", "Soto", "M", "2001-12-24", "SV-SS", "Soyapango", "+503 7777 1111", "SV"),
     row("José", "Ramírez", "Soto", "M", "2001-12-24", "SV-SS", "Soyapango", "+503 7777 1111", "SV")),
    # Same name and year, only the year known, different regions.
    (row("Rosario", "López", "", "F", "1975", "MX-CHP", country="MX"),
     row("Rosario", "López", "", "F", "1975", "MX-SON", country="MX")),
]


@pytest.mark.parametrize("a,b", SAME_PERSON)
def test_strong_evidence_for_one_person_written_two_ways(a, b):
    assert strong_evidence(a, b) and strong_evidence(b, a)


@pytest.mark.parametrize("a,b", DIFFERENT_PEOPLE)
def test_no_strong_evidence_for_relatives_neighbours_and_namesakes(a, b):
    assert not strong_evidence(a, b) and not strong_evidence(b, a)


def test_evidence_is_shown_side_by_side():
    a, b = DIFFERENT_PEOPLE[0]
    shown = dict((text, ok) for ok, text in evidence(a, b))
    assert shown["different given names"] is False and shown["surnames"] is True
    assert shown["shared phone (not enough alone)"] is True and shown["different birth dates"] is False


@pytest.mark.django_db
def test_an_import_of_a_family_sharing_a_phone_merges_no_one(coordinator):
    rows = [
        dict(given_names="Juan Carlos", surname_1="Cux", surname_2="Ajanel", sex="M", birth_date="1986-02-11",
             country="GT", phone="+50255551234"),
        dict(given_names="Pedro", surname_1="Cux", surname_2="Ajanel", sex="M", birth_date="1989-09-30",
             country="GT", phone="+50255551234"),
        dict(given_names="Pedro", surname_1="Cux", surname_2="Ajanel", sex="M", birth_date="1961-05-02",
             country="GT", phone="+50255551234"),  # their father, the same name as one son
        dict(given_names="Juana", surname_1="Cux", surname_2="Ajanel", sex="F", birth_date="1986-02-11",
             country="GT", phone="+50255551234"),  # twin sister
    ]
    batch = actions.do_import_people(rows, acting_user=coordinator, filename="familia.csv")
    assert not PersonMerge.objects.exists()
    assert Person.objects.filter(merged_into__isnull=False).count() == 0
    assert batch.created == 4 and batch.linked == 0 and batch.duplicates_in_list == 0


@pytest.mark.django_db
def test_an_import_still_merges_one_person_written_twice(coordinator):
    known = actions.do_create_person(acting_user=coordinator, given_names="María Guadalupe", surname_1="Tzoc",
                                     surname_2="Ajanel", sex="F", birth_date="1988-04-12", country="GT")
    batch = actions.do_import_people(
        [dict(given_names="Lupe", surname_1="TZOC", surname_2="AJANEL", sex="F", birth_date="1988-04-12",
              country="GT")],
        acting_user=coordinator, filename="lista.csv")
    assert batch.linked == 1
    merge = PersonMerge.objects.get()
    assert merge.kept_id == known.pk and not LinkReview.objects.filter(batch=batch).exists()


@pytest.mark.django_db
def test_the_review_list_shows_the_evidence_side_by_side(coordinator):
    known = actions.do_create_person(acting_user=coordinator, given_names="Pedro", surname_1="Cux", sex="M",
                                     birth_date="1975", country="GT", phone="+50255551234")
    batch = actions.do_import_people(
        [dict(given_names="Pedro", surname_1="Cux", sex="M", birth_date="1976", country="GT", phone="+50255551234")],
        acting_user=coordinator, filename="x.csv")
    assert LinkReview.objects.filter(batch=batch, existing=known).exists()
    client = Client()
    client.force_login(coordinator)
    body = client.get(reverse("locate:import_detail", args=[batch.pk])).content.decode()
    assert "✓ given names" in body and "✗ different birth dates" in body
    assert "✓ shared phone (not enough alone)" in body
