"""The signed contract sets what is billed (issue 14).

Every case here is real: requested, assigned and its Case Facilitation Contract signed by all
three parties through the cases app's own actions (``helpers.make_case``, ``helpers.set_terms``).
Expected figures are written out by hand from the contract's terms."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from djmoney.money import Money

from puente.billing import actions, api, ledger
from puente.billing.models import InvoiceLine, ReportStatus, TimeEntry, TimeReport
from puente.cases import actions as case_actions
from puente.cases.models import ContractSignature
from puente.core import providers
from puente.core.action_contract import ActionRefused
from tests.factories import make_advocate

from .conftest import set_settings
from .helpers import SIGNED_ON, make_case, make_report, set_terms
from .test_views import pdf_text


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def fifteen(b):
    """A case whose contract, signed on 2026-01-15, says: GTQ 250 an hour, a 15 % fee, no flat fee.
    Then the Defender's profile rate goes to GTQ 400 and the settings to 10 % and USD 50 a case."""
    set_settings(percent="15.00", flat_usd="0", flat_cad="0")
    b.case15 = make_case(b.advocate, b.defender_org, coordinator=b.coordinator, defender_user=b.defender)
    b.defender_org.hourly_rate = Money("400.00", "GTQ")
    b.defender_org.save()
    set_settings(percent="10.00", flat_usd="50.00", flat_cad="60.00")
    return b


def test_report_invoice_and_payout_are_priced_at_the_signed_terms_not_the_profile_or_settings(fifteen):
    b = fifteen
    terms = case_actions.latest_version(b.case15)
    assert (terms.hourly_rate, terms.fee_percent, terms.fee_flat) == (Money("250.00", "GTQ"), Decimal("15.00"), None)

    report = make_report(b.defender, b.case15, approve_by=b.coordinator)  # 4.5 h and a GTQ 150 bus fare
    entry = report.entries.get()
    assert entry.hourly_rate == Money("250.00", "GTQ") and entry.contract_version_number == 1
    assert report.hourly_rate == Money("250.00", "GTQ") and report.hourly_rate_source == "contract"
    assert (report.contract_version_number, timezone.localdate(report.contract_signed_at)) == (1, SIGNED_ON)
    # Owed to the Defender: 4.5 x 250 + 150 = 1275.00 GTQ (at the profile's 400 it would be 1950.00).
    assert report.approved_amount == Money("1275.00", "GTQ")

    invoice = actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)
    invoice = actions.do_issue_invoice(invoice, acting_user=b.coordinator)
    lines = {line.kind: line for line in invoice.lines.all()}
    # 1125 GTQ x 0.13 = 146.25; 150 GTQ x 0.13 = 19.50; 15 % of 165.75 = 24.8625 -> 24.86; no flat fee.
    assert (lines["time"].unit_amount, lines["time"].amount) == (Decimal("250.00"), Decimal("146.25"))
    assert lines["charge_percent"].quantity == Decimal("15.00") and lines["charge_percent"].amount == Decimal("24.86")
    assert "charge_flat" not in lines
    assert (invoice.subtotal, invoice.charge, invoice.total) == (Decimal("165.75"), Decimal("24.86"), Decimal("190.61"))
    assert invoice.charge_percent == Decimal("15.00") and invoice.charge_flat_per_case == Decimal("0")
    assert {line.contract_version_number for line in invoice.lines.all()} == {1}

    # The payout: exactly what the signed terms made owed, and not a centavo more.
    assert ledger.defender_balance(b.defender_org)["GTQ"]["owed"] >= Decimal("1275.00")
    with pytest.raises(ActionRefused):
        actions.do_record_payout(
            b.defender_org,
            amount=Money("1950.00", "GTQ"),
            paid_on=date(2026, 3, 2),
            reports=[report],
            acting_user=b.coordinator,
        )
    payout = actions.do_record_payout(
        b.defender_org,
        amount=report.approved_amount,
        paid_on=date(2026, 3, 2),
        reports=[report],
        acting_user=b.coordinator,
    )
    assert payout.amount == Money("1275.00", "GTQ")

    # The report, the invoice page and its PDF say which contract version priced them.
    said = "Priced under contract version 1, signed 2026-01-15"
    assert said in _client(b.coordinator).get(reverse("billing:report_detail", args=[report.pk])).content.decode()
    page = _client(b.advocate.user).get(reverse("billing:invoice_detail", args=[invoice.pk])).content.decode()
    assert f"{b.case15.reference}: priced under contract version 1, signed 2026-01-15" in page
    assert "15% of the work above, contract version 1" in page
    text = " ".join(
        pdf_text(_client(b.coordinator).get(reverse("billing:invoice_pdf", args=[invoice.pk])).content).split()
    )
    assert "contract version 1, signed 2026-01-15" in text
    # In Spanish for the Defender.
    spanish = _client(b.defender).get(reverse("billing:report_detail", args=[report.pk])).content.decode()
    assert "Precios según la versión 1 del contrato, firmada el 2026-01-15" in spanish


