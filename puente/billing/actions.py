"""Every change to billing data: one ``do_*`` function each, following the action contract
(``puente.core.action_contract``): objects first, keyword-only ``acting_user``, ``@action`` with
the coarse permission (atomic, audit actor with the request's address), refusals as
``ActionRefused`` naming the field. Each locks the rows two users could change at the same time
(the report, the invoice, the invoice counter). Views only call these.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from puente.cases import api as cases_api
from puente.core.action_contract import ActionRefused, action
from puente.core.uploads import check_upload

from . import money
from .ledger import defender_balance
from .models import (
    ISSUED_STATES,
    OPEN_STATES,
    BillingSettings,
    ExchangeRate,
    Expense,
    ExpenseCategory,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceState,
    Payment,
    Payout,
    Refund,
    ReportStatus,
    Reversal,
    TimeEntry,
    TimeReport,
)

# Cases a Defender may report on: the work is under way or being billed.
REPORTABLE_CASE_STATES = ("active", "reporting")  # puente.cases CaseState.ACTIVE and REPORTING

# Receipts: what a phone camera or a scanner produces. Sniffed from the bytes, never trusted from
# the browser's declared type or the file name.
RECEIPT_KINDS = frozenset({"pdf", "jpeg", "png", "webp"})


def _today():
    return timezone.localdate()


def sniff_receipt(uploaded) -> tuple[str, str]:
    """Return (content type, extension) of an uploaded receipt, or refuse naming the field: the
    one upload check (``puente.core.uploads``: size, kind from the bytes, no web page inside)."""
    try:
        kind = check_upload(uploaded, RECEIPT_KINDS)
    except ValidationError as exc:
        raise ActionRefused({"receipt": exc.messages}) from None
    return kind.mime, kind.extension


def _lock_report(report) -> TimeReport:
    return TimeReport.objects.select_for_update().get(pk=report.pk)


def _lock_invoice(invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _require_own_report(user, report):
    if not (user.is_defender and user.defender_id == report.defender_id):
        raise ActionRefused(_("This report is not yours."))


def _require_draft(report):
    if report.status != ReportStatus.DRAFT:
        raise ActionRefused(_("This report has been submitted and can no longer be changed."))


# --- exchange rates and settings -------------------------------------------------------------


@action("billing.manage")
def do_add_rate(*, acting_user, from_currency, to_currency, rate, effective_date) -> ExchangeRate:
    try:
        rate = Decimal(str(rate))
    except InvalidOperation:
        raise ActionRefused({"rate": _("Enter a number.")}) from None
    if rate <= 0:
        raise ActionRefused({"rate": _("The rate must be greater than zero.")})
    if from_currency == to_currency:
        raise ActionRefused({"to_currency": _("Choose two different currencies.")})
    if ExchangeRate.objects.filter(
        from_currency=from_currency, to_currency=to_currency, effective_date=effective_date
    ).exists():
        raise ActionRefused({"effective_date": _("A rate for this pair and date already exists.")})
    return ExchangeRate.objects.create(
        from_currency=from_currency,
        to_currency=to_currency,
        rate=rate,
        effective_date=effective_date,
        created_by=acting_user,
    )


@action("billing.manage")
def do_update_settings(*, acting_user, **fields) -> BillingSettings:
    config = BillingSettings.objects.select_for_update().get(pk=BillingSettings.load().pk)
    for name, value in fields.items():
        setattr(config, name, value)
    config.full_clean()
    config.save()
    return config


# --- pricing from the signed contract ----------------------------------------------------------
# The Case Facilitation Contract sets what is billed (``puente.cases.api.ContractTerms``): each time
# entry is priced at the hourly rate of the contract version all three parties had signed on the
# entry's date (an entry dated on or after the day a newer version was signed takes the newer
# one); the network's fee on an invoice comes from the version that priced each report. Neither
# the Defender's profile rate nor the billing settings price anything once a contract is signed.


def _signed_on(terms) -> date:
    return timezone.localdate(terms.signed_at)


def _no_contract() -> ActionRefused:
    return ActionRefused(
        _(
            "This case has no Case Facilitation Contract signed by all three parties: hours and expenses "
            "cannot be priced until it is signed."
        ),
        code="no_contract",
    )


def _require_past_or_today(day: date, field: str = "date") -> None:
    if day > _today():
        raise ActionRefused(
            _("The date %(date)s is in the future: report work and expenses once they are done.")
            % {"date": day.isoformat()},
            field=field,
            code="future",
        )


def terms_on(case, day: date, signed=None):
    """The terms of the contract version in force on ``day``: the latest one signed by all three
    parties on or before that day. Refuses (naming the date field) when the day is before the
    first signed version, or when the case has none. ``signed``: ``all_signed_terms(case)``
    when the caller already has it."""
    signed = cases_api.all_signed_terms(case) if signed is None else signed
    if not signed:
        raise _no_contract()
    in_force = [t for t in signed if _signed_on(t) <= day]
    if not in_force:
        first = min(signed, key=lambda t: t.signed_at)
        raise ActionRefused(
            _(
                "The date %(date)s is before the contract was signed (%(signed)s): only work done under the "
                "signed contract is billed."
            )
            % {"date": day.isoformat(), "signed": _signed_on(first).isoformat()},
            field="date",
            code="before_contract",
        )
    return max(in_force, key=lambda t: (t.signed_at, t.version_number))


def _price_entry(entry, terms) -> None:
    entry.hourly_rate = terms.hourly_rate
    entry.set_terms(terms)


def _terms_by_version(case) -> dict:
    return {t.version_id: t for t in cases_api.all_signed_terms(case)}


def _counted_reports(report):
    """The case's reports that count toward its caps: submitted or approved (a returned version
    that was corrected is counted through its correction), and ``report`` itself."""
    others = TimeReport.objects.filter(
        case_id=report.case_id, status__in=[ReportStatus.SUBMITTED, ReportStatus.APPROVED]
    ).exclude(pk=report.pk)
    return [*others, report]


def cap_flags(report, terms) -> list[dict]:
    """The caps of ``terms`` that the case's reports, with ``report``, go beyond."""
    flags = []
    reports = _counted_reports(report)
    if terms.hours_cap is not None:
        hours = sum((e.hours for r in reports for e in r.entries.all()), Decimal(0))
        if hours > terms.hours_cap:
            flags.append(
                {
                    "kind": "hours",
                    "cap": str(terms.hours_cap),
                    "total": str(hours),
                    "currency": "",
                    "version": terms.version_number,
                }
            )
    if terms.expenses_cap is not None:
        currency = str(terms.expenses_cap.currency)
        cache: dict = {}
        try:
            spent = money.total(
                (
                    money.convert(x.amount, currency, _today(), cache)[0].amount
                    for r in reports
                    for x in r.expenses.all()
                ),
                currency,
            )
        except money.MissingRate:
            # Not comparable without a rate: flagged, so that a Coordinator looks at it.
            flags.append(
                {
                    "kind": "expenses",
                    "cap": str(terms.expenses_cap.amount),
                    "total": "",
                    "currency": currency,
                    "version": terms.version_number,
                }
            )
        else:
            if spent > terms.expenses_cap.amount:
                flags.append(
                    {
                        "kind": "expenses",
                        "cap": str(terms.expenses_cap.amount),
                        "total": str(spent),
                        "currency": currency,
                        "version": terms.version_number,
                    }
                )
    return flags


