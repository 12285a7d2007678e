import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from puente.locate import actions
from puente.locate.models import ContactAttempt, SearchStatus
from puente.locate.report import project_report, report_csv, report_pdf
from tests.factories import make_defender_org


@pytest.fixture
def project_setup(coordinator):
    from puente.network.models import Region

    region = Region.objects.filter(country="GT").order_by("code").first()
    assert region is not None, "network reference data (regions) must be loaded"
    org = make_defender_org(name="Asociación Mam de Huehuetenango", country="GT", regions=(region.code,))
    project = actions.do_create_project(
        acting_user=coordinator, name="Ms. L. v. ICE: deported parents", court="S.D. Cal."
    )
    people = []
    for given, s1, s2 in (
        [("Santiago", "Xol", "Caal"), ("Rosa", "Chuc", "Tzul"), ("Pedro", "Cux", "Ajanel"), ("Ana", "Tzoc", "")]
    ):
        p = actions.do_create_person(
            acting_user=coordinator, given_names=given, surname_1=s1, surname_2=s2, country="GT", region=region
        )
        people.append(actions.do_add_to_project(project, p, acting_user=coordinator))
    return project, org, people


def test_assignment_by_region(project_setup):
    project, org, entries = project_setup
    assert all(e.defender_id == org.pk for e in entries)


def test_contact_attempts_move_the_status_and_preference_needs_contact(coordinator, project_setup):
    project, org, (e1, e2, e3, e4) = project_setup
    actions.do_log_contact_attempt(
        e1, acting_user=coordinator, date="2026-11-01", method="phone", result=ContactAttempt.Result.NO_ANSWER
    )
    e1.refresh_from_db()
    assert e1.status == SearchStatus.SEARCHING
    with pytest.raises(ValidationError):
        actions.do_record_preference(e1, acting_user=coordinator, preference="home_country", method="phone")
    actions.do_log_contact_attempt(
        e1,
        acting_user=coordinator,
        date="2026-11-03",
        method="home_visit",
        result=ContactAttempt.Result.REACHED,
        notes="Habló con su hermana",
    )
    e1.refresh_from_db()
    assert e1.status == SearchStatus.CONTACTED
    actions.do_record_preference(e1, acting_user=coordinator, preference="home_country", method="home_visit")
    actions.do_log_contact_attempt(
        e2, acting_user=coordinator, date="2026-11-02", method="whatsapp", result=ContactAttempt.Result.REFUSED
    )
    actions.do_set_status(e3, SearchStatus.UNREACHABLE, acting_user=coordinator)
    with translation.override("en"):
        data = project_report(project)
        by_status_labels = [str(k) for k, _v in data["by_status"]]
        by_pref_labels = [str(k) for k, _v in data["by_preference"]]
    by_status = dict(zip(by_status_labels, [v for _k, v in data["by_status"]], strict=True))
    assert by_status == {
        "Not yet searched": 1,
        "Searching": 0,
        "Found": 0,
        "Contacted": 1,
        "Unreachable": 1,
        "Declined contact": 1,
    }
    by_pref = dict(zip(by_pref_labels, [v for _k, v in data["by_preference"]], strict=True))
    assert by_pref["Child returned to the home country"] == 1 and data["total"] == 4
    rows = list(csv.reader(io.StringIO(report_csv(project))))
    assert ["status", "Unreachable", "1"] in rows
    header = rows.index(
        [
            "person_id",
            "name",
            "country",
            "region",
            "status",
            "preference",
            "preference_date",
            "preference_obtained_by",
            "assigned_defender",
            "contact_attempts",
            "last_attempt",
        ]
    )
    people = rows[header + 1 :]
    assert len(people) == 4
    santiago = next(r for r in people if r[1] == "Santiago Xol Caal")
    assert santiago[4] == "Contacted" and santiago[5] == "Child returned to the home country"
    assert santiago[7] == "Home visit" and santiago[9] == "2" and santiago[10] == "2026-11-03"
    pdf = report_pdf(project)
    assert pdf.startswith(b"%PDF")


def test_defender_sees_only_own_assignments_in_spanish(world):
    client = Client()
    client.force_login(world.defender)
    body = client.get(reverse("locate:projects")).content.decode()
    assert "Santiago Xol" in body and "López" not in body
    assert "Personas asignadas a usted" in body
    body = client.get(reverse("locate:entry_detail", args=[world.locate_entry.pk])).content.decode()
    assert "Registrar un intento de contacto" in body
    response = client.post(
        reverse("locate:entry_attempt", args=[world.locate_entry.pk]),
        {"date": "2026-11-20", "method": "whatsapp", "result": "reached"},
    )
    assert response.status_code == 302
    world.locate_entry.refresh_from_db()
    assert world.locate_entry.status == SearchStatus.CONTACTED
    assert world.locate_entry.attempts.get().by == world.defender
