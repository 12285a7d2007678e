"""The job check over DOL files as published (small extracts in tests/visas/fixtures, imported by
the visas app's own importer): the season and state narrow the answer, debarments show."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from puente.visas import actions as visas_actions
from puente.voice import jobcheck

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "visas" / "fixtures"


@pytest.fixture
def dol():
    visas_actions.do_import_file(FIXTURES / "H-2A_FY2012_small.csv", acting_user=None)
    visas_actions.do_import_debarments(FIXTURES / "debarments_small.csv", acting_user=None)


def test_certified_in_season_with_wage_and_debarment(dol):
    result = jobcheck.answer("Smith Farm", "NC", "farm", dt.date(2012, 5, 1), dt.date(2012, 9, 30))
    job = next(j for j in result.jobs if j.employer.startswith("SMITH"))
    assert job.visa == "H-2A" and job.workers == 60 and float(job.wage_min) == 9.70
    assert job.start == dt.date(2012, 4, 1) and job.end == dt.date(2012, 11, 30)
    assert any(name.startswith("SMITH") for name in result.debarred_employers)
    html = Client().get(reverse("voice:check", kwargs={"lang": "es"}),
                        {"name": "Smith Farm", "state": "NC", "start": "2012-05-01"}).content.decode()
    assert "60" in html and "9,70" in html and "sancionado" in html


def test_out_of_season_or_state_finds_no_job(dol):
    assert not jobcheck.answer("Smith Farms", "NC", "", dt.date(2015, 5, 1), dt.date(2015, 9, 1)).jobs
    assert not jobcheck.answer("Smith Farms", "PA").jobs
    assert not jobcheck.answer("Hongos Fantasma").found
