"""Balances and ageing, computed from the stored (already rounded) amounts. Sums are only
normalised to the currency's minor unit (SQLite returns sums like 207.330000000000).

- An Advocate's balance, per currency: invoiced (issued, partly paid and paid invoices; never
  drafts or void ones) minus paid (payments received minus refunds paid back).
- A Defender's balance, per currency: approved amounts owed (approved reports) minus paid out.
- A payment, refund or payout that was reversed (recorded by mistake) counts nowhere: it stays
  in the records, with its ``Reversal``, and drops out of every sum.
- Ageing: the unpaid balance of each open invoice, by days since its ISSUE DATE on the day asked:
  0-30, 31-60, 61-90 and over 90 days.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from .money import round_to_minor
from .models import ISSUED_STATES, OPEN_STATES, Invoice, Payment, Payout, Refund, ReportStatus, TimeReport

BUCKETS = [("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None)]


def _zero():
    return {"invoiced": Decimal(0), "paid": Decimal(0), "balance": Decimal(0)}


def advocate_balances(advocate=None) -> dict:
    """{advocate_id: {currency: {"invoiced", "paid", "balance"}}}"""
    result: defaultdict[int, defaultdict[str, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(_zero))
    invoices = Invoice.objects.filter(state__in=ISSUED_STATES)
    payments = Payment.objects.filter(reversal__isnull=True)
    refunds = Refund.objects.filter(reversal__isnull=True)
    if advocate is not None:
        invoices = invoices.filter(advocate=advocate)
        payments = payments.filter(invoice__advocate=advocate)
        refunds = refunds.filter(invoice__advocate=advocate)
    for row in invoices.values("advocate_id", "currency").annotate(s=Sum("total")):
        result[row["advocate_id"]][row["currency"]]["invoiced"] += row["s"]
    for row in payments.values("invoice__advocate_id", "invoice__currency").annotate(s=Sum("amount")):
        result[row["invoice__advocate_id"]][row["invoice__currency"]]["paid"] += row["s"]
    for row in refunds.values("invoice__advocate_id", "invoice__currency").annotate(s=Sum("amount")):
        result[row["invoice__advocate_id"]][row["invoice__currency"]]["paid"] -= row["s"]
    for per_currency in result.values():
        for currency, figures in per_currency.items():
            for key in ("invoiced", "paid"):
                figures[key] = round_to_minor(figures[key], currency)
            figures["balance"] = figures["invoiced"] - figures["paid"]
    return {k: dict(v) for k, v in result.items()}


def defender_balances(defender=None) -> dict:
    """{defender_id: {currency: {"owed", "paid", "balance"}}}"""
    result: defaultdict[int, defaultdict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: {"owed": Decimal(0), "paid": Decimal(0), "balance": Decimal(0)})
    )
    reports = TimeReport.objects.filter(status=ReportStatus.APPROVED)
    payouts = Payout.objects.filter(reversal__isnull=True)
    if defender is not None:
        reports, payouts = reports.filter(defender=defender), payouts.filter(defender=defender)
    for row in reports.values("defender_id", "approved_amount_currency").annotate(s=Sum("approved_amount")):
        result[row["defender_id"]][row["approved_amount_currency"]]["owed"] += row["s"]
    for row in payouts.values("defender_id", "amount_currency").annotate(s=Sum("amount")):
        result[row["defender_id"]][row["amount_currency"]]["paid"] += row["s"]
    for per_currency in result.values():
        for currency, figures in per_currency.items():
            for key in ("owed", "paid"):
                figures[key] = round_to_minor(figures[key], currency)
            figures["balance"] = figures["owed"] - figures["paid"]
    return {k: dict(v) for k, v in result.items()}


def defender_balance(defender) -> dict:
    return defender_balances(defender).get(defender.pk, {})


def ageing(as_of) -> dict:
    """{currency: {"rows": [(invoice, days, bucket)], "totals": {bucket: amount}, "total": amount}}"""
    result: dict[str, dict] = {}
    invoices = (
        Invoice.objects.filter(state__in=OPEN_STATES).select_related("advocate__user").order_by("issue_date", "number")
    )
    for invoice in invoices:
        days = (as_of - invoice.issue_date).days
        bucket = (
            next(name for name, low, high in BUCKETS if days >= low and (high is None or days <= high))
            if days >= 0
            else "0_30"
        )
        per = result.setdefault(
            invoice.currency, {"rows": [], "totals": {b[0]: Decimal(0) for b in BUCKETS}, "total": Decimal(0)}
        )
        per["rows"].append((invoice, days, bucket))
        per["totals"][bucket] += invoice.balance
        per["total"] += invoice.balance
    return result
