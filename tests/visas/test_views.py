"""The pages: what they show, their CSV and JSON, and the Coordinator-only parts."""

import csv
import io

import pytest

from puente.core.action_contract import ActionRefused
from django.test import Client
from django.urls import reverse

from puente.visas import actions
from puente.visas.models import EmployerMerge, MergeReview, VisaCase
from tests.factories import make_coordinator, make_defender_user

from .world import make_employer


@pytest.fixture
def ncga(db):
    from puente.visas.models import Agent, Debarment

    agent = Agent.objects.create(name="AGWORKS, INC.", key="AGWORKS")
    employer = make_employer("NORTH CAROLINA GROWERS ASSOCIATION, INC.", agent=agent, rows=((2014, 120), (2016, 150)))
    Debarment.objects.create(program="H-2A", name="NC Growers", city="Vass", state="NC", employer=employer,
                             certainty=0.9, method="exact")
    return employer


def test_employer_page_shows_every_year_case_wage_worksite_agent_and_debarment(ncga):
    response = Client().get(reverse("visas:employer", args=[ncga.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("NORTH CAROLINA GROWERS ASSOCIATION, INC.", f"H-300-{ncga.pk}-2014", f"H-300-{ncga.pk}-2016",
                 "Farmworker", "$11.27 / hour", "KINSTON NC", "AGWORKS, INC.", "NC Growers", "90"):
        assert text in html, text
    assert "Coordinators only" not in html
    assert "<svg" in html and "style=" not in html  # charts without inline styles (CSP)


def test_employer_tables_as_csv_and_json(ncga):
    client = Client()
    response = client.get(reverse("visas:employer", args=[ncga.pk]), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["fiscal_year"] for r in rows] == ["2016", "2014"] and rows[0]["workers_certified"] == "150"
    data = client.get(reverse("visas:employer", args=[ncga.pk]), {"format": "json", "table": "years"}).json()
    assert data["rows"] == [{"visa": "H-2A", "fy": 2014, "cases": 1, "positions_certified": 120},
                            {"visa": "H-2A", "fy": 2016, "cases": 1, "positions_certified": 150}]
    found = client.get(reverse("visas:search"), {"q": "carolina growers", "format": "json"}).json()
    assert found["results"][0]["id"] == ncga.pk
    assert found["results"][0]["names"] == ["NORTH CAROLINA GROWERS ASSOCIATION, INC."]
    assert found["results"][0]["positions_certified"] == 270


def test_statistics_page_and_tables(ncga):
    make_employer("WYOMING SHEEP RANCH", state="WY", city="BUFFALO", rows=((2016, 3),))
    client = Client()
    html = client.get(reverse("visas:stats"), {"visa": "H-2A"}).content.decode()
    assert "273" in html and "By worksite state" in html
    by_state = client.get(reverse("visas:stats"), {"table": "state", "fy": "2016", "format": "json"}).json()["rows"]
    assert [(r["key"], r["positions_certified"]) for r in by_state] == [("NC", 150), ("WY", 3)]
    text = client.get(reverse("visas:stats"), {"table": "year", "format": "csv"}).content.decode()
    assert text.splitlines()[0] == "key,rows,cases,certified_cases,positions_requested,positions_certified,employers"
    assert "2016,2,2,2,,153,2" in text  # no requested column: unknown, not 0


def test_public_pages_in_spanish(ncga):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    html = client.get(reverse("visas:employer", args=[ncga.pk])).content.decode()
    assert "Puestos certificados por año" in html
    assert "Estadísticas" in client.get(reverse("visas:search")).content.decode()


def test_coordinator_sees_network_cases_naming_the_employer(world):
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    html = coordinator.get(reverse("visas:employer", args=[world.visa_employer.pk])).content.decode()
    assert "Coordinators only" in html and str(world.case) in html
    defender = Client()
    defender.force_login(world.defender)
    page = defender.get(reverse("visas:employer", args=[world.visa_employer.pk])).content.decode()
    assert str(world.case) not in page
    partial = coordinator.get(reverse("visas:case_employer_history", args=[world.case.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "NORTH CAROLINA GROWERS ASSOCIATION, INC." in body and "150" in body and "<html" not in body


def test_review_confirm_then_undo(db):
    coordinator = make_coordinator()
    a = make_employer("SMITH FARMS LLC", rows=((2016, 10), (2015, 5)))
    b = make_employer("SMITH FARM & SONS", rows=((2016, 4),))
    review = MergeReview.objects.create(left=a, right=b, probability=0.8)
    client = Client()
    client.force_login(coordinator)
    assert "SMITH FARM &amp; SONS" in client.get(reverse("visas:reviews")).content.decode()
    client.post(reverse("visas:review_decide", args=[review.pk]), {"decision": "confirm"})
    review.refresh_from_db()
    b.refresh_from_db()
    assert review.state == "confirmed" and b.merged_into_id == a.pk
    assert set(VisaCase.objects.values_list("employer_id", flat=True)) == {a.pk}
    assert client.get(reverse("visas:employer", args=[b.pk])).url == reverse("visas:employer", args=[a.pk])
    merge = EmployerMerge.objects.get()
    assert merge.by == coordinator
    client.post(reverse("visas:merge_undo", args=[merge.pk]))
    b.refresh_from_db()
    review.refresh_from_db()
    assert b.merged_into_id is None and review.state == "pending"
    assert VisaCase.objects.filter(employer=b).count() == 1 and VisaCase.objects.filter(employer=a).count() == 2


def test_reject_keeps_apart_and_defender_cannot_decide(db):
    a, b = make_employer("ALPHA FARM"), make_employer("ALFA FARMS")
    review = MergeReview.objects.create(left=a, right=b, probability=0.6)
    defender = Client()
    defender.force_login(make_defender_user())
    assert defender.post(reverse("visas:review_decide", args=[review.pk]), {"decision": "confirm"}).status_code == 403
    actions.do_reject_review(review, acting_user=make_coordinator())
    review.refresh_from_db()
    assert review.state == "rejected" and not EmployerMerge.objects.exists()
    with pytest.raises(ActionRefused):
        actions.do_confirm_review(review, acting_user=None)