def describe_cap_flag(flag: dict) -> str:
    """One cap flag as a sentence in the active language."""
    if flag["kind"] == "hours":
        return _("Hours on the case: %(total)s, over the cap of %(cap)s hours in contract version %(version)s.") % flag
    if not flag["total"]:
        return (
            _(
                "Expenses on the case could not be compared with the cap of %(cap)s %(currency)s in contract version "
                "%(version)s: an exchange rate is missing."
            )
            % flag
        )
    return (
        _(
            "Expenses on the case: %(total)s %(currency)s, over the cap of %(cap)s %(currency)s in contract version "
            "%(version)s."
        )
        % flag
    )


# --- reports ---------------------------------------------------------------------------------


@action("billing.report")
def do_create_report(case, *, acting_user) -> TimeReport:
    if not (acting_user.is_defender and case.defender_id == acting_user.defender_id):
        raise ActionRefused(_("Only the Defender assigned to the case reports on it."))
    if case.state not in REPORTABLE_CASE_STATES:
        raise ActionRefused(_("Reports are filed while the case is active or in reporting."))
    if not cases_api.all_signed_terms(case):
        raise _no_contract()
    return TimeReport.objects.create(case=case, defender_id=case.defender_id, created_by=acting_user)


@action("billing.report")
def do_add_entry(report, *, acting_user, date, hours, description, task=None) -> TimeEntry:
    report = _lock_report(report)
    _require_own_report(acting_user, report)
    _require_draft(report)
    if task is not None and task.case_id != report.case_id:
        raise ActionRefused({"task": _("This task belongs to another case.")})
    _require_past_or_today(date)
    entry = TimeEntry(report=report, date=date, hours=hours, description=description, task=task)
    _price_entry(entry, terms_on(report.case, date))
    entry.full_clean()
    entry.save()
    return entry


@action("billing.report")
def do_remove_entry(entry, *, acting_user) -> None:
    report = _lock_report(entry.report)
    _require_own_report(acting_user, report)
    _require_draft(report)
    entry.delete()


