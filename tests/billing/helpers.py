"""Builders for billing tests: real cases with a Case Facilitation Contract signed by all three
parties (through the cases app's own actions), reports, invoices, rates."""

import datetime
from datetime import date
from decimal import Decimal

import time_machine
from django.utils import timezone
from djmoney.money import Money

from puente.billing import actions
from puente.billing.models import ExchangeRate
from puente.cases import actions as case_actions
from puente.cases.models import Case, CaseState
from puente.network.models import User
from tests.cases.helpers import sign_agreement, sign_all, submit
from tests.factories import make_coordinator, make_defender_user

# A valid 1x1 PNG: a receipt photo as far as sniffing is concerned.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: The day the test cases' first contract version is signed by all three parties.
SIGNED_ON = date(2026, 1, 15)


def _at(day: date):
    """Travel to ``day`` at 10:00 local time (contracts are signed in the past of the entries)."""
    return time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))), tick=False)


def _parties(defender_org, coordinator=None, defender_user=None):
    coordinator = coordinator or User.objects.filter(role="coordinator", is_active=True).order_by("pk").first()
    coordinator = coordinator or make_coordinator()
    defender_user = defender_user or defender_org.users.filter(is_active=True).order_by("pk").first()
    defender_user = defender_user or make_defender_user(defender_org)
    return coordinator, defender_user


def make_case(advocate, defender_org, state="reporting", *, signed_on=SIGNED_ON, coordinator=None, defender_user=None):
    """A real case: requested by ``advocate``, assigned to ``defender_org``, its contract version 1
    (the Defender's profile rate and the network's fee from the billing settings, as the cases
    app generates it) signed by all three parties on ``signed_on``; then in ``state`` (a case in
    evaluation or closed is set there directly: it stands for one billed before the test)."""
    coordinator, defender_user = _parties(defender_org, coordinator, defender_user)
    with _at(signed_on):
        if not advocate.has_signed_agreement:
            sign_agreement(advocate)
        case = submit(advocate)
        case_actions.do_transition(case, CaseState.IN_REVIEW, acting_user=coordinator)
        case_actions.do_assign_defender(case, defender_org, acting_user=coordinator, note="")
        case.refresh_from_db()
        sign_all(case, coordinator, advocate.user, defender_user)
        if state != CaseState.ACTIVE:
            for task in case.tasks.all():
                case_actions.do_update_task(task, acting_user=defender_user, status="done")
            case_actions.do_transition(case, CaseState.REPORTING, acting_user=coordinator)
    if state not in (CaseState.ACTIVE, CaseState.REPORTING):
        Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


def set_terms(
    case,
    *,
    on,
    hourly_rate=None,
    fee_percent=None,
    fee_flat=None,
    hours_cap=None,
    expenses_cap=None,
    coordinator=None,
    defender_user=None,
):
    """A new contract version with these terms (through ``cases.actions.do_edit_terms``), signed by
    all three parties on ``on``. ``hourly_rate`` defaults to the current version's."""
    coordinator, defender_user = _parties(case.defender, coordinator, defender_user)
    with _at(on):
        latest = case_actions.latest_version(case)
        case_actions.do_edit_terms(
            case,
            acting_user=coordinator,
            hourly_rate=hourly_rate or latest.hourly_rate,
            fee_percent=fee_percent,
            fee_flat=fee_flat,
            hours_cap=hours_cap,
            expenses_cap=expenses_cap,
            note="New terms",
        )
        sign_all(case, coordinator, case.advocate.user, defender_user)
    case.refresh_from_db()
    return case_actions.latest_version(case)


def no_fee(case, on=date(2026, 1, 20)):
    """Contract version 2 of ``case``: the same rate, no network fee."""
    return set_terms(case, on=on, fee_percent=None, fee_flat=None)


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


def make_report(
    defender_user,
    case,
    hours=("4.50",),
    expenses=(("150.00", "GTQ"),),
    submit=True,
    approve_by=None,
    on=date(2026, 2, 10),
):
    report = actions.do_create_report(case, acting_user=defender_user)
    for h in hours:
        actions.do_add_entry(
            report, date=on, hours=Decimal(h), description="Entrevista con la clienta", acting_user=defender_user
        )
    for amount, currency in expenses:
        actions.do_add_expense(
            report,
            date=on + datetime.timedelta(days=1),
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