def test_a_new_signed_version_prices_later_work_only(fifteen):
    b = fifteen
    before = make_report(b.defender, b.case15, approve_by=b.coordinator, on=date(2026, 2, 10))
    # Version 2, signed by all three on 2026-03-01: GTQ 300 an hour, 12 % and a USD 40 flat fee.
    v2 = set_terms(
        b.case15,
        on=date(2026, 3, 1),
        hourly_rate=Money("300.00", "GTQ"),
        fee_percent=Decimal("12"),
        fee_flat=Money("40.00", "USD"),
        coordinator=b.coordinator,
        defender_user=b.defender,
    )
    assert v2.number == 2
    before.refresh_from_db()
    assert before.approved_amount == Money("1275.00", "GTQ") and before.contract_version_number == 1

    after = make_report(b.defender, b.case15, expenses=(), approve_by=b.coordinator, on=date(2026, 3, 5))
    assert after.entries.get().hourly_rate == Money("300.00", "GTQ") and after.contract_version_number == 2
    assert after.approved_amount == Money("1350.00", "GTQ")  # 4.5 x 300

    # One report with work on both sides of the new signature: each entry at its own version.
    mixed = actions.do_create_report(b.case15, acting_user=b.defender)
    for day in (date(2026, 2, 27), date(2026, 3, 2)):
        actions.do_add_entry(mixed, date=day, hours=Decimal("2"), description="Visita", acting_user=b.defender)
    mixed = actions.do_submit_report(mixed, acting_user=b.defender)
    rates = {e.date: (e.hourly_rate, e.contract_version_number) for e in mixed.entries.all()}
    assert rates == {date(2026, 2, 27): (Money("250.00", "GTQ"), 1), date(2026, 3, 2): (Money("300.00", "GTQ"), 2)}
    assert mixed.contract_version_number == 2
    mixed = actions.do_approve_report(mixed, acting_user=b.coordinator)
    assert mixed.approved_amount == Money("1100.00", "GTQ")  # 2 x 250 + 2 x 300
    page = _client(b.coordinator).get(reverse("billing:report_detail", args=[mixed.pk])).content.decode()
    assert "contract version 1, signed 2026-01-15" in page and "contract version 2, signed 2026-03-01" in page

    # The fee of each report is its own version's: 15 % on the first, 12 % on the second, and the
    # case's flat fee (version 2's) once.
    invoice = actions.do_create_invoice(b.advocate, [before, after], acting_user=b.coordinator)
    charges = {(c.kind, c.contract_version_number): c.amount for c in invoice.lines.filter(kind__startswith="charge")}
    # before: 165.75 USD x 15 % = 24.86; after: 1350 GTQ x 0.13 = 175.50 USD x 12 % = 21.06; flat USD 40.
    assert charges == {
        ("charge_percent", 1): Decimal("24.86"),
        ("charge_percent", 2): Decimal("21.06"),
        ("charge_flat", 2): Decimal("40.00"),
    }
    invoice = actions.do_issue_invoice(invoice, acting_user=b.coordinator)
    # A later invoice for the same case does not charge the flat fee again.
    second = actions.do_create_invoice(b.advocate, [mixed], acting_user=b.coordinator)
    assert not second.lines.filter(kind=InvoiceLine.Kind.CHARGE_FLAT).exists()


