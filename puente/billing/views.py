"""Views of the billing app: thin; rules live in actions.py, money.py and ledger.py."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djmoney.money import Money

from puente.core.access import get_visible_or_404, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal
from puente.core import tabular
from puente.core.storage import serve_private_file
from puente.network.access import visible_advocates, visible_defenders

from . import actions, ledger
from .access import (
    reportable_cases,
    visible_expenses,
    visible_invoices,
    visible_payments,
    visible_payouts,
    visible_refunds,
    visible_reports,
)
from .forms import (
    ExpenseForm,
    InvoiceChargeForm,
    NewInvoiceForm,
    PaymentForm,
    PayoutForm,
    PeriodForm,
    RateForm,
    RefundForm,
    ReversalForm,
    ReviewForm,
    SettingsForm,
    TimeEntryForm,
    VoidForm,
    WithdrawForm,
)
from .models import ISSUED_STATES, BillingSettings, ExchangeRate, InvoiceState, ReportStatus, TimeReport

REPORTERS = ("billing.report", "billing.manage")
INVOICE_READERS = ("billing.manage", "billing.view_invoices_own")


def _form_errors(form) -> str:
    """A form's own validation errors as one message, for POSTs that redirect back to a page."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


# --- reports ---------------------------------------------------------------------------------


@require_perm(*REPORTERS)
def report_list(request):
    reports = visible_reports(request.user)
    status = request.GET.get("status", "")
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    return render(
        request,
        "billing/report_list.html",
        {
            "reports": reports[:300],
            "statuses": ReportStatus.choices,
            "status": status,
            "cases": reportable_cases(request.user).select_related("advocate__user")
            if request.user.is_defender
            else [],
        },
    )


