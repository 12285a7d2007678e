"""One walk through billing in a real browser: a Defender's report with an expense in GTQ,
Coordinator approval, the invoice and its PDF, a partial and then a full payment from the
Advocate, and the payout to the Defender, checking the ledger balances at each point."""

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from puente.billing.models import BillingSettings, Invoice, TimeReport
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

from .helpers import PNG, make_case, make_rates

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user):
    """Open a session for ``user`` (as after a completed login, TOTP included) in this browser context."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def ledger_row(page, table, name):
    row = page.locator(f"#{table} tr", has_text=name)
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def test_report_to_payout(new_page, live_server, transactional_db):
    coordinator = make_coordinator()
    advocate = make_advocate(organisation="Farmworker Justice Project")
    defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT")
    defender = make_defender_user(defender_org)
    # The contract is generated with the network's fee of the day (10 %, USD 25 a case) and signed.
    config = BillingSettings.load()
    config.charge_percent, config.charge_flat_usd = Decimal("10"), Decimal("25")
    config.save()
    case = make_case(advocate, defender_org, coordinator=coordinator, defender_user=defender)
    make_rates()
    # A later change of the settings bills nothing differently.
    config.charge_percent, config.charge_flat_usd = Decimal("20"), Decimal("50")
    config.save()

    # The Defender files the report, in Spanish: 4.5 hours and a bus fare of 150 GTQ with its receipt.
    d = new_page(locale="es-GT")
    sign_in(d, live_server, defender)
    d.goto("/billing/reports/")
    d.get_by_role("button", name="Nuevo informe").click()
    d.fill("#id_entry-hours", "4.5")
    d.fill("#id_entry-date", "2026-02-10")
    d.fill("#id_entry-description", "Entrevista con la clienta en Cuilco")
    d.get_by_role("button", name="Agregar horas").click()
    d.fill("#id_expense-date", "2026-02-11")
    d.select_option("#id_expense-category", "travel")
    d.fill("#id_expense-amount", "150")
    d.select_option("#id_expense-currency", "GTQ")
    d.fill("#id_expense-description", "Bus Huehuetenango - Cuilco")
    d.set_input_files("#id_expense-receipt", files=[{"name": "boleto.png", "mimeType": "image/png", "buffer": PNG}])
    d.get_by_role("button", name="Agregar gasto").click()
    assert "150,00 GTQ" in d.inner_text("main")
    d.get_by_role("button", name="Enviar el informe a la red").click()
    assert "Enviado para revisión" in d.inner_text("#report-status")
    report = TimeReport.objects.get(case=case)

    # The Coordinator approves it: the network now owes the Defender 4.5 x 250 + 150 = 1275.00 GTQ.
    c = new_page()
    sign_in(c, live_server, coordinator)
    c.goto(f"/billing/reports/{report.pk}/")
    c.get_by_role("button", name="Approve").click()
    assert "Approved" in c.inner_text("#report-status") and "1275.00 GTQ" in c.inner_text("#approved-amount")
    c.goto("/billing/ledger/")
    assert ledger_row(c, "defender-ledger", "Centro de Derechos Mam")[1:5] == ["GTQ", "1275.00", "0.00", "1275.00"]

    # Invoice to the Advocate: 146.25 + 19.50 USD of work, 16.58 (10 %) + 25.00 per case = 207.33 USD.
    c.goto("/billing/invoices/")
    c.get_by_role("link", name="Prepare invoice").click()
    c.get_by_role("button", name="Prepare draft").click()
    c.get_by_role("button", name="Issue invoice").click()
    assert "Issued" in c.inner_text("#invoice-state") and "207.33" in c.inner_text("#invoice-total")
    assert "Invoice PU-00001" in c.inner_text("h1")
    invoice = Invoice.objects.get()
    c.goto("/billing/ledger/")
    assert ledger_row(c, "advocate-ledger", "Sarah Miller")[1:5] == ["USD", "207.33", "0.00", "207.33"]

    # The PDF, in the Advocate's language (English), carries the total and the rate used.
    c.goto(f"/billing/invoices/{invoice.pk}/")
    with c.expect_download() as download:
        c.click("#invoice-pdf")
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "207.33" in text and "PU-00001" in text and "1 GTQ = 0.13 USD" in text

    # A partial payment, then the rest.
    c.fill("#id_amount", "100.00")
    c.fill("#id_received_on", "2026-03-01")
    c.get_by_role("button", name="Record payment").click()
    assert "Partly paid" in c.inner_text("#invoice-state") and "107.33" in c.inner_text("#invoice-balance")
    c.goto("/billing/ledger/")
    assert ledger_row(c, "advocate-ledger", "Sarah Miller")[1:5] == ["USD", "207.33", "100.00", "107.33"]
    c.goto(f"/billing/invoices/{invoice.pk}/")
    assert c.input_value("#id_amount") == "107.33"
    c.fill("#id_received_on", "2026-03-20")
    c.get_by_role("button", name="Record payment").click()
    assert "Paid" in c.inner_text("#invoice-state") and "0.00" in c.inner_text("#invoice-balance")
    c.goto("/billing/ledger/")
    assert ledger_row(c, "advocate-ledger", "Sarah Miller")[1:5] == ["USD", "207.33", "207.33", "0.00"]

    # The payout to the Defender, in quetzales.
    c.locator("#defender-ledger").get_by_role("link", name="Record payout").click()
    assert c.input_value("#id_amount") == "1275.00" and c.input_value("#id_currency") == "GTQ"
    c.check("#id_reports_0")
    c.fill("#id_reference", "Transferencia BI 88213")
    c.get_by_role("button", name="Record payout").click()
    assert ledger_row(c, "defender-ledger", "Centro de Derechos Mam")[1:5] == ["GTQ", "1275.00", "1275.00", "0.00"]

    # What the Defender sees: its payout and balance, never the invoice or the network's charge.
    d.goto("/billing/payouts/")
    body = d.inner_text("main")
    assert "1275,00 GTQ" in body and re.search(r"Pendiente de pago a ustedes \(GTQ\)\s*0,00", body)
    for secret in ("207,33", "207.33", "PU-00001", "41,58", "16,58"):
        assert secret not in d.content()
    assert d.goto(f"/billing/invoices/{invoice.pk}/").status == 403


def test_terms_changed_re_signed_by_all_three_and_billed_at_the_new_rate(new_page, live_server, transactional_db):
    """A case under contract version 1 (GTQ 250 an hour, signed 2026-01-15): the Coordinator
    changes the rate to GTQ 300 on the contract page, all three parties sign version 2 in their
    browsers, and the Defender's hours of today are billed at GTQ 300 under version 2, as the
    report and the invoice say; the Defender's earlier, approved hours keep GTQ 250."""
    from datetime import date

    from djmoney.money import Money

    from puente.billing import actions

    from .helpers import make_report

    BillingSettings.objects.update_or_create(
        pk=1, defaults={"charge_percent": Decimal("10"), "charge_flat_usd": Decimal("0")}
    )
    coordinator = make_coordinator()
    advocate = make_advocate(organisation="Farmworker Justice Project")
    defender_org = make_defender_org(name="Centro de Derechos Mam", country="GT")
    defender = make_defender_user(defender_org)
    case = make_case(advocate, defender_org, coordinator=coordinator, defender_user=defender)
    make_rates()
    earlier = make_report(defender, case, expenses=(), approve_by=coordinator, on=date(2026, 2, 10))
    assert earlier.approved_amount == Money("1125.00", "GTQ")

    # The Coordinator changes the terms on the contract page: a new version, to be signed again.
    c = new_page()
    sign_in(c, live_server, coordinator)
    c.goto(f"/cases/{case.pk}/contract/")
    c.click("#change-terms summary")
    c.fill("#id_hourly_rate_0", "300.00")
    c.click("#save-terms")
    assert "GTQ 300" in c.inner_text("#contract-text") or "300.00" in c.inner_text("#contract-text")
    # Each party signs version 2 in its own browser.
    for user, locale in ((coordinator, "en-US"), (advocate.user, "en-US"), (defender, "es-GT")):
        p = c if user == coordinator else new_page(locale=locale)
        if user != coordinator:
            sign_in(p, live_server, user)
        p.goto(f"/cases/{case.pk}/contract/")
        p.fill("#id_typed_name", user.get_full_name())
        p.check("#id_accepted")
        p.click("#sign-contract")
    c.goto(f"/cases/{case.pk}/contract/")
    assert c.locator("#contract-status.ok").count() == 1

    # The Defender reports today's hours; they are priced under version 2.
    d = new_page(locale="es-GT")
    sign_in(d, live_server, defender)
    d.goto("/billing/reports/")
    d.get_by_role("button", name="Nuevo informe").click()
    d.fill("#id_entry-hours", "2")
    d.fill("#id_entry-description", "Audiencia en Huehuetenango")
    d.get_by_role("button", name="Agregar horas").click()
    d.get_by_role("button", name="Enviar el informe a la red").click()
    assert "la versión 2 del contrato" in d.inner_text("#priced-under")
    report = TimeReport.objects.exclude(pk=earlier.pk).get(case=case)

    c.goto(f"/billing/reports/{report.pk}/")
    assert "Priced under contract version 2" in c.inner_text("#priced-under")
    c.get_by_role("button", name="Approve").click()
    assert "600.00 GTQ" in c.inner_text("#approved-amount")  # 2 x 300
    earlier.refresh_from_db()
    assert earlier.approved_amount == Money("1125.00", "GTQ")  # unchanged: version 1's rate
    invoice = actions.do_create_invoice(advocate, [report], acting_user=coordinator)
    c.goto(f"/billing/invoices/{invoice.pk}/")
    assert "priced under contract version 2" in c.inner_text("#priced-under")
    # 600 GTQ x 0.13 = 78.00 USD, and version 2 kept the 10 % fee: 7.80.
    assert "85.80" in c.inner_text("#invoice-total")
