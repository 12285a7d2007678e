import io

from puente.billing import demo
from puente.billing.models import ExchangeRate, Invoice, Payment, Payout, TimeReport

from .helpers import make_case


def test_demo_is_idempotent_and_bills_cases_past_reporting(b):
    cases = [make_case(b.advocate, b.defender_org, state=s) for s in ("reporting", "reporting", "evaluation", "closed")]
    demo.load(io.StringIO())
    counts = [m.objects.count() for m in (ExchangeRate, TimeReport, Invoice, Payment, Payout)]
    demo.load(io.StringIO())
    assert [m.objects.count() for m in (ExchangeRate, TimeReport, Invoice, Payment, Payout)] == counts
    assert TimeReport.objects.filter(case__in=cases).count() == 4
    closed = Invoice.objects.filter(lines__report__case=cases[3], state="paid").distinct().get()
    assert closed.amount_paid == closed.total and Payout.objects.filter(reports__case=cases[3]).exists()
    assert not Invoice.objects.filter(lines__report__case__in=cases[:2]).exists()
