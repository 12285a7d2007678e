"""Billing objects in the shared world: a case in reporting for w.advocate_profile and
w.defender_org, an approved report, an issued invoice with a payment and a refund, a payout,
and one report of each other state the views act on (a draft, a submitted and a returned one)."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money

from puente.billing import actions

from .helpers import PNG, make_case, make_rates, make_report


def extend(w):
    # Its own case: the shared world's case signed its contract today, after these entries' dates.
    case = make_case(w.advocate_profile, w.defender_org, coordinator=w.coordinator, defender_user=w.defender)
    w.billing_case = case
    make_rates()
    w.report = make_report(w.defender, case, approve_by=w.coordinator)
    w.draft_report = make_report(w.defender, case, submit=False)
    w.expense = actions.do_add_expense(
        w.draft_report,
        date=date(2026, 2, 12),
        category="copies",
        amount=Money("35.00", "GTQ"),
        description="Copias del acta",
        receipt=SimpleUploadedFile("acta_Tzoc.png", PNG, content_type="image/png"),
        acting_user=w.defender,
    )
    w.entry = w.draft_report.entries.first()
    w.submitted_report = make_report(w.defender, case)
    w.invoice = actions.do_create_invoice(w.advocate_profile, [w.report], acting_user=w.coordinator)
    w.invoice = actions.do_issue_invoice(w.invoice, acting_user=w.coordinator)
    w.payment = actions.do_record_payment(
        w.invoice, amount=Decimal("10.00"), received_on=date(2026, 3, 1), acting_user=w.coordinator
    )
    w.refund = actions.do_record_refund(
        w.invoice,
        amount=Money("2.00", "USD"),
        refunded_on=date(2026, 3, 3),
        reason="Paid twice for the courier",
        acting_user=w.coordinator,
    )
    w.invoice.refresh_from_db()
    w.returned_report = actions.do_return_report(
        make_report(w.defender, case), comment="Falta el recibo del bus", acting_user=w.coordinator
    )
    w.payout = actions.do_record_payout(
        w.defender_org,
        amount=Money("100.00", "GTQ"),
        paid_on=date(2026, 3, 2),
        reports=[w.report],
        acting_user=w.coordinator,
    )
    # A second approved report, invoiced only as a draft (drafts are Coordinator-only).
    w.report_2 = make_report(w.defender, case, approve_by=w.coordinator)
    w.draft_invoice = actions.do_create_invoice(w.advocate_profile, [w.report_2], acting_user=w.coordinator)
