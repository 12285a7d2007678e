"""Billing: the Defender's hours and expenses, invoices to Advocates, their payments, and payouts
to Defenders. Free text (descriptions of work, comments) is encrypted at rest: it can name people.
Every state change goes through ``actions.py``; every model is in the audit history.
Rounding and conversion live in ``money.py`` only.
"""

from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from djmoney.models.fields import MoneyField
from djmoney.money import Money

from puente.core.fields import EncryptedCharField, EncryptedTextField
from puente.core.storage import private_storage

CURRENCY_CHOICES = [(c, c) for c in settings.CURRENCIES]
INVOICE_CURRENCIES = [("USD", "USD"), ("CAD", "CAD")]


class ExchangeRate(models.Model):
    """1 ``from_currency`` = ``rate`` ``to_currency`` from ``effective_date`` until the next rate."""

    from_currency = models.CharField(_("from currency"), max_length=3, choices=CURRENCY_CHOICES)
    to_currency = models.CharField(_("to currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(
        _("rate"), max_digits=20, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )
    effective_date = models.DateField(_("effective from"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["from_currency", "to_currency", "-effective_date"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.UniqueConstraint(
                fields=["from_currency", "to_currency", "effective_date"], name="one_rate_per_pair_and_day"
            ),
            models.CheckConstraint(
                name="rate_between_two_currencies", condition=~models.Q(from_currency=models.F("to_currency"))
            ),
        ]

    def __str__(self):
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} ({self.effective_date})"


class BillingSettings(models.Model):
    """The network's facilitation charge and payment terms: one row (pk=1), edited by Coordinators.
    Each new invoice copies them, so a later change never alters an invoice already made."""

    charge_percent = models.DecimalField(
        _("facilitation charge (percent of the Defender's work)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    charge_flat_usd = models.DecimalField(
        _("flat charge per case for US Advocates (USD)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    charge_flat_cad = models.DecimalField(
        _("flat charge per case for Canadian Advocates (CAD)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal(0))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)

    class Meta:
        verbose_name = _("billing settings")

    def __str__(self):
        return str(_("Billing settings"))

    @classmethod
    def load(cls):
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def flat_for(self, currency):
        return self.charge_flat_cad if currency == "CAD" else self.charge_flat_usd


class InvoiceCounter(models.Model):
    """The last invoice number given. Issuing locks this row (select_for_update) inside the
    issuing transaction, so two Coordinators issuing at once get consecutive numbers, and a
    failed issue rolls the number back: no gaps, no duplicates."""

    key = models.CharField(max_length=20, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}: {self.last_number}"


class PricedUnder(models.Model):
    """Which Case Facilitation Contract version set a price: the version all three parties signed
    (``puente.cases.api.ContractTerms``), kept as its key, number and signing time so that a report,
    an entry or an invoice line says forever what priced it. Empty on records priced before
    contracts held their terms (migration 0004: the Defender's profile rate and the settings' fee)."""

    contract_version = models.ForeignKey(
        "cases.ContractVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contract version"),
    )
    contract_version_number = models.PositiveIntegerField(_("contract version number"), null=True, blank=True)
    contract_signed_at = models.DateTimeField(_("contract signed"), null=True, blank=True)

    class Meta:
        abstract = True

    def set_terms(self, terms) -> None:
        """Record ``terms`` (a ``ContractTerms``) as what priced this record."""
        self.contract_version_id = terms.version_id
        self.contract_version_number = terms.version_number
        self.contract_signed_at = terms.signed_at

    @property
    def priced_under(self):
        """ "contract version 3, signed 2026-11-02" (translated), or "" when priced before contracts."""
        if not self.contract_version_number or self.contract_signed_at is None:
            return ""
        return _("contract version %(number)s, signed %(date)s") % {
            "number": self.contract_version_number,
            "date": timezone.localdate(self.contract_signed_at).isoformat(),
        }


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned for correction")
    APPROVED = "approved", _("Approved")
    # Returned and never resubmitted, and written off by a Coordinator (with the reason): it is
    # neither billed nor paid, and no longer holds the case in the reporting step.
    WITHDRAWN = "withdrawn", _("Withdrawn by the network")


class TimeReport(PricedUnder, models.Model):
    """A Defender's report of hours and expenses on a case. A returned report is corrected in a
    new version (``previous`` points back); the returned version stays as it was, readable."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="time_reports", verbose_name=_("case")
    )
    defender = models.ForeignKey(
        "network.Defender", on_delete=models.PROTECT, related_name="time_reports", verbose_name=_("Defender")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_version",
        verbose_name=_("previous version"),
    )
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    notes = EncryptedTextField(_("notes for the network"), blank=True)
    # The hourly rate of the signed contract version that priced the report (the latest one, when
    # its entries fall under several: each entry keeps its own); "profile" on reports made before
    # contracts held their terms.
    hourly_rate = MoneyField(
        _("hourly rate"),
        max_digits=12,
        decimal_places=2,
        default_currency="MXN",
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )
    hourly_rate_source = models.CharField(max_length=20, blank=True)
    # Fixed at approval: what the network owes the Defender for this report, in the rate's currency.
    approved_amount = MoneyField(
        _("amount owed to the Defender"),
        max_digits=14,
        decimal_places=2,
        default_currency="MXN",
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )
    approved_rates = models.JSONField(default=list, blank=True)
    review_comment = EncryptedTextField(_("comments from the network"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = EncryptedTextField(_("reason for withdrawing"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set at submission: the caps of the signed contract this report goes beyond, for the
    # Coordinator's review ([{"kind": "hours"|"expenses", "cap": "40.00", "total": "45.50",
    # "currency": "" | "GTQ", "version": 3}]). Approving needs an explicit acknowledgement.
    cap_flags = models.JSONField(_("caps exceeded"), default=list, blank=True)
    caps_acknowledged_at = models.DateTimeField(_("caps acknowledged"), null=True, blank=True)
    caps_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Declared so the type checker knows it; djmoney makes it money-aware (MoneyField below).
    objects = models.Manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("time report")
        verbose_name_plural = _("time reports")
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.case} v{self.version}"

    @property
    def is_editable(self):
        return self.status == ReportStatus.DRAFT

    @property
    def is_superseded(self):
        return hasattr(self, "next_version")

    @property
    def total_hours(self):
        return sum((e.hours for e in self.entries.all()), Decimal(0))

    @property
    def is_flagged(self):
        """Beyond a cap of the signed contract and not yet acknowledged by a Coordinator."""
        return bool(self.cap_flags) and self.caps_acknowledged_at is None

    def priced_under_all(self) -> list[str]:
        """Every contract version that priced this report's entries, oldest first ("contract
        version 2, signed ..."), or the report's own when it has only expenses."""
        seen: dict[int, str] = {}
        for entry in self.entries.all():
            if entry.contract_version_number and entry.contract_version_number not in seen:
                seen[entry.contract_version_number] = entry.priced_under
        if not seen and self.contract_version_number:
            seen[self.contract_version_number] = self.priced_under
        return [seen[n] for n in sorted(seen)]

    def versions(self):
        """Every version of this report, oldest first."""
        first = self
        while first.previous_id:
            first = first.previous
        chain, node = [], first
        while node is not None:
            chain.append(node)
            node = getattr(node, "next_version", None) if hasattr(node, "next_version") else None
        return chain


class TimeEntry(PricedUnder, models.Model):
    report = models.ForeignKey(TimeReport, on_delete=models.CASCADE, related_name="entries")
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.25"))]
    )
    task = models.ForeignKey(
        "cases.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("task")
    )
    description = EncryptedTextField(_("description"))
    # The hourly rate of the signed contract version in force on ``date`` (null on entries of
    # drafts made before contracts held their terms: priced when the draft is submitted).
    hourly_rate = MoneyField(
        _("hourly rate"),
        max_digits=12,
        decimal_places=2,
        default_currency="MXN",
        currency_choices=CURRENCY_CHOICES,
        null=True,
        blank=True,
    )

    # Declared so the type checker knows it; djmoney makes it money-aware (MoneyField above).
    objects = models.Manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")

    def __str__(self):
        return f"{self.report} {self.date} {self.hours} h"


class ExpenseCategory(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    COPIES = "copies", _("Copies")
    CIVIL_RECORDS = "civil_records", _("Civil-record fees")
    COURIER = "courier", _("Courier")
    OTHER = "other", _("Other")


class Expense(models.Model):
    report = models.ForeignKey(TimeReport, on_delete=models.CASCADE, related_name="expenses")
    date = models.DateField(_("date"))
    category = models.CharField(_("category"), max_length=20, choices=ExpenseCategory.choices)
    amount = MoneyField(
        _("amount"), max_digits=12, decimal_places=2, default_currency="MXN", currency_choices=CURRENCY_CHOICES
    )
    description = EncryptedCharField(_("description"), max_length=300, blank=True)
    receipt = models.FileField(_("receipt"), storage=private_storage, upload_to="billing/receipts", blank=True)
    # The original file name can itself name the client: encrypted like the file.
    receipt_name = EncryptedCharField(max_length=200, blank=True)
    receipt_content_type = models.CharField(max_length=60, blank=True)

    # Declared so the type checker knows it; djmoney makes it money-aware (MoneyField below).
    objects = models.Manager()

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("expense")
        verbose_name_plural = _("expenses")

    def __str__(self):
        return f"{self.report} {self.date} {self.amount}"


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)
ISSUED_STATES = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID, InvoiceState.PAID)


class Invoice(models.Model):
    """An invoice to an Advocate, in the Advocate's currency. A draft has no number and may be
    changed; issuing gives it the next number and freezes it. An issued invoice is never edited:
    it is voided (keeping its number and the reason) and replaced by a new one."""

    advocate = models.ForeignKey(
        "network.Advocate", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("Advocate")
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=InvoiceState.choices, default=InvoiceState.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, choices=INVOICE_CURRENCIES)
    charge_percent = models.DecimalField(
        _("facilitation charge (percent)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    charge_flat_per_case = models.DecimalField(
        _("flat charge per case"),
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    rate_date = models.DateField(_("exchange rates as of"), null=True, blank=True)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=2, default=Decimal(0))
    charge = models.DecimalField(_("facilitation charge"), max_digits=14, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal(0))
    # Net money received: payments minus refunds, leaving out any that were reversed.
    amount_paid = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=Decimal(0))
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    void_reason = models.TextField(_("reason for voiding"), blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("replaces invoice"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self):
        return self.display_number

    # What an issued invoice may still change: its payment state, and being voided.
    MUTABLE_AFTER_ISSUE = {"state", "amount_paid", "void_reason", "voided_at"}

    def save(self, *args, **kwargs):
        """Refuse any change to an issued invoice other than payments and voiding, whoever calls
        save(): the rule does not depend on every caller going through actions.py."""
        if self.pk and not self._state.adding:
            stored = Invoice.objects.filter(pk=self.pk).first()
            if stored is not None and stored.state != InvoiceState.DRAFT:
                changed = {
                    f.attname
                    for f in self._meta.concrete_fields
                    if getattr(stored, f.attname) != getattr(self, f.attname)
                } - self.MUTABLE_AFTER_ISSUE
                if changed:
                    raise ValueError(f"Invoice {stored.display_number} is issued; cannot change {sorted(changed)}.")
        super().save(*args, **kwargs)

    @property
    def display_number(self):
        return f"PU-{self.number:05d}" if self.number else str(_("Draft #%(pk)s") % {"pk": self.pk})

    @property
    def balance(self):
        return self.total - self.amount_paid

    @property
    def is_draft(self):
        return self.state == InvoiceState.DRAFT

    def reports(self):
        return TimeReport.objects.filter(invoice_lines__invoice=self).distinct()

    def priced_under(self) -> list[str]:
        """Per case, the contract versions that priced this invoice's lines ("PU-2026-00012:
        priced under contract version 3, signed 2026-11-02"), in the active language."""
        seen: dict[str, dict[int, str]] = {}
        for line in self.lines.select_related("report__case"):
            if line.report is not None and line.contract_version_number:
                seen.setdefault(str(line.report.case), {})[line.contract_version_number] = line.priced_under
        return [
            _("%(case)s: priced under %(terms)s") % {"case": case, "terms": "; ".join(v[n] for n in sorted(v))}
            for case, v in sorted(seen.items())
        ]

    def rates_used(self):
        seen = {}
        for line in self.lines.all():
            if line.rate_date:
                seen[(line.source_currency, line.rate, line.rate_date)] = line
        return list(seen.values())


class InvoiceLine(PricedUnder, models.Model):
    class Kind(models.TextChoices):
        TIME = "time", _("Hours")
        EXPENSE = "expense", _("Expense")
        CHARGE_PERCENT = "charge_percent", _("Facilitation charge")
        CHARGE_FLAT = "charge_flat", _("Facilitation charge per case")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    report = models.ForeignKey(
        TimeReport, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    date = models.DateField(null=True, blank=True)
    category = models.CharField(max_length=20, choices=ExpenseCategory.choices, blank=True)
    description = EncryptedCharField(max_length=400, blank=True)
    quantity = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    unit_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The amount in its own currency (rounded), the rate used and its date, the invoiced amount.
    source_amount = models.DecimalField(max_digits=14, decimal_places=2)
    source_currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10, default=Decimal(1))
    rate_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.invoice} #{self.position} ({self.kind})"

    def save(self, *args, **kwargs):
        if Invoice.objects.filter(pk=self.invoice_id).exclude(state=InvoiceState.DRAFT).exists():
            raise ValueError("The lines of an issued invoice cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Invoice.objects.filter(pk=self.invoice_id).exclude(state=InvoiceState.DRAFT).exists():
            raise ValueError("The lines of an issued invoice cannot change.")
        return super().delete(*args, **kwargs)

    @property
    def is_charge(self):
        return self.kind in (self.Kind.CHARGE_PERCENT, self.Kind.CHARGE_FLAT)


class Payment(models.Model):
    """Money received from the Advocate against an invoice, in the invoice's currency."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        CHECK = "check", _("Check")
        CARD = "card", _("Card")
        OTHER = "other", _("Other")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    received_on = models.DateField(_("received on"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.TRANSFER)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self):
        return f"{self.invoice} {self.received_on} {self.amount}"

    @property
    def money(self):
        return Money(self.amount, self.invoice.currency)

    @property
    def is_reversed(self):
        return hasattr(self, "reversal")


class Refund(models.Model):
    """Money the network paid back to the Advocate on an invoice, in the invoice's currency. It
    lowers what the invoice counts as paid (``Invoice.amount_paid`` is payments minus refunds,
    neither reversed)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    refunded_on = models.DateField(_("refunded on"))
    method = models.CharField(
        _("method"), max_length=20, choices=Payment.Method.choices, default=Payment.Method.TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    # Free text: may name the client. Encrypted at rest, masked in the audit history.
    reason = EncryptedTextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["refunded_on", "pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount__gt=0))]

    def __str__(self):
        return f"{self.invoice} {self.refunded_on} -{self.amount}"

    @property
    def money(self):
        return Money(self.amount, self.invoice.currency)

    @property
    def is_reversed(self):
        return hasattr(self, "reversal")


class Payout(models.Model):
    """Money the network paid a Defender, in the Defender's currency, for one or more approved reports."""

    defender = models.ForeignKey(
        "network.Defender", on_delete=models.PROTECT, related_name="payouts", verbose_name=_("Defender")
    )
    amount = MoneyField(
        _("amount"), max_digits=14, decimal_places=2, default_currency="MXN", currency_choices=CURRENCY_CHOICES
    )
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reports = models.ManyToManyField(TimeReport, related_name="payouts", verbose_name=_("reports"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    # Declared so the type checker knows it; djmoney makes it money-aware (MoneyField below).
    objects = models.Manager()

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")

    def __str__(self):
        return f"{self.defender} {self.paid_on} {self.amount}"

    @property
    def is_reversed(self):
        return hasattr(self, "reversal")


class Reversal(models.Model):
    """Cancels one payment, refund or payout that was recorded by mistake. Money records are never
    edited or deleted: the original stays as it was and this entry, with its date and reason,
    takes it out of every sum (invoice balance, ledger, ageing). One reversal per record (the
    one-to-one keys), the whole amount (a wrong amount is reversed and recorded again)."""

    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    refund = models.OneToOneField(Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    payout = models.OneToOneField(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="reversal")
    reversed_on = models.DateField(_("reversed on"))
    reason = EncryptedTextField(_("reason"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["reversed_on", "pk"]
        verbose_name = _("reversal")
        verbose_name_plural = _("reversals")
        constraints = [
            models.CheckConstraint(
                name="reversal_of_exactly_one_record",
                condition=(
                    models.Q(payment__isnull=False, refund__isnull=True, payout__isnull=True)
                    | models.Q(payment__isnull=True, refund__isnull=False, payout__isnull=True)
                    | models.Q(payment__isnull=True, refund__isnull=True, payout__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return f"{self.original} ({self.reversed_on})"

    @property
    def original(self):
        return self.payment or self.refund or self.payout

    @property
    def money(self) -> Money:
        """The reversed amount, with its currency."""
        if self.payout is not None:
            return self.payout.amount
        return self.original.money


auditlog.register(ExchangeRate)
auditlog.register(BillingSettings)
auditlog.register(InvoiceCounter)
# Free text about the work can name the client or where they live: encrypted at rest (above)
# and masked in the audit history.
auditlog.register(TimeReport, mask_fields=["notes", "review_comment", "withdrawn_reason"])
auditlog.register(TimeEntry, mask_fields=["description"])
auditlog.register(Expense, mask_fields=["receipt_name", "description"])
auditlog.register(Invoice)
auditlog.register(InvoiceLine, mask_fields=["description"])
auditlog.register(Payment)
auditlog.register(Payout, m2m_fields={"reports"})
auditlog.register(Refund, mask_fields=["reason"])
auditlog.register(Reversal, mask_fields=["reason"])
