"""Builders for billing tests: a case in reporting, reports, invoices, rates."""

import itertools
from datetime import date
from decimal import Decimal

from djmoney.money import Money

from puente.billing import actions
from puente.billing.models import ExchangeRate

_seq = itertools.count(1)
# A valid 1x1 PNG: a receipt photo as far as sniffing is concerned.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_case(advocate, defender, state="reporting"):
    from puente.cases.models import Case
    from puente.locate.models import Person

    n = next(_seq)
    client = Person.objects.create(given_names="María Guadalupe", surname_1="Tzoc", surname_2="Xol", country="GT")
    return Case.objects.create(
        reference=f"BIL-{n:04d}",
        advocate=advocate,
        defender=defender,
        client=client,
        state=state,
        claim_type="wage_hour",
    )


def make_rates(on=date(2025, 1, 1)):
    for src, rate in {"GTQ": "0.1300", "MXN": "0.0550", "HNL": "0.0400", "NIO": "0.0270"}.items():
        ExchangeRate.objects.get_or_create(
            from_currency=src, to_currency="USD", effective_date=on, defaults={"rate": Decimal(rate)}
        )
    ExchangeRate.objects.get_or_create(
        from_currency="USD", to_currency="CAD", effective_date=on, defaults={"rate": Decimal("1.3800")}
    )
    ExchangeRate.objects.get_or_create(
        from_currency="GTQ", to_currency="CAD", effective_date=on, defaults={"rate": Decimal("0.1790")}
    )


def make_report(defender_user, case, hours=("4.50",), expenses=(("150.00", "GTQ"),), submit=True, approve_by=None):
    report = actions.do_create_report(case, acting_user=defender_user)
    for h in hours:
        actions.do_add_entry(
            report,
            date=date(2026, 2, 10),
            hours=Decimal(h),
            description="Entrevista con la clienta",
            acting_user=defender_user,
        )
    for amount, currency in expenses:
        actions.do_add_expense(
            report,
            date=date(2026, 2, 11),
            category="travel",
            amount=Money(amount, currency),
            description="Bus Huehuetenango",
            acting_user=defender_user,
        )
    if submit:
        report = actions.do_submit_report(report, acting_user=defender_user)
    if approve_by is not None:
        report = actions.do_approve_report(report, acting_user=approve_by)
    report.refresh_from_db()
    return report