@action("billing.report")
def do_add_expense(report, *, acting_user, date, category, amount: Money, description="", receipt=None) -> Expense:
    report = _lock_report(report)
    _require_own_report(acting_user, report)
    _require_draft(report)
    if category not in ExpenseCategory.values:
        raise ActionRefused({"category": _("Choose a category.")})
    if str(amount.currency) not in settings.CURRENCIES:
        raise ActionRefused({"amount": _("Choose one of the network's currencies.")})
    if amount.amount <= 0 or money.round_to_minor(amount.amount, amount.currency) != amount.amount:
        raise ActionRefused({"amount": _("Enter an amount greater than zero, with at most two decimals.")})
    _require_past_or_today(date)
    terms_on(report.case, date)  # an expense before the signed contract is not billed either
    expense = Expense(report=report, date=date, category=category, description=description)
    expense.amount = amount
    if receipt is not None:
        content_type, ext = sniff_receipt(receipt)
        expense.receipt_name = (getattr(receipt, "name", "") or f"receipt.{ext}")[:200]
        expense.receipt_content_type = content_type
        expense.receipt.save(f"receipt.{ext}", receipt, save=False)
    expense.save()
    return expense


@action("billing.report")
def do_remove_expense(expense, *, acting_user) -> None:
    report = _lock_report(expense.report)
    _require_own_report(acting_user, report)
    _require_draft(report)
    expense.delete()


@action("billing.report")
def do_submit_report(report, *, acting_user) -> TimeReport:
    report = _lock_report(report)
    _require_own_report(acting_user, report)
    _require_draft(report)
    # A draft does not hold a case in reporting, so the case may have moved on since it was
    # started; the case row is locked so that the check and a Coordinator's move do not interleave.
    # (The row is read through the report's own relation: billing never imports cases' models.)
    case = type(report.case).objects.select_for_update().get(pk=report.case_id)
    if case.state not in REPORTABLE_CASE_STATES:
        raise ActionRefused(
            _(
                "This case is no longer in reporting: ask a Coordinator to reopen it before "
                "submitting these hours and expenses."
            )
        )
    if not report.entries.exists() and not report.expenses.exists():
        raise ActionRefused(_("Add at least one time entry or expense before submitting."))
    # Price every entry from the signed contract in force on its date (entries of a draft made
    # before contracts held their terms were not priced yet), and the report from the latest of them.
    signed = cases_api.all_signed_terms(case)
    latest = cases_api.signed_terms(case)
    if latest is None:
        raise _no_contract()
    used = []
    for entry in report.entries.all():
        _require_past_or_today(entry.date)
        terms = terms_on(case, entry.date, signed)
        _price_entry(entry, terms)
        entry.save()
        used.append(terms)
    pricing = max(used, key=lambda t: (t.signed_at, t.version_number)) if used else latest
    report.hourly_rate, report.hourly_rate_source = pricing.hourly_rate, "contract"
    report.set_terms(pricing)
    # Caps are the case's, as the contract in force now sets them.
    report.cap_flags = cap_flags(report, latest)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = timezone.now()
    report.save()
    return report


def report_amount(report, currency, on: date) -> tuple[Money, list[dict]]:
    """What a report is worth in ``currency``: each entry (hours x rate) and expense is rounded in
    its own currency, converted at the rate in force on ``on`` and rounded (``money`` rules)."""
    lines: list[Decimal] = []
    rates: dict[str, money.RateUsed] = {}
    cache: dict = {}
    for entry in report.entries.all():
        source = money.multiply(entry.hourly_rate or report.hourly_rate, entry.hours)
        converted, used = money.convert(source, currency, on, cache)
        lines.append(converted.amount)
        if used.effective_date:
            rates[str(used)] = used
    for expense in report.expenses.all():
        converted, used = money.convert(expense.amount, currency, on, cache)
        lines.append(converted.amount)
        if used.effective_date:
            rates[str(used)] = used
    used_list = [
        {
            "from": r.from_currency,
            "to": r.to_currency,
            "rate": str(r.rate),
            "effective_date": r.effective_date.isoformat() if r.effective_date else None,
        }
        for r in rates.values()
    ]
    return Money(money.total(lines, currency), currency), used_list


