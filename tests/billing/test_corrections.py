"""Correcting money records: refunds to the Advocate and reversals of payments, refunds and payouts
recorded by mistake. Nothing is edited or deleted; the sums (invoice, ledger, ageing) follow.

Expected figures are written out from the amounts the tests record, not read back from the code
under test. With no facilitation charge, one default report is 4.5 h x 250 GTQ + 150 GTQ =
1275.00 GTQ, invoiced at 0.13 as 146.25 + 19.50 = 165.75 USD."""

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from puente.core.action_contract import ActionRefused
from django.db import connection
from django.test import Client
from django.urls import reverse
from djmoney.money import Money

from puente.core import audit
from puente.billing import actions, ledger
from puente.billing.models import InvoiceState, Payment, Payout, Refund, Reversal

from .helpers import make_report, no_fee

TOTAL = Decimal("165.75")


@pytest.fixture
def inv(b):
    """b with an issued USD invoice of 165.75 (no charges), issued 2026-03-01."""
    no_fee(b.case)
    b.report = make_report(b.defender, b.case, approve_by=b.coordinator)
    b.invoice = actions.do_issue_invoice(
        actions.do_create_invoice(b.advocate, [b.report], acting_user=b.coordinator),
        on=date(2026, 3, 1),
        acting_user=b.coordinator,
    )
    assert b.invoice.total == TOTAL
    return b


def _pay(b, amount, on=date(2026, 3, 10)):
    return actions.do_record_payment(b.invoice, amount=Decimal(amount), received_on=on, acting_user=b.coordinator)


def _refund(b, amount, currency="USD", on=date(2026, 3, 20), reason="Pagó el envío dos veces", **kw):
    return actions.do_record_refund(
        b.invoice, amount=Money(amount, currency), refunded_on=on, reason=reason, **kw, acting_user=b.coordinator
    )


def _state(b):
    b.invoice.refresh_from_db()
    return b.invoice.state, b.invoice.amount_paid, b.invoice.balance


# --- refunds -------------------------------------------------------------------------------------


def test_a_refund_lowers_what_is_paid_and_the_balance_is_owed_again(inv):
    b = inv
    _pay(b, "165.75")
    assert _state(b) == (InvoiceState.PAID, TOTAL, Decimal("0.00"))
    refund = _refund(b, "40.00", method=Payment.Method.CHECK, reference="CHK-881")
    assert (refund.amount, refund.refunded_on, refund.method, refund.reference) == (
        Decimal("40.00"),
        date(2026, 3, 20),
        "check",
        "CHK-881",
    )
    # 165.75 paid - 40.00 refunded = 125.75; 165.75 - 125.75 = 40.00 owed.
    assert _state(b) == (InvoiceState.PARTLY_PAID, Decimal("125.75"), Decimal("40.00"))
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"] == {
        "invoiced": Decimal("165.75"),
        "paid": Decimal("125.75"),
        "balance": Decimal("40.00"),
    }
    # The invoice is back in the ageing report, aged from its issue date (2026-03-01 -> 2026-04-15: 45 days).
    usd = ledger.ageing(date(2026, 4, 15))["USD"]
    assert [(i.pk, days, bucket) for i, days, bucket in usd["rows"]] == [(b.invoice.pk, 45, "31_60")]
    assert usd["totals"]["31_60"] == Decimal("40.00") and usd["total"] == Decimal("40.00")


def test_refunds_together_never_exceed_what_was_paid(inv):
    b = inv
    _pay(b, "100.00")
    _pay(b, "20.50")
    _refund(b, "70.00")
    with pytest.raises(ActionRefused, match="50.50 USD"):
        _refund(b, "50.51")  # 100.00 + 20.50 - 70.00 = 50.50 left
    _refund(b, "50.50")
    assert _state(b) == (InvoiceState.ISSUED, Decimal("0.00"), TOTAL)
    with pytest.raises(ActionRefused, match="more than"):
        _refund(b, "0.01")
    assert Refund.objects.filter(invoice=b.invoice).count() == 2


