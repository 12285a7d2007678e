"""Demo billing data: exchange rates, and for the demo cases in reporting, evaluation or closed
(when the cases demo made some) the Defender's reports, invoices to the Advocates, their payments
and the payouts to the Defenders, so that the ledger and the ageing report have something to show.

Idempotent: rates are looked up by (pair, date); a case that already has a report is left alone.
The rows are made through the ``do_*`` actions, so the figures follow the same money rules and
the prices of each case's signed contract: the work is dated from the day the contract was
signed by all three parties (a case with no signed contract is not billed).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from djmoney.money import Money

from puente.cases import api as cases_api
from puente.cases.access import visible_cases
from puente.network.api import User

from . import actions, money
from .models import BillingSettings, ExchangeRate, TimeReport

# Approximate market rates, 1 unit of the first currency in the second.
RATES = {
    date(2025, 1, 1): {
        "MXN": ("0.0490", "0.0700"),
        "GTQ": ("0.1295", "0.1860"),
        "HNL": ("0.0395", "0.0568"),
        "NIO": ("0.0272", "0.0391"),
        "USD": (None, "1.4380"),
    },
    date(2025, 7, 1): {
        "MXN": ("0.0530", "0.0725"),
        "GTQ": ("0.1302", "0.1780"),
        "HNL": ("0.0383", "0.0524"),
        "NIO": ("0.0272", "0.0372"),
        "USD": (None, "1.3660"),
    },
    date(2026, 1, 1): {
        "MXN": ("0.0555", "0.0766"),
        "GTQ": ("0.1305", "0.1801"),
        "HNL": ("0.0379", "0.0523"),
        "NIO": ("0.0272", "0.0375"),
        "USD": (None, "1.3800"),
    },
}
ENTRIES = [
    ("locate", "3.50", "Búsqueda del cliente en la comunidad y entrevistas con vecinos"),
    ("declaration", "5.00", "Toma de declaración con intérprete"),
    ("documents", "2.25", "Trámite de actas en el registro civil"),
]
EXPENSES = [
    ("travel", "420.00", "Transporte a la comunidad, ida y vuelta"),
    ("civil_records", "95.00", "Actas certificadas"),
    ("copies", "38.50", "Copias de documentos"),
    ("courier", "260.00", "Envío de originales por mensajería"),
]


def load(stdout):
    for on, table in RATES.items():
        for currency, (to_usd, to_cad) in table.items():
            for target, rate in (("USD", to_usd), ("CAD", to_cad)):
                if rate and currency != target:
                    ExchangeRate.objects.get_or_create(
                        from_currency=currency, to_currency=target, effective_date=on, defaults={"rate": Decimal(rate)}
                    )
    BillingSettings.load()
    coordinator = User.objects.filter(role="coordinator").order_by("email").first()
    if coordinator is None:
        stdout.write("billing: exchange rates loaded (no Coordinator to bill with)")
        return
    cases = (
        visible_cases(coordinator)
        .filter(state__in=["reporting", "evaluation", "closed"], defender__isnull=False)
        .exclude(time_reports__isnull=False)
        .select_related("defender", "advocate")
        .order_by("pk")
    )
    if not cases.exists():
        stdout.write("billing: exchange rates loaded (no demo case left to bill)")
        return
    today = timezone.localdate()
    made = 0
    for i, case in enumerate(cases):
        defender_user = case.defender.users.filter(is_active=True).order_by("pk").first()
        if defender_user is None or not case.defender.hourly_rate or not case.defender.hourly_rate.amount:
            continue
        signed = cases_api.all_signed_terms(case)
        if not signed:
            continue
        # Work is billed from the day the contract was signed by all three parties, never later than today.
        first_signed = min(timezone.localdate(t.signed_at) for t in signed)
        start = max(today - timedelta(days=20 + 17 * (i % 8)), first_signed)

        def day(n, start=start):
            return min(start + timedelta(days=n), today)

        report = TimeReport.objects.create(case=case, defender=case.defender, created_by=defender_user)
        tasks = {t.kind: t for t in case.tasks.all()}
        for j, (kind, hours, text) in enumerate(ENTRIES[: 1 + i % 3]):
            actions.do_add_entry(
                report,
                date=day(j),
                hours=Decimal(hours),
                description=text,
                task=tasks.get(kind),
                acting_user=defender_user,
            )
        currency = str(case.defender.hourly_rate.currency)
        for kind, amount, text in EXPENSES[: 1 + i % 2]:
            actions.do_add_expense(
                report,
                date=day(1),
                category=kind,
                amount=Money(amount, currency),
                description=text,
                acting_user=defender_user,
            )
        if case.state == "reporting":
            actions.do_submit_report(report, acting_user=defender_user)
        else:
            # History: this report was submitted while the case was in reporting, before the demo
            # case was moved on. A report is submitted only in reporting, so the state is set back
            # for the submission alone (demo data only; no timeline row is written for it).
            visible_cases(coordinator).filter(pk=case.pk).update(state="reporting")
            try:
                actions.do_submit_report(report, acting_user=defender_user)
            finally:
                visible_cases(coordinator).filter(pk=case.pk).update(state=case.state)
        made += 1
        if case.state == "reporting" and i % 2 == 0:
            continue  # waiting for the network's review
        actions.do_approve_report(report, acting_user=coordinator)
        if case.state == "reporting":
            continue  # approved, not invoiced yet
        invoice = actions.do_create_invoice(case.advocate, [report], acting_user=coordinator)
        invoice = actions.do_issue_invoice(invoice, on=day(7), acting_user=coordinator)
        report.refresh_from_db()
        if case.state == "closed" or i % 3 == 0:
            actions.do_record_payment(
                invoice,
                amount=invoice.total,
                received_on=invoice.issue_date + timedelta(days=12),
                acting_user=coordinator,
            )
            actions.do_record_payout(
                case.defender,
                amount=report.approved_amount,
                paid_on=invoice.issue_date + timedelta(days=15),
                reports=[report],
                acting_user=coordinator,
            )
        elif i % 3 == 1:
            half = money.round_to_minor(invoice.total / 2, invoice.currency)
            actions.do_record_payment(
                invoice, amount=half, received_on=invoice.issue_date + timedelta(days=20), acting_user=coordinator
            )
    stdout.write(f"billing: {made} reports with their invoices, payments and payouts")
