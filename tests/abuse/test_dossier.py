"""The dossier's figures against sums computed independently from the input."""

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from puente.abuse import actions, patterns
from puente.abuse.dossier import build_dossier
from puente.abuse.models import Incident, Recruiter
from puente.locate.models import Person
from puente.network.models import Region
from tests.factories import make_advocate, make_defender_user

pytestmark = pytest.mark.django_db

# (spelling of the recruiter, worker names or None, region, fees [(amount, currency)], other incidents)
INPUT = [
    ("Reclutadora del Norte S.A. de C.V.", ("Juan", "Tzoc"), "GT-13", [("15000.00", "MXN")], ["fraud"]),
    ("RECLUTADORA DEL NORTE", None, "GT-13", [("3500.50", "GTQ"), ("1200.25", "GTQ")], []),
    ("Reclutadora Del Norte", ("Pedro", "Cux"), "MX-OAX", [("8000.00", "MXN"), ("250.00", "USD")], ["threats"]),
    ("reclutadora del norte s. de r.l.", ("Rosa", "Ajanel"), "GT-12", [], ["document_retention", "retaliation"]),
]


@pytest.fixture
def filed(coordinator):
    defender = make_defender_user()
    advocate = make_advocate()
    reports = []
    for i, (name, worker, region_code, fees, others) in enumerate(INPUT):
        region = Region.objects.get(code=region_code)
        person = Person.objects.create(given_names=worker[0], surname_1=worker[1]) if worker else None
        user = defender if i % 2 == 0 else advocate.user
        report = actions.do_file_report(
            acting_user=user, recruiter_names=[name], worker=person, region=region, municipality=f"Municipio {i}",
            occurred_from=date(2025, 1 + i * 2, 10), employer_name=f"Farm {i % 2} LLC",
        )
        for amount, currency in fees:
            actions.do_add_incident(report, acting_user=user, kind=Incident.Kind.FEE, amount=Money(amount, currency))
        for kind in others:
            actions.do_add_incident(report, acting_user=user, kind=kind)
        reports.append(report)
    # Noise that must not count: another recruiter's report and fee.
    other = actions.do_file_report(
        acting_user=defender.__class__.objects.get(pk=defender.pk), recruiter_names=["Agencia Xol"],
    )
    actions.do_add_incident(other, acting_user=defender, kind=Incident.Kind.FEE, amount=Money("99999", "MXN"))
    return reports


def expected_totals():
    totals = defaultdict(Decimal)
    for _n, _w, _r, fees, _o in INPUT:
        for amount, currency in fees:
            totals[currency] += Decimal(amount)
    return dict(totals)


def test_dossier_figures(filed, coordinator):
    recruiter = Recruiter.active.get(name_key="reclutadora del norte")
    d = build_dossier(recruiter, coordinator)
    assert d.report_count == len(INPUT)
    assert d.fee_totals == expected_totals() == {
        "GTQ": Decimal("4700.75"), "MXN": Decimal("23000.00"), "USD": Decimal("250.00"),
    }
    assert d.fee_count == sum(len(row[3]) for row in INPUT)
    assert d.anonymous_count == 1
    assert d.incident_counts["Fraud"] == 1 and d.incident_counts["Illegal recruitment fee"] == 5
    assert {r.worker for r in d.rows} == {"Juan Tzoc", "Anonymous worker", "Pedro Cux", "Rosa Ajanel"}
    assert set(d.regions) >= {"Huehuetenango (GT)", "Oaxaca (MX)"}
    assert d.municipalities == [f"Municipio {i}" for i in range(4)]
    assert d.employers == ["Farm 0 LLC", "Farm 1 LLC"]
    assert len(set(d.names)) >= 3  # the spellings are kept as aliases


