"""What each user may see in billing, as querysets. Views fetch objects only through these, so
another party's object is a 404.

- Coordinators: everything.
- A Defender: its own reports (every version) and its own payouts. Never an invoice, a payment,
  or the network's charge to the Advocate.
- An Advocate: its own issued invoices (never drafts), the payments and refunds on them (and
  whether they were reversed). Never a Defender's report or payout.
"""

from puente.cases.access import visible_cases

from .actions import REPORTABLE_CASE_STATES
from .models import Expense, Invoice, InvoiceState, Payment, Payout, Refund, TimeReport


def visible_reports(user):
    qs = TimeReport.objects.select_related("case", "defender")
    if user.is_coordinator:
        return qs
    if user.is_defender and user.defender_id:
        return qs.filter(defender_id=user.defender_id)
    return qs.none()


def visible_expenses(user):
    return Expense.objects.filter(report__in=visible_reports(user))


def reportable_cases(user):
    """Cases the Defender may file a report on: assigned to it, active or in reporting."""
    cases = visible_cases(user)
    if not (user.is_defender and user.defender_id):
        return cases.none()
    return cases.filter(defender_id=user.defender_id, state__in=REPORTABLE_CASE_STATES)


def visible_invoices(user):
    qs = Invoice.objects.select_related("advocate__user")
    if user.is_coordinator:
        return qs
    if user.is_advocate and hasattr(user, "advocate"):
        return qs.filter(advocate=user.advocate).exclude(state=InvoiceState.DRAFT)
    return qs.none()


def visible_payments(user):
    return Payment.objects.filter(invoice__in=visible_invoices(user)).select_related("invoice")


def visible_refunds(user):
    return Refund.objects.filter(invoice__in=visible_invoices(user)).select_related("invoice")


def visible_payouts(user):
    qs = Payout.objects.select_related("defender")
    if user.is_coordinator:
        return qs
    if user.is_defender and user.defender_id:
        return qs.filter(defender_id=user.defender_id)
    return qs.none()