@require_perm("billing.report")
@require_POST
def report_new(request, case_pk):
    case = get_visible_or_404(reportable_cases(request.user), pk=case_pk)
    try:
        report = actions.do_create_report(case, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
        return redirect("billing:report_list")
    return redirect("billing:report_detail", pk=report.pk)


@require_perm(*REPORTERS)
def report_detail(request, pk):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    return _report_page(request, report)


def _report_page(request, report, *, entry_form=None, expense_form=None, status=200):
    """The report page; ``entry_form``/``expense_form``: a bound form sent back with its errors
    (a refused action's on the field it names, ``add_refusal``)."""
    mine = request.user.is_defender
    preview, preview_error = None, ""
    if request.user.is_coordinator and report.status == ReportStatus.SUBMITTED:
        # What approving would fix as owed to the Defender, at today's rates.
        try:
            preview, _rates = actions.report_amount(report, str(report.hourly_rate.currency), timezone.localdate())
        except ValidationError as exc:  # money.MissingRate: no exchange rate in force yet
            preview_error = " ".join(exc.messages)
    return render(
        request,
        "billing/report_detail.html",
        {
            "preview": preview,
            "preview_error": preview_error,
            "report": report,
            "cap_flag_texts": [actions.describe_cap_flag(f) for f in report.cap_flags],
            "entries": report.entries.select_related("task"),
            "expenses": report.expenses.all(),
            "versions": report.versions(),
            "entry_form": entry_form
            or (
                TimeEntryForm(case=report.case, prefix="entry", initial={"date": timezone.localdate()})
                if mine and report.is_editable
                else None
            ),
            "expense_form": expense_form
            or (
                ExpenseForm(
                    prefix="expense",
                    initial={"date": timezone.localdate(), "currency": str(report.defender.hourly_rate.currency)},
                )
                if mine and report.is_editable
                else None
            ),
            "review_form": ReviewForm()
            if request.user.is_coordinator and report.status == ReportStatus.SUBMITTED
            else None,
            "can_revise": mine and report.status == ReportStatus.RETURNED and not report.is_superseded,
            "withdraw_form": WithdrawForm() if request.user.is_coordinator and _withdrawable(report) else None,
            "payouts": report.payouts.select_related("reversal"),
        },
        status=status,
    )


def _withdrawable(report):
    """A returned version not resubmitted (no later version, or a draft one), or that draft."""
    if report.status == ReportStatus.DRAFT and report.previous_id:
        report = report.previous
    if report.status != ReportStatus.RETURNED:
        return False
    return not report.is_superseded or report.next_version.status == ReportStatus.DRAFT


def _run_action(request, obj, fn, detail_url):
    """Run ``fn(obj)`` and go back to the detail page: of the object it returns if it returns
    one of the same kind (a new report version, a replacement invoice), else of ``obj``; a
    refused action becomes an error message there."""
    try:
        result = fn(obj)
    except ActionRefused as exc:
        messages.error(request, exc.text)
        return redirect(detail_url, pk=obj.pk)
    target = result if isinstance(result, type(obj)) else obj
    return redirect(detail_url, pk=target.pk)


def _report_action(request, pk, fn):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    return _run_action(request, report, fn, "billing:report_detail")


@require_perm("billing.report")
@require_POST
def entry_add(request, pk):
    """Add hours; a bad or refused entry comes back on the form, the error on its field (a date in
    the future or before the signed contract names the date)."""
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    form = TimeEntryForm(request.POST, case=report.case, prefix="entry")
    if form.is_valid():
        try:
            actions.do_add_entry(report, acting_user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            return redirect("billing:report_detail", pk=pk)
    return _report_page(request, report, entry_form=form, status=400)


@require_perm("billing.report")
@require_POST
def entry_delete(request, pk, entry_pk):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    entry = get_visible_or_404(report.entries.all(), pk=entry_pk)
    return _report_action(request, pk, lambda r: actions.do_remove_entry(entry, acting_user=request.user))


@require_perm("billing.report")
@require_POST
def expense_add(request, pk):
    """Add an expense; a bad or refused one comes back on the form, the error on its field."""
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    form = ExpenseForm(request.POST, request.FILES, prefix="expense")
    if not form.is_valid():
        return _report_page(request, report, expense_form=form, status=400)
    d = form.cleaned_data
    try:
        actions.do_add_expense(
            report,
            acting_user=request.user,
            date=d["date"],
            category=d["category"],
            amount=Money(d["amount"], d["currency"]),
            description=d["description"],
            receipt=d["receipt"],
        )
    except ActionRefused as exc:
        add_refusal(form, exc)
        return _report_page(request, report, expense_form=form, status=400)
    return redirect("billing:report_detail", pk=pk)


@require_perm("billing.report")
@require_POST
def expense_delete(request, pk, expense_pk):
    report = get_visible_or_404(visible_reports(request.user), pk=pk)
    expense = get_visible_or_404(report.expenses.all(), pk=expense_pk)
    return _report_action(request, pk, lambda r: actions.do_remove_expense(expense, acting_user=request.user))


@require_perm("billing.report")
@require_POST
def report_submit(request, pk):
    response = _report_action(request, pk, lambda r: actions.do_submit_report(r, acting_user=request.user))
    if TimeReport.objects.filter(pk=pk, status=ReportStatus.SUBMITTED).exists():
        messages.success(request, _("The report was sent to the network for review."))
    return response


@require_perm("billing.report")
@require_POST
def report_revise(request, pk):
    return _report_action(request, pk, lambda r: actions.do_revise_report(r, acting_user=request.user))


@require_perm("billing.manage")
@require_POST
def report_review(request, pk):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_reports(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:report_detail", pk=pk)
    if form.cleaned_data["decision"] == "approve":
        return _report_action(
            request,
            pk,
            lambda r: actions.do_approve_report(
                r,
                acting_user=request.user,
                comment=form.cleaned_data["comment"],
                acknowledge_caps=form.cleaned_data["acknowledge_caps"],
            ),
        )
    return _report_action(
        request,
        pk,
        lambda r: actions.do_return_report(r, acting_user=request.user, comment=form.cleaned_data["comment"]),
    )


@require_perm("billing.manage")
@require_POST
def report_withdraw(request, pk):
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_reports(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:report_detail", pk=pk)
    return _report_action(
        request,
        pk,
        lambda r: actions.do_withdraw_report(r, acting_user=request.user, reason=form.cleaned_data["reason"]),
    )


@require_perm(*REPORTERS)
def receipt(request, expense_pk):
    expense = get_visible_or_404(visible_expenses(request.user), pk=expense_pk)
    if not expense.receipt:
        raise Http404
    ext = expense.receipt_content_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return serve_private_file(expense.receipt, f"receipt-{expense.pk}.{ext}", expense.receipt_content_type)


# --- rates and settings ----------------------------------------------------------------------


@require_perm("billing.manage")
def rates(request):
    form = RateForm(request.POST or None, initial={"effective_date": timezone.localdate(), "to_currency": "USD"})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_rate(acting_user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Exchange rate added."))
            return redirect("billing:rates")
    elif request.method == "POST":
        messages.error(request, _form_errors(form))
    return render(request, "billing/rates.html", {"form": form, "rates": ExchangeRate.objects.all()[:500]})


@require_perm("billing.manage")
def billing_settings(request):
    config = BillingSettings.load()
    form = SettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_settings(acting_user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Billing settings saved."))
            return redirect("billing:settings")
    return render(request, "billing/settings.html", {"form": form})


# --- invoices --------------------------------------------------------------------------------


@require_perm(*INVOICE_READERS)
def invoice_list(request):
    invoices = visible_invoices(request.user)
    state = request.GET.get("state", "")
    if state in InvoiceState.values:
        invoices = invoices.filter(state=state)
    ready = []
    if request.user.is_coordinator:
        for advocate in (
            visible_advocates(request.user).filter(cases__time_reports__status=ReportStatus.APPROVED).distinct()
        ):
            count = actions.uninvoiced_reports(advocate).count()
            if count:
                ready.append((advocate, count))
    return render(
        request,
        "billing/invoice_list.html",
        {
            "invoices": invoices[:300],
            "states": InvoiceState.choices,
            "state": state,
            "ready": ready,
        },
    )


@require_perm("billing.manage")
def invoice_new(request, advocate_pk):
    advocate = get_visible_or_404(visible_advocates(request.user), pk=advocate_pk)
    available = actions.uninvoiced_reports(advocate)
    form = NewInvoiceForm(request.POST or None, reports=available, initial={"reports": list(available)})
    if request.method == "POST" and form.is_valid():
        try:
            invoice = actions.do_create_invoice(advocate, form.cleaned_data["reports"], acting_user=request.user)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            return redirect("billing:invoice_detail", pk=invoice.pk)
    return render(request, "billing/invoice_new.html", {"form": form, "advocate": advocate})


@require_perm(*INVOICE_READERS)
def invoice_detail(request, pk):
    invoice = get_visible_or_404(visible_invoices(request.user), pk=pk)
    coordinator = request.user.is_coordinator
    return render(
        request,
        "billing/invoice_detail.html",
        {
            "invoice": invoice,
            "lines": invoice.lines.select_related("report__case", "report__defender"),
            "payments": visible_payments(request.user).filter(invoice=invoice).select_related("reversal"),
            "refunds": visible_refunds(request.user).filter(invoice=invoice).select_related("reversal"),
            "can_correct": coordinator and invoice.state in ISSUED_STATES,
            "today": timezone.localdate(),
            "refund_form": RefundForm(
                initial={
                    "refunded_on": timezone.localdate(),
                    "currency": invoice.currency,
                    "amount": invoice.amount_paid,
                }
            )
            if coordinator and invoice.state in ISSUED_STATES and invoice.amount_paid > 0
            else None,
            "charge_form": InvoiceChargeForm(initial={"payment_terms_days": invoice.payment_terms_days})
            if coordinator and invoice.is_draft
            else None,
            "void_form": VoidForm() if coordinator and invoice.state == InvoiceState.ISSUED else None,
            "payment_form": PaymentForm(initial={"received_on": timezone.localdate(), "amount": invoice.balance})
            if coordinator and invoice.state in (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)
            else None,
        },
    )


def _invoice_action(request, pk, fn):
    invoice = get_visible_or_404(visible_invoices(request.user), pk=pk)
    return _run_action(request, invoice, fn, "billing:invoice_detail")


@require_perm("billing.manage")
@require_POST
def invoice_update(request, pk):
    form = InvoiceChargeForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_invoices(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:invoice_detail", pk=pk)
    return _invoice_action(
        request, pk, lambda i: actions.do_update_invoice(i, acting_user=request.user, **form.cleaned_data)
    )


@require_perm("billing.manage")
@require_POST
def invoice_issue(request, pk):
    return _invoice_action(request, pk, lambda i: actions.do_issue_invoice(i, acting_user=request.user))


@require_perm("billing.manage")
@require_POST
def invoice_void(request, pk):
    form = VoidForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_invoices(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:invoice_detail", pk=pk)
    return _invoice_action(
        request,
        pk,
        lambda i: actions.do_void_invoice(
            i, acting_user=request.user, reason=form.cleaned_data["reason"], replace=form.cleaned_data["replace"]
        ),
    )


@require_perm("billing.manage")
@require_POST
def invoice_delete(request, pk):
    invoice = get_visible_or_404(visible_invoices(request.user), pk=pk)
    try:
        actions.do_delete_draft(invoice, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
        return redirect("billing:invoice_detail", pk=pk)
    return redirect("billing:invoice_list")


@require_perm(*INVOICE_READERS)
def invoice_pdf(request, pk):
    from weasyprint import HTML  # heavy (Pango, fonts): loaded only when a PDF is asked for

    invoice = get_visible_or_404(visible_invoices(request.user), pk=pk)
    language = invoice.advocate.user.language or "en"
    with translation.override(language):
        html = render_to_string(
            "billing/invoice_pdf.html",
            {
                "invoice": invoice,
                "lines": invoice.lines.select_related("report__case", "report__defender"),
                # What the Advocate paid and got back; a record reversed as a mistake is not shown.
                "payments": invoice.payments.filter(reversal__isnull=True),
                "refunds": invoice.refunds.filter(reversal__isnull=True),
                "rates": invoice.rates_used(),
                "language": language,
            },
        )
        pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = invoice.display_number if invoice.number else f"draft-{invoice.pk}"
    return tabular.attachment(response, f"invoice-{name}.pdf")


@require_perm("billing.manage")
@require_POST
def payment_add(request, pk):
    form = PaymentForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_invoices(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:invoice_detail", pk=pk)
    response = _invoice_action(
        request, pk, lambda i: actions.do_record_payment(i, acting_user=request.user, **form.cleaned_data)
    )
    return response


@require_perm("billing.manage")
@require_POST
def refund_add(request, pk):
    form = RefundForm(request.POST)
    if not form.is_valid():
        get_visible_or_404(visible_invoices(request.user), pk=pk)
        messages.error(request, _form_errors(form))
        return redirect("billing:invoice_detail", pk=pk)
    d = form.cleaned_data
    return _invoice_action(
        request,
        pk,
        lambda i: actions.do_record_refund(
            i,
            acting_user=request.user,
            amount=Money(d["amount"], d["currency"]),
            refunded_on=d["refunded_on"],
            method=d["method"],
            reference=d["reference"],
            reason=d["reason"],
        ),
    )


def _reverse(request, pk, queryset, record_pk, fn):
    """Reverse one record (a payment or refund of invoice ``pk``) fetched through ``queryset``."""
    invoice = get_visible_or_404(visible_invoices(request.user), pk=pk)
    record = get_visible_or_404(queryset.filter(invoice=invoice), pk=record_pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("billing:invoice_detail", pk=pk)
    return _run_action(
        request, invoice, lambda i: fn(record, acting_user=request.user, **form.cleaned_data), "billing:invoice_detail"
    )


@require_perm("billing.manage")
@require_POST
def payment_reverse(request, pk, payment_pk):
    return _reverse(request, pk, visible_payments(request.user), payment_pk, actions.do_reverse_payment)


@require_perm("billing.manage")
@require_POST
def refund_reverse(request, pk, refund_pk):
    return _reverse(request, pk, visible_refunds(request.user), refund_pk, actions.do_reverse_refund)


# --- payouts, ledger, ageing, exports --------------------------------------------------------


@require_perm("billing.manage", "billing.report")
def payout_list(request):
    payouts = visible_payouts(request.user).select_related("reversal").prefetch_related("reports__case")
    balances = {}
    if request.user.is_defender:
        balances = ledger.defender_balance(request.user.defender)
    return render(
        request,
        "billing/payout_list.html",
        {
            "payouts": payouts[:300],
            "balances": balances,
            "today": timezone.localdate(),
        },
    )


@require_perm("billing.manage")
@require_POST
def payout_reverse(request, pk):
    payout = get_visible_or_404(visible_payouts(request.user), pk=pk)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("billing:payout_list")
    try:
        actions.do_reverse_payout(payout, acting_user=request.user, **form.cleaned_data)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Payout reversed: the amount is owed to the Defender again."))
    return redirect("billing:payout_list")


@require_perm("billing.manage")
def payout_add(request, defender_pk):
    defender = get_visible_or_404(visible_defenders(request.user), pk=defender_pk)
    reports = TimeReport.objects.filter(defender=defender, status=ReportStatus.APPROVED).select_related("case")
    balances = ledger.defender_balance(defender)
    currency = next(iter(balances), str(defender.hourly_rate.currency))
    form = PayoutForm(
        request.POST or None,
        reports=reports,
        initial={
            "paid_on": timezone.localdate(),
            "currency": currency,
            "amount": balances.get(currency, {}).get("balance"),
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_record_payout(
                defender,
                acting_user=request.user,
                amount=Money(d["amount"], d["currency"]),
                paid_on=d["paid_on"],
                reports=d["reports"],
                reference=d["reference"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Payout recorded."))
            return redirect("billing:ledger")
    return render(request, "billing/payout_add.html", {"form": form, "defender": defender, "balances": balances})


@require_perm("billing.manage")
def ledger_view(request):
    advocates = {a.pk: a for a in visible_advocates(request.user)}
    defenders = {d.pk: d for d in visible_defenders(request.user)}
    adv_rows = [
        (advocates[pk], cur, f) for pk, per in ledger.advocate_balances().items() for cur, f in sorted(per.items())
    ]
    def_rows = [
        (defenders[pk], cur, f) for pk, per in ledger.defender_balances().items() for cur, f in sorted(per.items())
    ]
    adv_rows.sort(key=lambda r: str(r[0]))
    def_rows.sort(key=lambda r: r[0].name)
    return render(request, "billing/ledger.html", {"advocate_rows": adv_rows, "defender_rows": def_rows})


@require_perm("billing.manage")
def ageing_view(request):
    try:
        as_of = date.fromisoformat(request.GET.get("as_of", "")) if request.GET.get("as_of") else timezone.localdate()
    except ValueError:
        messages.error(request, _("The date must be YYYY-MM-DD."))
        as_of = timezone.localdate()
    return render(
        request, "billing/ageing.html", {"as_of": as_of, "ageing": ledger.ageing(as_of), "buckets": ledger.BUCKETS}
    )


EXPORTS = ("invoices", "payments", "refunds", "payouts")


@require_perm("billing.manage")
def export(request, kind):
    if kind not in EXPORTS:
        raise Http404
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": today.replace(day=1) - timedelta(days=365), "end": today})
    if not form.is_valid():
        return HttpResponse(_form_errors(form), status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = tabular.attachment(HttpResponse(content_type="text/csv; charset=utf-8"), f"{kind}-{start}-{end}.csv")
    writer = tabular.writer(response)
    if kind == "invoices":
        writer.writerow(
            [
                "number",
                "state",
                "advocate",
                "organisation",
                "currency",
                "issue_date",
                "due_date",
                "subtotal",
                "charge",
                "total",
                "paid",
                "balance",
                "void_reason",
                "replaces",
            ]
        )
        for i in visible_invoices(request.user).filter(issue_date__range=(start, end)).order_by("number"):
            writer.writerow(
                [
                    i.display_number,
                    i.state,
                    i.advocate.user.get_full_name(),
                    i.advocate.organisation,
                    i.currency,
                    i.issue_date,
                    i.due_date,
                    i.subtotal,
                    i.charge,
                    i.total,
                    i.amount_paid,
                    i.balance,
                    i.void_reason,
                    i.replaces.display_number if i.replaces_id else "",
                ]
            )
    elif kind == "payments":
        # A reversed payment is listed with the date of its reversal: it was not money received.
        writer.writerow(
            ["invoice", "received_on", "amount", "currency", "method", "reference", "advocate", "reversed_on"]
        )
        for p in (
            visible_payments(request.user)
            .filter(received_on__range=(start, end))
            .select_related("invoice__advocate__user", "reversal")
            .order_by("received_on", "pk")
        ):
            writer.writerow(
                [
                    p.invoice.display_number,
                    p.received_on,
                    p.amount,
                    p.invoice.currency,
                    p.method,
                    p.reference,
                    p.invoice.advocate.organisation,
                    p.reversal.reversed_on if p.is_reversed else "",
                ]
            )
    elif kind == "refunds":
        writer.writerow(
            ["invoice", "refunded_on", "amount", "currency", "method", "reference", "advocate", "reversed_on"]
        )
        for r in (
            visible_refunds(request.user)
            .filter(refunded_on__range=(start, end))
            .select_related("invoice__advocate__user", "reversal")
            .order_by("refunded_on", "pk")
        ):
            writer.writerow(
                [
                    r.invoice.display_number,
                    r.refunded_on,
                    r.amount,
                    r.invoice.currency,
                    r.method,
                    r.reference,
                    r.invoice.advocate.organisation,
                    r.reversal.reversed_on if r.is_reversed else "",
                ]
            )
    else:
        writer.writerow(["paid_on", "defender", "amount", "currency", "reference", "reports", "reversed_on"])
        for p in (
            visible_payouts(request.user)
            .filter(paid_on__range=(start, end))
            .select_related("reversal")
            .prefetch_related("reports__case")
            .order_by("paid_on", "pk")
        ):
            writer.writerow(
                [
                    p.paid_on,
                    p.defender.name,
                    p.amount.amount,
                    p.amount.currency,
                    p.reference,
                    "; ".join(f"{r.case} v{r.version}" for r in p.reports.all()),
                    p.reversal.reversed_on if p.is_reversed else "",
                ]
            )
    return response