def test_dossier_csv_and_pdf(filed, coordinator):
    recruiter = Recruiter.active.get(name_key="reclutadora del norte")
    client = Client()
    client.force_login(coordinator)
    response = client.get(reverse("abuse:dossier_csv", args=[recruiter.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert len(body) == len(INPUT)
    for currency, amount in expected_totals().items():
        col = header.index(f"fees {currency}")
        assert Decimal(total[col]) == amount
        assert sum(Decimal(r[col]) for r in body if r[col]) == amount
    assert "Juan Tzoc" in response.content.decode()

    response = client.get(reverse("abuse:dossier_pdf", args=[recruiter.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "4700.75 GTQ" in text and "23000.00 MXN" in text and "250.00 USD" in text
    assert "Pedro Cux" in text


def test_fee_ranking_per_currency_and_report_ranking(filed):
    fees = patterns.fee_totals_by_recruiter()
    top_mxn = fees["MXN"][0]
    assert top_mxn[0].name == "Agencia Xol" and top_mxn[1] == Decimal("99999.00")
    norte = next(row for row in fees["MXN"] if row[0].name_key == "reclutadora del norte")
    assert norte[1] == Decimal("23000.00") and norte[2] == 2
    assert [row[1] for row in fees["GTQ"]] == [Decimal("4700.75")]
    ranking = patterns.ranking_by_reports()
    assert ranking[0].name_key == "reclutadora del norte" and ranking[0].n_reports == 4
    assert ranking[1].name == "Agencia Xol" and ranking[1].n_reports == 1


def test_reports_per_month_and_region(filed):
    months = dict(patterns.reports_per_month(Recruiter.active.get(name_key="reclutadora del norte").reports.all()))
    assert months == {"2025-01": 1, "2025-02": 0, "2025-03": 1, "2025-04": 0, "2025-05": 1, "2025-06": 0, "2025-07": 1}
    regions = dict(patterns.reports_by_region())
    assert regions["Huehuetenango (GT)"] == 2 and regions["Oaxaca (MX)"] == 1


def test_patterns_page_renders_charts(filed, coordinator):
    client = Client()
    client.force_login(coordinator)
    page = client.get(reverse("abuse:patterns")).content.decode()
    assert "<svg" in page and "Reclutadora del Norte" in page and "99999" in page
    assert "style=" not in page.split("<main", 1)[1]
    assert "Juan Tzoc" not in page


def test_fee_ranking_in_usd_with_billing_rates(filed, defender_user):
    from puente.billing.models import ExchangeRate

    ExchangeRate.objects.create(
        from_currency="MXN", to_currency="USD", rate=Decimal("0.05"), effective_date=date(2024, 1, 1),
    )
    ExchangeRate.objects.create(
        from_currency="GTQ", to_currency="USD", rate=Decimal("0.125"), effective_date=date(2024, 1, 1),
    )
    # A rate that is not yet in force when the fees were paid must not be used.
    ExchangeRate.objects.create(
        from_currency="MXN", to_currency="USD", rate=Decimal("1"), effective_date=date(2099, 1, 1),
    )
    nio = actions.do_file_report(
        acting_user=defender_user, recruiter_names=["Agencia Xol"], occurred_from=date(2025, 1, 1),
    )
    actions.do_add_incident(nio, acting_user=defender_user, kind=Incident.Kind.FEE, amount=Money("100", "NIO"))

    ranking, missing = patterns.fee_ranking_usd()

    by_name = {r.name_key: (total, n) for r, total, n in ranking}
    # 15000 + 8000 MXN at 0.05; 3500.50 and 1200.25 GTQ at 0.125 (each rounded to the cent); 250 USD.
    expected_norte = Decimal("750.00") + Decimal("400.00") + Decimal("437.56") + Decimal("150.03") + Decimal("250.00")
    assert by_name["reclutadora del norte"] == (expected_norte, 5)
    assert by_name["agencia xol"] == (Decimal("4999.95"), 1)
    assert ranking[0][0].name == "Agencia Xol"
    assert missing == {"NIO": 1}