def test_a_refund_must_be_in_the_invoice_currency(inv):
    b = inv
    _pay(b, "100.00")
    with pytest.raises(ActionRefused) as exc:
        _refund(b, "10.00", currency="CAD")
    assert "USD" in exc.value.message_dict["amount"][0]
    with pytest.raises(ActionRefused):
        _refund(b, "10.00", currency="GTQ")
    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5", "1.005"])
def test_a_refund_amount_is_positive_with_two_decimals(inv, amount):
    _pay(inv, "100.00")
    with pytest.raises(ActionRefused) as exc:
        _refund(inv, amount)
    assert "amount" in exc.value.message_dict
    assert not Refund.objects.exists()


def test_a_refund_needs_a_reason_a_coordinator_and_a_known_method(inv):
    b = inv
    _pay(b, "100.00")
    with pytest.raises(ActionRefused) as exc:
        _refund(b, "10.00", reason=" ")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ActionRefused, match="You may not do this"):
        actions.do_record_refund(
            b.invoice, amount=Money("10", "USD"), refunded_on=date(2026, 3, 20), reason="x", acting_user=b.advocate.user
        )
    with pytest.raises(ActionRefused) as exc:
        _refund(b, "10.00", method="cash-in-envelope")
    assert "method" in exc.value.message_dict
    assert not Refund.objects.exists()
    assert _state(b)[1] == Decimal("100.00")


def test_no_refund_on_an_unpaid_a_draft_or_a_void_invoice(inv):
    b = inv
    with pytest.raises(ActionRefused, match="more than the 0.00 USD"):
        _refund(b, "1.00")  # issued, nothing paid
    draft = actions.do_create_invoice(
        b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
    )
    with pytest.raises(ActionRefused, match="not an issued invoice"):
        actions.do_record_refund(
            draft, amount=Money("1", "USD"), refunded_on=date(2026, 3, 20), reason="x", acting_user=b.coordinator
        )
    actions.do_void_invoice(b.invoice, reason="wrong Advocate", replace=False, acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="not an issued invoice"):
        _refund(b, "1.00")


def test_refunded_in_full_the_invoice_can_be_voided(inv):
    b = inv
    _pay(b, "165.75")
    with pytest.raises(ActionRefused, match="Payments"):
        actions.do_void_invoice(b.invoice, reason="case cancelled", replace=False, acting_user=b.coordinator)
    _refund(b, "165.75")
    actions.do_void_invoice(b.invoice, reason="case cancelled", replace=False, acting_user=b.coordinator)
    assert _state(b)[0] == InvoiceState.VOID
    assert ledger.advocate_balances().get(b.advocate.pk, {}).get("USD", {}).get("balance", Decimal(0)) == 0


# --- reversals of Advocate payments and refunds ---------------------------------------------------


def test_reversing_a_payment_keeps_it_and_takes_it_out_of_every_sum(inv):
    b = inv
    good = _pay(b, "100.00")
    wrong = _pay(b, "65.75", on=date(2026, 3, 12))
    assert _state(b)[0] == InvoiceState.PAID
    reversal = actions.do_reverse_payment(
        wrong, reason="Was for PU-00002", reversed_on=date(2026, 3, 15), acting_user=b.coordinator
    )
    assert (
        reversal.payment == wrong
        and reversal.money == Money("65.75", "USD")
        and reversal.reversed_on == date(2026, 3, 15)
    )
    # The original is still there, unchanged.
    assert Payment.objects.filter(invoice=b.invoice).count() == 2
    assert Payment.objects.get(pk=wrong.pk).amount == Decimal("65.75")
    assert _state(b) == (InvoiceState.PARTLY_PAID, Decimal("100.00"), Decimal("65.75"))
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"] == {
        "invoiced": Decimal("165.75"),
        "paid": Decimal("100.00"),
        "balance": Decimal("65.75"),
    }
    assert ledger.ageing(date(2026, 3, 31))["USD"]["total"] == Decimal("65.75")
    # The 65.75 can be recorded again, correctly.
    _pay(b, "65.75", on=date(2026, 3, 16))
    assert _state(b)[0] == InvoiceState.PAID
    actions.do_reverse_payment(good, reason="bounced check", acting_user=b.coordinator)
    assert _state(b) == (InvoiceState.PARTLY_PAID, Decimal("65.75"), Decimal("100.00"))