@action("billing.manage")
def do_approve_report(report, *, acting_user, comment="", acknowledge_caps=False) -> TimeReport:
    """Fix what the network owes the Defender for ``report``, at the prices it was submitted with
    (the signed contract's). A report beyond a cap of the contract is approved only with
    ``acknowledge_caps``: the Coordinator has seen it and accepts it."""
    report = _lock_report(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ActionRefused(_("Only a submitted report can be approved."))
    if report.cap_flags:
        if not acknowledge_caps:
            raise ActionRefused(
                _("This report goes beyond the contract: %(flags)s Acknowledge it to approve the report anyway.")
                % {"flags": " ".join(describe_cap_flag(f) for f in report.cap_flags)},
                field="acknowledge_caps",
                code="cap",
            )
        report.caps_acknowledged_at, report.caps_acknowledged_by = timezone.now(), acting_user
    currency = str(report.hourly_rate.currency) if report.hourly_rate else str(report.defender.hourly_rate.currency)
    if report.hourly_rate is None:
        report.hourly_rate = report.defender.hourly_rate
    report.approved_amount, report.approved_rates = report_amount(report, currency, _today())
    report.status = ReportStatus.APPROVED
    report.review_comment = comment
    report.reviewed_at, report.reviewed_by = timezone.now(), acting_user
    report.save()
    return report


@action("billing.manage")
def do_return_report(report, *, acting_user, comment) -> TimeReport:
    report = _lock_report(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ActionRefused(_("Only a submitted report can be returned."))
    if not (comment or "").strip():
        raise ActionRefused({"comment": _("Say what needs correcting.")})
    report.status = ReportStatus.RETURNED
    report.review_comment = comment.strip()
    report.reviewed_at, report.reviewed_by = timezone.now(), acting_user
    report.save()
    return report


@action("billing.report")
def do_revise_report(report, *, acting_user) -> TimeReport:
    """Start the next version of a returned report: a draft copy the Defender corrects. The
    returned version is kept unchanged."""
    report = _lock_report(report)
    _require_own_report(acting_user, report)
    if report.status != ReportStatus.RETURNED or report.is_superseded:
        raise ActionRefused(_("Only a returned report can be corrected."))
    new = TimeReport.objects.create(
        case=report.case,
        defender=report.defender,
        version=report.version + 1,
        previous=report,
        notes=report.notes,
        created_by=acting_user,
    )
    for e in report.entries.all():
        TimeEntry.objects.create(
            report=new,
            date=e.date,
            hours=e.hours,
            task=e.task,
            description=e.description,
            hourly_rate=e.hourly_rate,
            contract_version_id=e.contract_version_id,
            contract_version_number=e.contract_version_number,
            contract_signed_at=e.contract_signed_at,
        )
    for x in report.expenses.all():
        # The encrypted receipt file is shared by both versions; files are never deleted.
        Expense.objects.create(
            report=new,
            date=x.date,
            category=x.category,
            amount=x.amount,
            description=x.description,
            receipt=x.receipt.name,
            receipt_name=x.receipt_name,
            receipt_content_type=x.receipt_content_type,
        )
    return new


# --- invoices --------------------------------------------------------------------------------


def invoice_currency(advocate) -> str:
    return "CAD" if advocate.country == "CA" else "USD"


def uninvoiced_reports(advocate):
    """Approved reports on this Advocate's cases that are on no draft or issued invoice."""
    return (
        TimeReport.objects.filter(case__advocate=advocate, status=ReportStatus.APPROVED)
        .exclude(invoice_lines__invoice__state__in=[InvoiceState.DRAFT, *ISSUED_STATES])
        .select_related("case", "defender")
        .distinct()
    )


def _line_terms(line, source) -> None:
    line.contract_version_id = source.contract_version_id
    line.contract_version_number = source.contract_version_number
    line.contract_signed_at = source.contract_signed_at


def _fee_terms(report, by_version: dict):
    """The signed terms that priced ``report`` (its fee), or None for a report priced before
    contracts held their terms (the invoice's stored settings figures then apply)."""
    return by_version.get(report.contract_version_id) if report.contract_version_id else None


def _flat_fee_charged(case_id, invoice) -> bool:
    """The case's flat fee is on another issued invoice already (void ones do not count)."""
    return (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.CHARGE_FLAT, report__case_id=case_id, invoice__state__in=ISSUED_STATES
        )
        .exclude(invoice=invoice)
        .exists()
    )


def _build_lines(invoice, reports, on: date):
    """(Re)write the invoice's lines and totals from ``reports``, converting at rates in force ``on``.

    Hours are billed at the hourly rate each entry was priced at (the signed contract's); the
    network's fee comes from the signed contract version that priced each report: its
    percentage of that report's work and expenses (one line per percentage and version), and its
    flat fee once per case (on the case's first issued invoice; converted at the rate in force
    when the contract states it in another currency). Reports priced before contracts held their
    terms keep the invoice's stored figures from the settings (``charge_percent``,
    ``charge_flat_per_case``)."""
    invoice.lines.all().delete()
    currency, position = invoice.currency, 0
    lines: list[InvoiceLine] = []
    cache: dict = {}
    by_version: dict = {}
    for case_id in sorted({r.case_id for r in reports}):
        by_version.update(_terms_by_version(next(r.case for r in reports if r.case_id == case_id)))
    # (percent, version number or None) -> [terms or None, base amount]
    percent_groups: dict[tuple, list] = {}
    for report in reports:
        report_lines = []
        for entry in report.entries.all():
            unit = entry.hourly_rate or report.hourly_rate
            source = money.multiply(unit, entry.hours)
            converted, used = money.convert(source, currency, on, cache)
            line = InvoiceLine(
                invoice=invoice,
                kind=InvoiceLine.Kind.TIME,
                report=report,
                date=entry.date,
                description=entry.description[:400],
                quantity=entry.hours,
                unit_amount=unit.amount,
                source_amount=source.amount,
                source_currency=str(source.currency),
                rate=used.rate,
                rate_date=used.effective_date,
                amount=converted.amount,
            )
            _line_terms(line, entry)
            report_lines.append(line)
        for expense in report.expenses.all():
            converted, used = money.convert(expense.amount, currency, on, cache)
            line = InvoiceLine(
                invoice=invoice,
                kind=InvoiceLine.Kind.EXPENSE,
                report=report,
                date=expense.date,
                category=expense.category,
                description=expense.description[:400],
                source_amount=expense.amount.amount,
                source_currency=str(expense.amount.currency),
                rate=used.rate,
                rate_date=used.effective_date,
                amount=converted.amount,
            )
            _line_terms(line, report)
            report_lines.append(line)
        for line in report_lines:
            position += 1
            line.position = position
        lines.extend(report_lines)
        terms = _fee_terms(report, by_version)
        percent = (terms.fee_percent or Decimal(0)) if terms is not None else invoice.charge_percent
        if percent > 0:
            group = percent_groups.setdefault((percent, terms.version_number if terms else None), [terms, []])
            group[1].extend(line.amount for line in report_lines)
    subtotal = money.total((line.amount for line in lines), currency)
    charges = []
    for (percent, _number), (terms, amounts) in percent_groups.items():
        base = money.total(amounts, currency)
        charge = InvoiceLine(
            invoice=invoice,
            kind=InvoiceLine.Kind.CHARGE_PERCENT,
            quantity=percent,
            source_amount=base,
            source_currency=currency,
            amount=money.percent_of(base, percent, currency),
        )
        if terms is not None:
            charge.set_terms(terms)
        charges.append(charge)
    for case_id in sorted({r.case_id for r in reports}):
        case_reports = [r for r in reports if r.case_id == case_id]
        priced = [r for r in case_reports if _fee_terms(r, by_version) is not None]
        if priced:
            # The flat fee of the latest signed version that priced the case's reports here.
            report = max(priced, key=lambda r: (r.contract_signed_at, r.contract_version_number))
            terms = _fee_terms(report, by_version)
            if terms.fee_flat is None or terms.fee_flat.amount <= 0 or _flat_fee_charged(case_id, invoice):
                continue
            converted, used = money.convert(terms.fee_flat, currency, on, cache)
            charge = InvoiceLine(
                invoice=invoice,
                kind=InvoiceLine.Kind.CHARGE_FLAT,
                report=report,
                quantity=Decimal(1),
                unit_amount=converted.amount,
                source_amount=terms.fee_flat.amount,
                source_currency=str(terms.fee_flat.currency),
                rate=used.rate,
                rate_date=used.effective_date,
                amount=converted.amount,
            )
            charge.set_terms(terms)
            charges.append(charge)
        elif invoice.charge_flat_per_case > 0:
            amount = money.round_to_minor(invoice.charge_flat_per_case, currency)
            charges.append(
                InvoiceLine(
                    invoice=invoice,
                    kind=InvoiceLine.Kind.CHARGE_FLAT,
                    report=case_reports[0],
                    quantity=Decimal(1),
                    unit_amount=amount,
                    source_amount=amount,
                    source_currency=currency,
                    amount=amount,
                )
            )
    for line in charges:
        position += 1
        line.position = position
    if reports and all(_fee_terms(r, by_version) is not None for r in reports):
        # Every report is contract-priced: the invoice's own figures say what the contracts set
        # (zero when its cases' contracts differ; the lines say each).
        percents = {(t.fee_percent or Decimal(0)) for t in (_fee_terms(r, by_version) for r in reports) if t}
        flats = {c.amount for c in charges if c.kind == InvoiceLine.Kind.CHARGE_FLAT}
        invoice.charge_percent = percents.pop() if len(percents) == 1 else Decimal(0)
        invoice.charge_flat_per_case = flats.pop() if len(flats) == 1 else Decimal(0)
    InvoiceLine.objects.bulk_create(lines + charges)
    invoice.subtotal = subtotal
    invoice.charge = money.total((c.amount for c in charges), currency)
    invoice.total = invoice.subtotal + invoice.charge
    invoice.rate_date = on
    invoice.save()


@action("billing.manage")
def do_create_invoice(advocate, reports, *, acting_user, replaces=None) -> Invoice:
    """A draft invoice (no number yet) to ``advocate`` for approved ``reports``, priced and charged
    as the signed contracts of their cases say (``_build_lines``). There is no override of the
    fee: the contract all three parties signed sets what is billed; a different fee is a new
    contract version, signed again."""
    reports = list(TimeReport.objects.select_for_update().filter(pk__in=[r.pk for r in reports]).order_by("pk"))
    if not reports:
        raise ActionRefused({"reports": _("Choose at least one approved report.")})
    available = set(uninvoiced_reports(advocate).values_list("pk", flat=True))
    for report in reports:
        if report.pk not in available:
            raise ActionRefused(
                {
                    "reports": _("Report %(report)s is not an approved, uninvoiced report of this Advocate.")
                    % {"report": report}
                }
            )
    config = BillingSettings.load()
    currency = invoice_currency(advocate)
    invoice = Invoice.objects.create(
        advocate=advocate,
        currency=currency,
        created_by=acting_user,
        replaces=replaces,
        # Only for reports priced before contracts held their terms (see _build_lines).
        charge_percent=replaces.charge_percent if replaces else config.charge_percent,
        charge_flat_per_case=replaces.charge_flat_per_case if replaces else config.flat_for(currency),
        payment_terms_days=replaces.payment_terms_days if replaces else config.payment_terms_days,
    )
    invoice.full_clean()
    _build_lines(invoice, reports, _today())
    return invoice


def _refuse_unless_draft(invoice):
    if invoice.state != InvoiceState.DRAFT:
        raise ActionRefused(
            _("Invoice %(number)s has been issued and cannot be changed: void it and issue a replacement.")
            % {"number": invoice.display_number}
        )


@action("billing.manage")
def do_update_invoice(invoice, *, acting_user, payment_terms_days) -> Invoice:
    """Change a draft's payment terms and rebuild its lines at today's exchange rates. The fee is
    not editable: it is the signed contract's."""
    invoice = _lock_invoice(invoice)
    _refuse_unless_draft(invoice)
    invoice.payment_terms_days = payment_terms_days
    invoice.full_clean()
    _build_lines(invoice, list(invoice.reports().order_by("pk")), _today())
    return invoice


@action("billing.manage")
def do_delete_draft(invoice, *, acting_user) -> None:
    invoice = _lock_invoice(invoice)
    _refuse_unless_draft(invoice)
    invoice.lines.all().delete()
    invoice.delete()


def _next_invoice_number() -> int:
    """Take the next number from the counter row, locked until the issuing transaction ends."""
    try:
        with transaction.atomic():
            InvoiceCounter.objects.get_or_create(key="invoice")
    except IntegrityError:  # another transaction created it at the same moment
        pass
    counter = InvoiceCounter.objects.select_for_update().get(key="invoice")
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@action("billing.manage")
def do_issue_invoice(invoice, *, acting_user, on: date | None = None) -> Invoice:
    """Issue a draft: recompute its lines at the issue date's rates, give it the next number."""
    invoice = _lock_invoice(invoice)
    _refuse_unless_draft(invoice)
    on = on or _today()
    report_ids = set(invoice.lines.exclude(report=None).values_list("report_id", flat=True))
    # FOR UPDATE cannot be combined with DISTINCT (PostgreSQL): lock by primary key.
    reports = list(TimeReport.objects.select_for_update().filter(pk__in=report_ids).order_by("pk"))
    if not reports:
        raise ActionRefused(_("This invoice has no reports."))
    for report in reports:
        clash = report.invoice_lines.filter(invoice__state__in=ISSUED_STATES).exclude(invoice=invoice).exists()
        if report.status != ReportStatus.APPROVED or clash:
            raise ActionRefused(
                _("Report %(report)s is no longer approved or is already invoiced.") % {"report": report}
            )
    _build_lines(invoice, reports, on)
    invoice.number = _next_invoice_number()
    invoice.state = InvoiceState.ISSUED
    invoice.issue_date = on
    invoice.due_date = on + timedelta(days=invoice.payment_terms_days)
    invoice.issued_by = acting_user
    invoice.save()
    return invoice


@action("billing.manage")
def do_void_invoice(invoice, *, acting_user, reason, replace=True) -> Invoice | None:
    """Void an issued invoice (it keeps its number and the reason). With ``replace``, a new draft
    for the same reports is returned, to be corrected and issued in its place."""
    invoice = _lock_invoice(invoice)
    if invoice.state not in ISSUED_STATES:
        raise ActionRefused(_("Only an issued invoice can be voided."))
    if invoice.amount_paid > 0:
        raise ActionRefused(_("Payments have been recorded on this invoice: it cannot be voided."))
    if not (reason or "").strip():
        raise ActionRefused({"reason": _("Say why the invoice is void.")})
    reports = list(invoice.reports().order_by("pk"))
    invoice.state = InvoiceState.VOID
    invoice.void_reason = reason.strip()
    invoice.voided_at = timezone.now()
    invoice.save()
    if not replace:
        return None
    return do_create_invoice(invoice.advocate, reports, acting_user=acting_user, replaces=invoice)


@action("billing.manage")
def do_record_payment(
    invoice, *, acting_user, amount, received_on, method=Payment.Method.TRANSFER, reference=""
) -> Payment:
    """Money received from the Advocate; the invoice becomes partly paid or paid."""
    invoice = _lock_invoice(invoice)
    if invoice.state not in OPEN_STATES:
        raise ActionRefused(_("Payments are recorded only on issued, unpaid invoices."))
    amount = Decimal(str(amount))
    if amount <= 0 or money.round_to_minor(amount, invoice.currency) != amount:
        raise ActionRefused({"amount": _("Enter an amount greater than zero, with at most two decimals.")})
    if amount > invoice.balance:
        raise ActionRefused(
            {
                "amount": _("The amount is more than the %(balance)s %(currency)s still owed.")
                % {"balance": invoice.balance, "currency": invoice.currency}
            }
        )
    payment = Payment.objects.create(
        invoice=invoice,
        amount=amount,
        received_on=received_on,
        method=method,
        reference=reference,
        recorded_by=acting_user,
    )
    _settle(invoice)
    return payment


def net_paid(invoice) -> Decimal:
    """What the Advocate has paid on ``invoice``, net: payments minus refunds, leaving out any
    record that was reversed. Summed from the rows, never from ``amount_paid``."""
    paid = invoice.payments.filter(reversal__isnull=True).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    refunded = invoice.refunds.filter(reversal__isnull=True).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return money.round_to_minor(paid - refunded, invoice.currency)


def _settle(invoice):
    """Store the locked invoice's net paid amount and the payment state that follows from it."""
    invoice.amount_paid = net_paid(invoice)
    if invoice.amount_paid >= invoice.total:
        invoice.state = InvoiceState.PAID
    elif invoice.amount_paid > 0:
        invoice.state = InvoiceState.PARTLY_PAID
    else:
        invoice.state = InvoiceState.ISSUED
    invoice.save()


@action("billing.manage")
def do_record_payout(defender, *, acting_user, amount: Money, paid_on, reports, reference="") -> Payout:
    """Money paid to a Defender for approved reports, in the currency they were approved in."""
    # Lock the Defender's approved reports: two Coordinators must not pay the same balance twice.
    locked = list(TimeReport.objects.select_for_update().filter(defender=defender, status=ReportStatus.APPROVED))
    chosen = [r for r in locked if r.pk in {x.pk for x in reports}]
    if not chosen or len(chosen) != len(list(reports)):
        raise ActionRefused({"reports": _("Choose approved reports of this Defender.")})
    currency = str(amount.currency)
    if any(str(r.approved_amount.currency) != currency for r in chosen):
        raise ActionRefused(
            {
                "amount": _("Pay in the currency the reports were approved in (%(currency)s).")
                % {"currency": chosen[0].approved_amount.currency}
            }
        )
    if amount.amount <= 0 or money.round_to_minor(amount.amount, currency) != amount.amount:
        raise ActionRefused({"amount": _("Enter an amount greater than zero, with at most two decimals.")})
    owed = defender_balance(defender).get(currency, {}).get("balance", Decimal(0))
    if amount.amount > owed:
        raise ActionRefused(
            {
                "amount": _("The amount is more than the %(owed)s %(currency)s owed to this Defender.")
                % {"owed": owed, "currency": currency}
            }
        )
    payout = Payout(defender=defender, paid_on=paid_on, reference=reference, recorded_by=acting_user)
    payout.amount = amount
    payout.save()
    payout.reports.set(chosen)
    return payout


# --- corrections: withdrawn reports, refunds, reversals ----------------------------------------
# Coordinators only (``billing.manage``); the audit actor is set by ``@action``. Money records
# are never edited or deleted: a correction is a new row (a Refund, a Reversal) and the sums
# (``net_paid``, ``ledger``) leave out what was reversed.


def _require_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ActionRefused({"reason": _("Give the reason.")})
    return reason


def _require_not_before(on, original_date, what):
    if on < original_date:
        raise ActionRefused(
            {
                "reversed_on": _("The reversal cannot be dated before the %(what)s it reverses (%(date)s).")
                % {"what": what, "date": original_date.isoformat()}
            }
        )


@action("billing.manage")
def do_withdraw_report(report, *, acting_user, reason) -> TimeReport:
    """Write off a report that was returned for correction and never resubmitted, so that it no
    longer holds the case in the reporting step. The report (and the corrected version the
    Defender may have started, still a draft) become *withdrawn*: kept, readable, never billed
    or paid. ``report`` may be the returned version or that draft."""
    reason = _require_reason(reason)
    # Lock the returned version first, then its revision: the order do_revise_report uses.
    if report.status == ReportStatus.DRAFT and report.previous_id:
        report = report.previous
    report = _lock_report(report)
    revision = TimeReport.objects.select_for_update().filter(previous=report).first()
    if report.status != ReportStatus.RETURNED or (revision is not None and revision.status != ReportStatus.DRAFT):
        raise ActionRefused(_("Only a returned report that has not been resubmitted can be withdrawn."))
    now = timezone.now()
    for r in (report, revision):
        if r is None:
            continue
        r.status = ReportStatus.WITHDRAWN
        r.withdrawn_reason, r.withdrawn_at, r.withdrawn_by = reason, now, acting_user
        r.save()
    return report


def _money_amount(amount, currency) -> Decimal:
    """``amount`` (Money or a number) as a Decimal in ``currency``, or refuse naming the field."""
    if isinstance(amount, Money):
        if str(amount.currency) != currency:
            raise ActionRefused(
                {
                    "amount": _("Use the invoice's currency (%(currency)s), not %(other)s.")
                    % {"currency": currency, "other": amount.currency}
                }
            )
        amount = amount.amount
    try:
        amount = Decimal(str(amount))
    except InvalidOperation:
        raise ActionRefused({"amount": _("Enter a number.")}) from None
    if amount <= 0 or money.round_to_minor(amount, currency) != amount:
        raise ActionRefused({"amount": _("Enter an amount greater than zero, with at most two decimals.")})
    return amount


def _lock_open_to_corrections(invoice) -> Invoice:
    invoice = _lock_invoice(invoice)
    if invoice.state not in ISSUED_STATES:
        raise ActionRefused(
            _("Invoice %(number)s is not an issued invoice: its payments cannot be corrected.")
            % {"number": invoice.display_number}
        )
    return invoice


@action("billing.manage")
def do_record_refund(
    invoice, *, acting_user, amount, refunded_on, method=Payment.Method.TRANSFER, reference="", reason
) -> Refund:
    """Money paid back to the Advocate on ``invoice``, in the invoice's currency, at most what the
    Advocate has paid on it (net of earlier refunds). The invoice's paid amount goes down and its
    balance is owed again (it shows in the ageing report) until paid or, if fully refunded, voided."""
    reason = _require_reason(reason)
    # The invoice row is the lock every payment, refund and reversal on it takes first.
    invoice = _lock_open_to_corrections(invoice)
    amount = _money_amount(amount, invoice.currency)
    if method not in Payment.Method.values:
        raise ActionRefused({"method": _("Choose a method.")})
    paid = net_paid(invoice)
    if amount > paid:
        raise ActionRefused(
            {
                "amount": _("The refund is more than the %(paid)s %(currency)s the Advocate has paid on this invoice.")
                % {"paid": paid, "currency": invoice.currency}
            }
        )
    refund = Refund.objects.create(
        invoice=invoice,
        amount=amount,
        refunded_on=refunded_on,
        method=method,
        reference=reference or "",
        reason=reason,
        recorded_by=acting_user,
    )
    _settle(invoice)
    return refund


@action("billing.manage")
def do_reverse_payment(payment, *, acting_user, reason, reversed_on=None) -> Reversal:
    """Cancel a payment from the Advocate recorded by mistake (the whole amount). The payment
    stays; the invoice counts it no more."""
    reason = _require_reason(reason)
    reversed_on = reversed_on or _today()
    invoice = _lock_open_to_corrections(payment.invoice)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.is_reversed:
        raise ActionRefused(_("This payment has already been reversed."))
    _require_not_before(reversed_on, payment.received_on, _("payment"))
    if net_paid(invoice) - payment.amount < 0:
        raise ActionRefused(
            _(
                "Money was refunded against this payment: reverse the refund first, or the invoice "
                "would count more refunded than paid."
            )
        )
    reversal = Reversal.objects.create(payment=payment, reversed_on=reversed_on, reason=reason, recorded_by=acting_user)
    _settle(invoice)
    return reversal


@action("billing.manage")
def do_reverse_refund(refund, *, acting_user, reason, reversed_on=None) -> Reversal:
    """Cancel a refund recorded by mistake (the whole amount): the invoice counts it as paid again."""
    reason = _require_reason(reason)
    reversed_on = reversed_on or _today()
    invoice = _lock_open_to_corrections(refund.invoice)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.is_reversed:
        raise ActionRefused(_("This refund has already been reversed."))
    _require_not_before(reversed_on, refund.refunded_on, _("refund"))
    if net_paid(invoice) + refund.amount > invoice.total:
        raise ActionRefused(_("Reversing this refund would count more paid than the invoice's total."))
    reversal = Reversal.objects.create(refund=refund, reversed_on=reversed_on, reason=reason, recorded_by=acting_user)
    _settle(invoice)
    return reversal


@action("billing.manage")
def do_reverse_payout(payout, *, acting_user, reason, reversed_on=None) -> Reversal:
    """Cancel a payout to a Defender recorded by mistake (the whole amount): what the network owes
    the Defender goes back up by it."""
    reason = _require_reason(reason)
    reversed_on = reversed_on or _today()
    # The same locks as do_record_payout, in the same order: the Defender's approved reports,
    # then the payout, so a payout and its reversal never interleave.
    list(TimeReport.objects.select_for_update().filter(defender_id=payout.defender_id, status=ReportStatus.APPROVED))
    payout = Payout.objects.select_for_update().get(pk=payout.pk)
    if payout.is_reversed:
        raise ActionRefused(_("This payout has already been reversed."))
    _require_not_before(reversed_on, payout.paid_on, _("payout"))
    reversal = Reversal.objects.create(payout=payout, reversed_on=reversed_on, reason=reason, recorded_by=acting_user)
    return reversal
