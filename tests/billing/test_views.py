import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from djmoney.money import Money
from pypdf import PdfReader

from puente.billing import actions
from puente.billing.models import BillingSettings, ExchangeRate, Invoice, InvoiceState, ReportStatus

from .helpers import PNG, make_report


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def issued(b):
    # The settings change after the contract was signed (10 %, USD 25): the contract still rules.
    config = BillingSettings.load()
    config.charge_percent, config.charge_flat_usd = Decimal("99"), Decimal("999")
    config.save()
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    b.report = report
    b.invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [report], acting_user=b.coordinator), acting_user=b.coordinator
    )
    actions.do_record_payout(
        b.defender_org,
        amount=Money("500.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[report],
        acting_user=b.coordinator,
    )
    return b


def test_defender_pages_never_show_the_invoice_or_the_charge(issued):
    b = issued
    c = client_for(b.defender)
    pages = [
        c.get(reverse("billing:report_list")),
        c.get(reverse("billing:report_detail", args=[b.report.pk])),
        c.get(reverse("billing:payout_list")),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        for secret in (
            "207.33",
            "207,33",
            "41.58",
            "41,58",
            "16.58",
            "16,58",
            "PU-00001",
            "facilitation",
            "facilitación",
        ):
            assert secret not in html, secret
    # The Defender's own figures are there, in Spanish.
    detail = pages[1].content.decode()
    assert "1275,00 GTQ" in detail and "Aprobado" in detail
    payouts = pages[2].content.decode()
    assert "775,00" in payouts and "Pagos" in payouts
    assert c.get(reverse("billing:invoice_detail", args=[b.invoice.pk])).status_code == 403


def test_advocate_sees_its_invoice_and_payments_but_no_payout(issued):
    b = issued
    actions.do_record_payment(
        b.invoice, amount=Decimal("7.33"), received_on=date(2026, 3, 3), acting_user=b.coordinator
    )
    html = client_for(b.advocate.user).get(reverse("billing:invoice_detail", args=[b.invoice.pk])).content.decode()
    assert "207.33" in html and "7.33" in html and "PU-00001" in html
    assert "500.00" not in html and "payout" not in html.lower()


def test_invoice_pdf_in_the_advocates_language(issued):
    b = issued
    response = client_for(b.coordinator).get(reverse("billing:invoice_pdf", args=[b.invoice.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Invoice PU-00001" in text and "207.33" in text and "1 GTQ = 0.13 USD" in text
    b.advocate.user.language = "es"
    b.advocate.user.save()
    text = pdf_text(client_for(b.coordinator).get(reverse("billing:invoice_pdf", args=[b.invoice.pk])).content)
    assert "Factura PU-00001" in text and "207,33" in text and "Tipos de cambio" in text


def test_editing_an_issued_invoice_through_the_view_is_refused(issued):
    b = issued
    c = client_for(b.coordinator)
    response = c.post(
        reverse("billing:invoice_update", args=[b.invoice.pk]),
        {"payment_terms_days": "5"},
        follow=True,
    )
    assert "cannot be changed" in response.content.decode()
    b.invoice.refresh_from_db()
    assert b.invoice.charge_percent == Decimal("10.00") and b.invoice.total == Decimal("207.33")


def test_void_page_shows_the_reason_and_replacement(issued):
    b = issued
    c = client_for(b.coordinator)
    response = c.post(
        reverse("billing:invoice_void", args=[b.invoice.pk]), {"reason": "Tipo de cambio equivocado", "replace": "on"}
    )
    replacement = Invoice.objects.get(replaces=b.invoice)
    assert response["Location"] == reverse("billing:invoice_detail", args=[replacement.pk])
    html = c.get(reverse("billing:invoice_detail", args=[b.invoice.pk])).content.decode()
    assert "Tipo de cambio equivocado" in html and "PU-00001" in html and "Void" in html


def test_coordinator_reviews_a_report_through_the_page(b):
    report = make_report(b.defender, b.case)
    c = client_for(b.coordinator)
    assert "1275.00 GTQ" in c.get(reverse("billing:report_detail", args=[report.pk])).content.decode()
    c.post(reverse("billing:report_review", args=[report.pk]), {"decision": "return", "comment": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # a return needs a comment
    c.post(reverse("billing:report_review", args=[report.pk]), {"decision": "return", "comment": "Falta el recibo"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    html = client_for(b.defender).get(reverse("billing:report_detail", args=[report.pk])).content.decode()
    assert "Falta el recibo" in html and "Corregir y volver a enviar" in html


def test_defender_files_a_report_through_the_pages_with_a_receipt(b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(b.defender)
    response = c.post(reverse("billing:report_new", args=[b.case.pk]))
    report = b.case.time_reports.get()
    assert response["Location"] == reverse("billing:report_detail", args=[report.pk])
    bad = c.post(
        reverse("billing:entry_add", args=[report.pk]),
        {"entry-date": "2026-02-01", "entry-hours": "abc", "entry-description": "x"},
        follow=True,
    )
    assert "Horas" in bad.content.decode() and report.entries.count() == 0
    c.post(
        reverse("billing:entry_add", args=[report.pk]),
        {"entry-date": "2026-02-01", "entry-hours": "3.5", "entry-description": "Entrevista"},
    )
    c.post(
        reverse("billing:expense_add", args=[report.pk]),
        {
            "expense-date": "2026-02-02",
            "expense-category": "civil_records",
            "expense-amount": "45.50",
            "expense-currency": "GTQ",
            "expense-description": "Acta de nacimiento",
            "expense-receipt": SimpleUploadedFile("acta.png", PNG, content_type="image/png"),
        },
    )
    expense = report.expenses.get()
    assert expense.amount == Money("45.50", "GTQ") and expense.receipt_content_type == "image/png"
    receipt = c.get(reverse("billing:receipt", args=[expense.pk]))
    assert receipt.status_code == 200 and b"".join(receipt) == PNG
    c.post(reverse("billing:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.hourly_rate == Money("250.00", "GTQ")


def test_coordinator_adds_a_rate_and_a_duplicate_is_refused(b):
    c = client_for(b.coordinator)
    data = {"from_currency": "HNL", "to_currency": "CAD", "rate": "0.0561", "effective_date": "2026-04-01"}
    c.post(reverse("billing:rates"), data)
    assert ExchangeRate.objects.filter(from_currency="HNL", to_currency="CAD", rate=Decimal("0.0561")).exists()
    response = c.post(reverse("billing:rates"), data)
    assert response.status_code == 200 and "already exists" in response.content.decode()


def test_ledger_and_ageing_pages(issued):
    b = issued
    c = client_for(b.coordinator)
    html = c.get(reverse("billing:ledger")).content.decode()
    assert "207.33" in html and "1275.00" in html and "775.00" in html
    html = c.get(reverse("billing:ageing"), {"as_of": "2027-06-01"}).content.decode()
    assert "PU-00001" in html and "207.33" in html


def test_csv_exports_for_a_period(issued):
    b = issued
    actions.do_record_payment(
        b.invoice, amount=Decimal("7.33"), received_on=date(2026, 3, 3), acting_user=b.coordinator
    )
    c = client_for(b.coordinator)
    today = b.invoice.issue_date.isoformat()
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(reverse("billing:export", args=["invoices"]), {"start": today, "end": today}).content.decode()
            )
        )
    )
    assert rows[0][0] == "number" and rows[1][0] == "PU-00001" and rows[1][9] == "207.33" and rows[1][11] == "200.00"
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(
                    reverse("billing:export", args=["payments"]), {"start": "2026-03-01", "end": "2026-03-31"}
                ).content.decode()
            )
        )
    )
    assert [r[2] for r in rows[1:]] == ["7.33"]
    rows = list(
        csv.reader(
            io.StringIO(
                c.get(
                    reverse("billing:export", args=["payouts"]), {"start": "2026-04-01", "end": "2026-04-30"}
                ).content.decode()
            )
        )
    )
    assert len(rows) == 1  # header only: the payout was on 2026-03-02
    bad = c.get(reverse("billing:export", args=["invoices"]), {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 400


def test_csv_export_defuses_formulas(issued):
    b = issued
    b.advocate.organisation = '=HYPERLINK("http://evil")'
    b.advocate.save()
    c = client_for(b.coordinator)
    today = b.invoice.issue_date.isoformat()
    body = c.get(reverse("billing:export", args=["invoices"]), {"start": today, "end": today}).content.decode()
    assert list(csv.reader(io.StringIO(body)))[1][3].startswith("'=")


def test_issue_and_payment_through_the_pages(b):
    report = make_report(b.defender, b.case, approve_by=b.coordinator)
    c = client_for(b.coordinator)
    html = c.get(reverse("billing:invoice_list")).content.decode()
    assert reverse("billing:invoice_new", args=[b.advocate.pk]) in html
    c.post(reverse("billing:invoice_new", args=[b.advocate.pk]), {"reports": [report.pk]})
    invoice = Invoice.objects.get()
    c.post(reverse("billing:invoice_issue", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ISSUED and invoice.number == 1
    c.post(
        reverse("billing:payment_add", args=[invoice.pk]),
        {"amount": "10", "received_on": "2026-03-01", "method": "check"},
    )
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PARTLY_PAID and invoice.amount_paid == Decimal("10.00")