def test_no_fee_override_on_a_draft_invoice(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    draft = actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)
    response = _client(b.coordinator).post(
        reverse("billing:invoice_update", args=[draft.pk]),
        {"charge_percent": "0", "charge_flat_per_case": "0", "payment_terms_days": "45"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    # The payment terms change; the fee stays the contract's (10 % and USD 25, from version 1).
    assert draft.payment_terms_days == 45 and draft.charge == Decimal("41.58")


def test_reports_beyond_a_cap_are_flagged_and_approved_only_with_an_acknowledgement(b):
    set_terms(
        b.case,
        on=date(2026, 1, 20),
        fee_percent=Decimal("10"),
        fee_flat=Money("25.00", "USD"),
        hours_cap=Decimal("5"),
        expenses_cap=Money("100.00", "GTQ"),
        coordinator=b.coordinator,
        defender_user=b.defender,
    )
    first = make_report(b.defender, b.case)  # 4.5 h (under 5), GTQ 150 of expenses (over 100)
    assert [f["kind"] for f in first.cap_flags] == ["expenses"] and first.is_flagged
    second = make_report(b.defender, b.case, hours=("1",), expenses=())  # 5.5 h with the first
    assert {f["kind"] for f in second.cap_flags} == {"hours", "expenses"}

    coordinator = _client(b.coordinator)
    listing = coordinator.get(reverse("billing:report_list")).content.decode()
    assert listing.count('data-flag="cap"') == 2
    page = coordinator.get(reverse("billing:report_detail", args=[second.pk])).content.decode()
    assert "Hours on the case: 5.50, over the cap of 5.00 hours in contract version 2." in page
    assert 'name="acknowledge_caps"' in page

    with pytest.raises(ActionRefused) as refused:
        actions.do_approve_report(second, acting_user=b.coordinator)
    assert "acknowledge_caps" in refused.value.message_dict
    # Through the page: approving without ticking the box leaves the report submitted.
    coordinator.post(reverse("billing:report_review", args=[second.pk]), {"decision": "approve"})
    second.refresh_from_db()
    assert second.status == ReportStatus.SUBMITTED
    coordinator.post(
        reverse("billing:report_review", args=[second.pk]), {"decision": "approve", "acknowledge_caps": "on"}
    )
    second.refresh_from_db()
    assert second.status == ReportStatus.APPROVED and second.caps_acknowledged_by == b.coordinator
    assert not second.is_flagged
    # The Defender sees the flag too, in Spanish.
    spanish = _client(b.defender).get(reverse("billing:report_detail", args=[first.pk])).content.decode()
    assert "Más allá del tope del contrato" in spanish


@pytest.mark.parametrize("language", ["en", "es"])
def test_entries_in_the_future_or_before_the_contract_are_refused_naming_the_date(b, language):
    draft = actions.do_create_report(b.case, acting_user=b.defender)
    tomorrow = timezone.localdate() + timedelta(days=1)
    expected = {
        "en": (
            "The date %s is in the future" % tomorrow.isoformat(),
            "The date 2026-01-10 is before the contract was signed (2026-01-15)",
        ),
        "es": (
            "La fecha %s es futura" % tomorrow.isoformat(),
            "La fecha 2026-01-10 es anterior a la firma del contrato (2026-01-15)",
        ),
    }[language]
    with translation.override(language):
        for day, message in zip((tomorrow, date(2026, 1, 10)), expected, strict=True):
            with pytest.raises(ActionRefused) as refused:
                actions.do_add_entry(draft, date=day, hours=Decimal("1"), description="x", acting_user=b.defender)
            assert list(refused.value.message_dict) == ["date"] and message in refused.value.text
        with pytest.raises(ActionRefused) as refused:
            actions.do_add_expense(
                draft, date=tomorrow, category="travel", amount=Money("10.00", "GTQ"), acting_user=b.defender
            )
        assert list(refused.value.message_dict) == ["date"]
    assert not TimeEntry.objects.filter(report=draft).exists() and not draft.expenses.exists()


def test_the_defender_is_told_in_spanish_on_the_date_field(b):
    draft = actions.do_create_report(b.case, acting_user=b.defender)
    response = _client(b.defender).post(
        reverse("billing:entry_add", args=[draft.pk]),
        {"entry-date": "2026-01-10", "entry-hours": "2", "entry-description": "Visita"},
    )
    assert response.status_code == 400
    form = response.context["entry_form"]
    assert form.errors["date"] == [
        "La fecha 2026-01-10 es anterior a la firma del contrato (2026-01-15): solo se "
        "factura el trabajo hecho bajo el contrato firmado."
    ]
    html = response.content.decode()
    assert html.index("es anterior a la firma del contrato") > html.index('id="entry-form"')
    assert not draft.entries.exists()


def test_a_case_without_a_fully_signed_contract_cannot_price_time(b):
    case = make_case(
        make_advocate(organisation="Another Firm"),
        b.defender_org,
        state="active",
        coordinator=b.coordinator,
        defender_user=b.defender,
    )
    with pytest.raises(ActionRefused, match="before the contract was signed"):
        actions.terms_on(case, date(2025, 12, 1))
    draft = actions.do_create_report(case, acting_user=b.defender)
    # Set-up: the signatures stop counting (as when they are voided), so no version is fully signed.
    ContractSignature.objects.filter(version__case=case).update(voided_at=timezone.now())
    for attempt in (
        lambda: actions.do_create_report(case, acting_user=b.defender),
        lambda: actions.do_add_entry(
            draft, date=date(2026, 2, 1), hours=Decimal("1"), description="x", acting_user=b.defender
        ),
    ):
        with pytest.raises(ActionRefused, match="no Case Facilitation Contract signed by all three parties"):
            attempt()


def test_existing_priced_reports_keep_their_stored_rate_through_the_migration(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    # As before migration 0004: entries without a rate, the report priced from the profile.
    TimeEntry.objects.filter(report=report).update(
        hourly_rate=None, contract_version=None, contract_version_number=None
    )
    TimeReport.objects.filter(pk=report.pk).update(
        hourly_rate_source="profile", contract_version=None, contract_version_number=None, contract_signed_at=None
    )
    migration = importlib.import_module("puente.billing.migrations.0004_contract_terms")
    migration.price_entries_of_priced_reports(django_apps, None)
    assert report.entries.get().hourly_rate == Money("250.00", "GTQ")
    report.refresh_from_db()
    page = _client(b.coordinator).get(reverse("billing:report_detail", args=[report.pk])).content.decode()
    assert "Priced at the Defender's profile rate, before contracts held their terms." in page
    invoice = actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator)
    assert invoice.subtotal == Decimal("165.75")  # the stored rate, not re-priced


def test_billing_answers_the_cases_providers(b):
    assert providers.get("cases.reporting_blockers") is api.reporting_blockers
    set_settings(percent="12.50", flat_usd="20.00", flat_cad="27.00")
    assert providers.call("cases.default_fee_terms", "CAD") == {
        "fee_percent": Decimal("12.50"),
        "fee_flat": Money("27.00", "CAD"),
    }
    set_settings(percent="0", flat_usd="0", flat_cad="0")
    assert providers.call("cases.default_fee_terms") == {"fee_percent": None, "fee_flat": None}
    assert api.reporting_blockers(b.case) == ["no report of the Defender has been approved and invoiced yet"]