def test_a_payment_is_reversed_once_and_not_before_it_was_received(inv):
    b = inv
    payment = _pay(b, "50.00", on=date(2026, 3, 10))
    with pytest.raises(ActionRefused) as exc:
        actions.do_reverse_payment(payment, reason="typo", reversed_on=date(2026, 3, 9), acting_user=b.coordinator)
    assert "reversed_on" in exc.value.message_dict
    with pytest.raises(ActionRefused) as exc:
        actions.do_reverse_payment(payment, reason="", acting_user=b.coordinator)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ActionRefused, match="You may not do this"):
        actions.do_reverse_payment(payment, reason="typo", acting_user=b.defender)
    assert not Reversal.objects.exists()
    actions.do_reverse_payment(payment, reason="typo", reversed_on=date(2026, 3, 10), acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="already been reversed"):
        actions.do_reverse_payment(payment, reason="typo again", acting_user=b.coordinator)
    assert Reversal.objects.count() == 1 and _state(b) == (InvoiceState.ISSUED, Decimal("0.00"), TOTAL)


def test_a_payment_with_money_refunded_against_it_cannot_be_reversed_before_the_refund(inv):
    b = inv
    payment = _pay(b, "100.00")
    refund = _refund(b, "30.00")
    with pytest.raises(ActionRefused, match="reverse the refund first"):
        actions.do_reverse_payment(payment, reason="wrong invoice", acting_user=b.coordinator)
    actions.do_reverse_refund(refund, reason="the refund was never sent", acting_user=b.coordinator)
    assert _state(b) == (InvoiceState.PARTLY_PAID, Decimal("100.00"), Decimal("65.75"))
    actions.do_reverse_payment(payment, reason="wrong invoice", acting_user=b.coordinator)
    assert _state(b) == (InvoiceState.ISSUED, Decimal("0.00"), TOTAL)
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"]["paid"] == Decimal("0.00")


def test_reversing_a_refund_cannot_count_more_paid_than_the_total(inv):
    b = inv
    _pay(b, "165.75")
    refund = _refund(b, "30.00")
    _pay(b, "30.00")  # the Advocate paid the refunded amount again
    assert _state(b) == (InvoiceState.PAID, TOTAL, Decimal("0.00"))
    with pytest.raises(ActionRefused, match="more paid than the invoice"):
        actions.do_reverse_refund(refund, reason="never sent", acting_user=b.coordinator)
    # 165.75 + 30.00 - 30.00 = 165.75: unchanged, and the refund is not reversed.
    assert _state(b)[1] == TOTAL and not Refund.objects.get(pk=refund.pk).is_reversed
    with pytest.raises(ActionRefused, match="reversal cannot be dated before"):
        actions.do_reverse_refund(refund, reason="x", reversed_on=date(2026, 3, 19), acting_user=b.coordinator)


def test_no_correction_on_a_void_invoice(inv):
    b = inv
    payment = _pay(b, "10.00")
    refund = _refund(b, "10.00")
    actions.do_void_invoice(b.invoice, reason="wrong Advocate", replace=False, acting_user=b.coordinator)
    for fn, record in ((actions.do_reverse_payment, payment), (actions.do_reverse_refund, refund)):
        with pytest.raises(ActionRefused, match="not an issued invoice"):
            fn(record, reason="x", acting_user=b.coordinator)
    assert not Reversal.objects.exists()


