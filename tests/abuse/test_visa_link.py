"""Recruiters' employers joined to the H-2 visa data."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from puente.abuse import actions
from puente.abuse.dossier import build_dossier
from puente.abuse.models import Recruiter
from puente.visas import normalise as visas_normalise
from puente.visas.models import Employer, EmployerName, ImportedFile, VisaCase

pytestmark = pytest.mark.django_db


def _employer(name, certified_by_year):
    key = visas_normalise.name_key(name)
    employer = Employer.objects.create(name=name, key=key, state="NC")
    filed = EmployerName.objects.create(name=name.upper(), state="NC", key=key, employer=employer)
    for i, (fy, workers) in enumerate(certified_by_year):
        f, _ = ImportedFile.objects.get_or_create(name=f"H-2A_FY{fy}.xlsx", visa="H-2A", fiscal_year=fy,
                                                  defaults={"sha256": f"{fy:064d}"})
        VisaCase.objects.create(
            file=f, row_number=i + 2, case_number=f"H-300-{fy}-{i}", visa="H-2A", fiscal_year=fy,
            status="certified", employer_name_filed=filed.name, employer_name=filed, employer=employer,
            workers_certified=workers, decision_date=date(fy - 1, 12, 1),
        )
    return employer


def test_recruiter_employer_linked_and_certifications_in_dossier(coordinator):
    employer = _employer("Green Valley Farms LLC", [(2023, 40), (2024, 55)])
    _employer("Blue Ridge Nursery", [(2024, 7)])  # not this recruiter's
    recruiter = Recruiter.objects.create(name="Reclutadora del Norte")
    link = actions.do_add_employer(
        recruiter, acting_user=coordinator, employer_name="Green Valley Farms, LLC", programme="H-2A",
    )
    assert link.visa_employer_id == employer.pk

    d = build_dossier(recruiter, coordinator)
    assert [(c["fiscal_year"], c["workers"]) for c in d.visa_certifications] == [(2023, 40), (2024, 55)]

    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("abuse:patterns")).content.decode()
    actions.do_file_report(acting_user=coordinator, recruiter_names=["Reclutadora del Norte"])
    page = client.get(reverse("abuse:patterns")).content.decode()
    assert "95 workers certified" in page
    detail = client.get(reverse("abuse:recruiter_detail", args=[recruiter.pk])).content.decode()
    assert reverse("visas:employer", args=[employer.pk]) in detail


def test_links_made_when_visa_data_arrives_later(coordinator):
    recruiter = Recruiter.objects.create(name="Agencia Xol")
    link = actions.do_add_employer(
        recruiter, acting_user=coordinator, employer_name="Sunny Orchards Inc", programme="H-2A",
    )
    assert link.visa_employer_id is None
    employer = _employer("Sunny Orchards Inc.", [(2025, 12)])
    assert actions.do_link_visa_employers(acting_user=coordinator) == 1
    link.refresh_from_db()
    assert link.visa_employer_id == employer.pk


def test_visa_employer_page_lists_reports_naming_it(coordinator, defender_user):
    from puente.abuse.access import reports_naming_employer

    employer = _employer("Green Valley Farms LLC", [(2024, 10)])
    report = actions.do_file_report(
        acting_user=defender_user, recruiter_names=["Agencia Xol"], employer_name="Green Valley Farms, L.L.C.",
        new_worker={"given_names": "Marvin", "surname_1": "Tzoc"},
    )
    actions.do_file_report(
        acting_user=defender_user, recruiter_names=["Agencia Xol"], employer_name="Blue Ridge Nursery",
    )
    assert list(reports_naming_employer(coordinator, ["GREEN VALLEY FARMS LLC"])) == [report]
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("visas:employer", args=[employer.pk])).content.decode()
    assert f"Abuse report #{report.pk}" in page and "Tzoc" not in page
