from django.utils.translation import gettext_lazy as _

from puente.core.roles import has_perm


def items(user):
    entries = []
    if has_perm(user, "billing.report"):
        entries += [(_("My reports"), "billing:report_list"), (_("My payouts"), "billing:payout_list")]
    if has_perm(user, "billing.view_invoices_own"):
        entries.append((_("Invoices"), "billing:invoice_list"))
    if has_perm(user, "billing.manage"):
        entries += [
            (_("Hours and expenses"), "billing:report_list"),
            (_("Invoices"), "billing:invoice_list"),
            (_("Ledger"), "billing:ledger"),
        ]
    return entries
