"""Corrections under concurrency (PostgreSQL): two Coordinators correcting the same money at the
same moment, each in its own thread and connection. The row locks make one of them wait and then
see the other's correction."""

from datetime import date
from decimal import Decimal

import pytest
from puente.core.action_contract import ActionRefused
from djmoney.money import Money

from puente.billing import actions, ledger
from puente.billing.models import BillingSettings, Invoice, Payment, Payout, Refund, Reversal
from tests.factories import make_advocate, make_coordinator, make_defender_org, make_defender_user

from .helpers import make_case, make_rates, make_report
from .test_concurrency import _run_at_once, require_postgres  # noqa: F401  (the fixture is used by name)


def _paid_invoice():
    config = BillingSettings.load()
    config.charge_percent, config.charge_flat_usd = Decimal(0), Decimal(0)
    config.save()
    advocate, defender_org = make_advocate(), make_defender_org(country="GT")
    defender = make_defender_user(defender_org)
    make_rates()
    coordinators = [make_coordinator(), make_coordinator()]
    report = make_report(defender, make_case(advocate, defender_org), approve_by=coordinators[0])
    invoice = actions.do_issue_invoice(
        actions.do_create_invoice(advocate, [report], acting_user=coordinators[0]), acting_user=coordinators[0]
    )
    payment = actions.do_record_payment(
        invoice, amount=Decimal("150.00"), received_on=date(2026, 3, 10), acting_user=coordinators[0]
    )
    return coordinators, invoice, payment, defender_org, report


def _one_succeeded(errors, match):
    assert sum(e is None for e in errors) == 1, errors
    refused = [e for e in errors if e is not None]
    assert isinstance(refused[0], ActionRefused) and match in " ".join(refused[0].messages), refused


@pytest.mark.postgres
def test_the_same_payment_reversed_twice_at_once_is_reversed_once(require_postgres):  # noqa: F811 - the fixture, imported and requested by name
    coordinators, invoice, payment, _d, _r = _paid_invoice()
    _results, errors = _run_at_once(
        [
            (
                lambda c=c: actions.do_reverse_payment(
                    Payment.objects.get(pk=payment.pk), reason="duplicate", acting_user=c
                )
            )
            for c in coordinators
        ]
    )
    _one_succeeded(errors, "already been reversed")
    assert Reversal.objects.filter(payment=payment).count() == 1
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("0.00")


@pytest.mark.postgres
def test_two_refunds_at_once_cannot_together_exceed_what_was_paid(require_postgres):  # noqa: F811 - the fixture, imported and requested by name
    coordinators, invoice, _p, _d, _r = _paid_invoice()
    _results, errors = _run_at_once(
        [
            (
                lambda c=c: actions.do_record_refund(
                    Invoice.objects.get(pk=invoice.pk),
                    amount=Money("100.00", "USD"),
                    refunded_on=date(2026, 3, 20),
                    reason="overpaid",
                    acting_user=c,
                )
            )
            for c in coordinators
        ]
    )
    _one_succeeded(errors, "more than the 50.00 USD")
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("100.00")]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("50.00") == Decimal("150.00") - Decimal("100.00")


@pytest.mark.postgres
def test_the_same_payout_reversed_twice_at_once_is_reversed_once(require_postgres):  # noqa: F811 - the fixture, imported and requested by name
    coordinators, _i, _p, defender_org, report = _paid_invoice()
    payout = actions.do_record_payout(
        defender_org,
        amount=Money("275.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[report],
        acting_user=coordinators[0],
    )
    _results, errors = _run_at_once(
        [
            (
                lambda c=c: actions.do_reverse_payout(
                    Payout.objects.get(pk=payout.pk), reason="wrong account", acting_user=c
                )
            )
            for c in coordinators
        ]
    )
    _one_succeeded(errors, "already been reversed")
    assert Reversal.objects.filter(payout=payout).count() == 1
    assert ledger.defender_balance(defender_org)["GTQ"]["balance"] == Decimal("1275.00")