def test_a_balance_after_many_corrections_equals_the_sum_of_what_stands(inv):
    b = inv
    p1, p2, p3 = _pay(b, "50.00"), _pay(b, "70.25"), _pay(b, "45.50")
    r1 = _refund(b, "12.10")
    r2 = _refund(b, "8.00")
    actions.do_reverse_payment(p2, reason="duplicate entry", acting_user=b.coordinator)
    actions.do_reverse_refund(r1, reason="never sent", acting_user=b.coordinator)
    # Standing: p1 50.00 + p3 45.50 - r2 8.00 = 87.50 (p2 and r1 reversed).
    expected_paid = Decimal("50.00") + Decimal("45.50") - Decimal("8.00")
    assert _state(b) == (InvoiceState.PARTLY_PAID, expected_paid, TOTAL - expected_paid)
    assert ledger.advocate_balances(b.advocate)[b.advocate.pk]["USD"]["paid"] == expected_paid
    assert actions.net_paid(b.invoice) == expected_paid
    assert {p1.is_reversed, p3.is_reversed} == {False} and Payment.objects.get(pk=p2.pk).is_reversed
    assert Refund.objects.get(pk=r1.pk).is_reversed and not Refund.objects.get(pk=r2.pk).is_reversed


# --- reversal of a payout to a Defender -----------------------------------------------------------


def test_reversing_a_payout_makes_the_amount_owed_again(inv):
    b = inv
    right = actions.do_record_payout(
        b.defender_org,
        amount=Money("275.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    wrong = actions.do_record_payout(
        b.defender_org,
        amount=Money("1000.00", "GTQ"),
        paid_on=date(2026, 3, 3),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    assert ledger.defender_balance(b.defender_org)["GTQ"]["balance"] == Decimal("0.00")
    with pytest.raises(ActionRefused, match="more than"):
        actions.do_record_payout(
            b.defender_org,
            amount=Money("1.00", "GTQ"),
            paid_on=date(2026, 3, 4),
            reports=[b.report],
            acting_user=b.coordinator,
        )
    reversal = actions.do_reverse_payout(
        wrong, reason="Sent to the wrong account", reversed_on=date(2026, 3, 5), acting_user=b.coordinator
    )
    assert reversal.money == Money("1000.00", "GTQ")
    assert Payout.objects.filter(defender=b.defender_org).count() == 2  # kept
    # 1275.00 approved - 275.00 paid (the 1000.00 no longer counts) = 1000.00.
    assert ledger.defender_balance(b.defender_org)["GTQ"] == {
        "owed": Decimal("1275.00"),
        "paid": Decimal("275.00"),
        "balance": Decimal("1000.00"),
    }
    actions.do_record_payout(
        b.defender_org,
        amount=Money("1000.00", "GTQ"),
        paid_on=date(2026, 3, 6),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    assert ledger.defender_balance(b.defender_org)["GTQ"]["balance"] == Decimal("0.00")
    with pytest.raises(ActionRefused, match="already been reversed"):
        actions.do_reverse_payout(wrong, reason="again", acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="reversal cannot be dated before"):
        actions.do_reverse_payout(right, reason="x", reversed_on=date(2026, 3, 1), acting_user=b.coordinator)
    with pytest.raises(ActionRefused, match="You may not do this"):
        actions.do_reverse_payout(right, reason="x", acting_user=b.defender)
    assert not Payout.objects.get(pk=right.pk).is_reversed


def test_a_reversal_reverses_exactly_one_record_in_the_database(inv):
    from django.db import IntegrityError, transaction

    payment = _pay(inv, "10.00")
    payout = actions.do_record_payout(
        inv.defender_org,
        amount=Money("1.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[inv.report],
        acting_user=inv.coordinator,
    )
    for fields in ({}, {"payment": payment, "payout": payout}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Reversal.objects.create(reversed_on=date(2026, 3, 3), reason="x", **fields)


# --- audit ---------------------------------------------------------------------------------------


def test_corrections_are_in_the_audit_history_as_the_coordinators(inv):
    b = inv
    _pay(b, "100.00")
    refund = _refund(b, "20.00", reason="Devolución a María Tzoc")
    reversal = actions.do_reverse_refund(refund, reason="Nunca se envió a Tzoc", acting_user=b.coordinator)
    payout = actions.do_record_payout(
        b.defender_org,
        amount=Money("5.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    payout_reversal = actions.do_reverse_payout(payout, reason="wrong", acting_user=b.coordinator)
    for obj in (refund, reversal, payout_reversal):
        entry = LogEntry.objects.get_for_object(obj).get()
        assert entry.action == LogEntry.Action.CREATE and entry.actor == b.coordinator
        assert entry.changes_dict["reason"][1].startswith(audit.SEALED) and "Tzoc" not in str(entry.changes)
    # The invoice's paid amount changes are logged as well: 100.00 -> 80.00 -> 100.00.
    paid = [
        e.changes_dict["amount_paid"][1]
        for e in LogEntry.objects.get_for_object(b.invoice).order_by("pk")
        if "amount_paid" in e.changes_dict
    ]
    assert paid[-3:] == ["100.00", "80.00", "100.00"]
    # Free text is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM billing_refund WHERE id = %s", [refund.pk])
        assert "Tzoc" not in cursor.fetchone()[0]


# --- pages ---------------------------------------------------------------------------------------


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def test_coordinator_refunds_and_reverses_from_the_invoice_page(inv):
    b = inv
    payment = _pay(b, "165.75")
    c = _client(b.coordinator)
    page = c.get(reverse("billing:invoice_detail", args=[b.invoice.pk])).content.decode()
    assert 'id="refund-form"' in page and f'id="reverse-payment-{payment.pk}"' in page
    response = c.post(
        reverse("billing:refund_add", args=[b.invoice.pk]),
        {
            "amount": "15.75",
            "currency": "USD",
            "refunded_on": "2026-03-20",
            "method": "transfer",
            "reference": "TRF-1",
            "reason": "Overpaid the courier",
        },
    )
    assert response.status_code == 302
    assert _state(b) == (InvoiceState.PARTLY_PAID, Decimal("150.00"), Decimal("15.75"))
    # Too much, or the wrong currency: refused with the reason shown, nothing written.
    for data in ({"amount": "150.01", "currency": "USD"}, {"amount": "1.00", "currency": "CAD"}):
        response = c.post(
            reverse("billing:refund_add", args=[b.invoice.pk]),
            {**data, "refunded_on": "2026-03-21", "method": "transfer", "reason": "x"},
            follow=True,
        )
        assert "more than" in response.content.decode() or "currency" in response.content.decode()
    assert Refund.objects.count() == 1
    refund = Refund.objects.get()
    c.post(
        reverse("billing:refund_reverse", args=[b.invoice.pk, refund.pk]),
        {"reversed_on": "2026-03-22", "reason": "never sent"},
    )
    c.post(
        reverse("billing:payment_reverse", args=[b.invoice.pk, payment.pk]),
        {"reversed_on": "2026-03-22", "reason": "wrong invoice"},
    )
    assert _state(b) == (InvoiceState.ISSUED, Decimal("0.00"), TOTAL)
    page = c.get(reverse("billing:invoice_detail", args=[b.invoice.pk])).content.decode()
    assert "wrong invoice" in page and "never sent" in page and f'id="reverse-payment-{payment.pk}"' not in page


def test_a_payment_of_another_invoice_cannot_be_reversed_through_this_one(inv):
    b = inv
    other = actions.do_issue_invoice(
        actions.do_create_invoice(
            b.advocate, [make_report(b.defender, b.case, approve_by=b.coordinator)], acting_user=b.coordinator
        ),
        acting_user=b.coordinator,
    )
    payment = actions.do_record_payment(
        other, amount=Decimal("5.00"), received_on=date(2026, 3, 10), acting_user=b.coordinator
    )
    response = _client(b.coordinator).post(
        reverse("billing:payment_reverse", args=[b.invoice.pk, payment.pk]),
        {"reversed_on": "2026-03-22", "reason": "x"},
    )
    assert response.status_code == 404 and not Reversal.objects.exists()


def test_the_advocate_sees_refunds_and_reversals_but_not_the_reasons_nor_the_forms(inv):
    b = inv
    payment = _pay(b, "100.00")
    _pay(b, "20.00")
    _refund(b, "12.34", reason="Nota interna sobre Tzoc")
    actions.do_reverse_payment(payment, reason="Registrado en la factura equivocada", acting_user=b.coordinator)
    html = _client(b.advocate.user).get(reverse("billing:invoice_detail", args=[b.invoice.pk])).content.decode()
    assert "12.34" in html and "Reversed" in html
    assert "Tzoc" not in html and "equivocada" not in html
    assert "refund-form" not in html and "reverse-payment" not in html


def test_the_defender_sees_a_reversed_payout_in_spanish_and_the_right_balance(inv):
    b = inv
    payout = actions.do_record_payout(
        b.defender_org,
        amount=Money("775.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    actions.do_reverse_payout(
        payout, reason="Cuenta equivocada", reversed_on=date(2026, 3, 5), acting_user=b.coordinator
    )
    html = _client(b.defender).get(reverse("billing:payout_list")).content.decode()
    assert "Revertido" in html and "por error" in html
    assert "Cuenta equivocada" not in html and "reverse-payout" not in html
    # Still owed: 1275,00 approved, nothing counted as paid.
    assert "1275,00" in html
    page = _client(b.coordinator).get(reverse("billing:payout_list")).content.decode()
    assert "Cuenta equivocada" in page


def test_coordinator_reverses_a_payout_from_the_payouts_page(inv):
    b = inv
    payout = actions.do_record_payout(
        b.defender_org,
        amount=Money("775.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    c = _client(b.coordinator)
    assert f'id="reverse-payout-{payout.pk}"' in c.get(reverse("billing:payout_list")).content.decode()
    c.post(reverse("billing:payout_reverse", args=[payout.pk]), {"reversed_on": "2026-03-01", "reason": "x"})
    assert not Payout.objects.get(pk=payout.pk).is_reversed  # dated before the payout: refused
    c.post(
        reverse("billing:payout_reverse", args=[payout.pk]), {"reversed_on": "2026-03-03", "reason": "wrong account"}
    )
    assert Payout.objects.get(pk=payout.pk).is_reversed
    assert ledger.defender_balance(b.defender_org)["GTQ"]["balance"] == Decimal("1275.00")


def test_exports_show_refunds_and_reversal_dates(inv):
    import csv
    import io

    b = inv
    _pay(b, "100.00", on=date(2026, 3, 10))
    _refund(b, "25.00", on=date(2026, 3, 11))
    actions.do_reverse_payment(
        _pay(b, "5.00", on=date(2026, 3, 12)), reason="dup", reversed_on=date(2026, 3, 13), acting_user=b.coordinator
    )
    payout = actions.do_record_payout(
        b.defender_org,
        amount=Money("5.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[b.report],
        acting_user=b.coordinator,
    )
    actions.do_reverse_payout(payout, reason="x", reversed_on=date(2026, 3, 4), acting_user=b.coordinator)
    c = _client(b.coordinator)
    period = {"start": "2026-03-01", "end": "2026-03-31"}

    def rows(kind):
        return list(csv.reader(io.StringIO(c.get(reverse("billing:export", args=[kind]), period).content.decode())))

    payments = rows("payments")
    assert payments[0][-1] == "reversed_on"
    assert [(r[1], r[2], r[-1]) for r in payments[1:]] == [
        ("2026-03-10", "100.00", ""),
        ("2026-03-12", "5.00", "2026-03-13"),
    ]
    refunds = rows("refunds")
    assert [(r[1], r[2], r[3]) for r in refunds[1:]] == [("2026-03-11", "25.00", "USD")]
    payouts = rows("payouts")
    assert payouts[1][0] == "2026-03-02" and payouts[1][-1] == "2026-03-04"
