from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import BillingSettings, ExpenseCategory, Payment

CURRENCY_CHOICES = [(c, c) for c in settings.CURRENCIES]


class DateInput(forms.DateInput):
    """An HTML date picker: its value must be ISO (YYYY-MM-DD) whatever the user's language."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class TimeEntryForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=Decimal("0.25"), max_value=Decimal(24), decimal_places=2, max_digits=5
    )
    task: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Task"), queryset=None, required=False, empty_label=_("(no particular task)")
    )
    description = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = case.tasks.all() if case is not None else None


class ExpenseForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    category = forms.ChoiceField(label=_("Category"), choices=ExpenseCategory.choices)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=12)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    receipt = forms.FileField(label=_("Receipt (photo or PDF)"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return for correction"))])
    comment = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    acknowledge_caps = forms.BooleanField(
        label=_("I have reviewed the hours and expenses beyond the contract's cap and approve them."), required=False
    )


class RateForm(forms.Form):
    from_currency = forms.ChoiceField(label=_("From"), choices=CURRENCY_CHOICES)
    to_currency = forms.ChoiceField(label=_("To"), choices=CURRENCY_CHOICES)
    rate = forms.DecimalField(
        label=_("Rate (1 unit of From in To)"), min_value=Decimal("0.0000000001"), decimal_places=10, max_digits=20
    )
    effective_date = forms.DateField(label=_("Effective from"), widget=DateInput)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ["charge_percent", "charge_flat_usd", "charge_flat_cad", "payment_terms_days"]
        help_texts = {
            "charge_percent": _(
                "Written into a case's contract when it is first generated. An invoice charges the fee of the "
                "contract its case's parties signed, never this figure."
            ),
        }


class InvoiceChargeForm(forms.Form):
    """A draft's payment terms. The fee is not here: the signed contract sets it."""

    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365)


class NewInvoiceForm(forms.Form):
    reports: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Approved reports"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, reports=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].queryset = reports
        self.fields["reports"].label_from_instance = lambda r: (
            f"{r.case} · {r.defender} · v{r.version} · {r.approved_amount}"
        )


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    replace = forms.BooleanField(label=_("Create a replacement draft"), required=False, initial=True)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    currency = forms.ChoiceField(label=_("Currency"), choices=[("USD", "USD"), ("CAD", "CAD")])
    refunded_on = forms.DateField(label=_("Refunded on"), widget=DateInput)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReversalForm(forms.Form):
    reversed_on = forms.DateField(label=_("Reversed on"), widget=DateInput)
    reason = forms.CharField(label=_("Why it was recorded by mistake"), max_length=2000)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PayoutForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=2, max_digits=14)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    reports: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("For reports"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, reports=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reports"].queryset = reports
        self.fields["reports"].label_from_instance = lambda r: f"{r.case} · v{r.version} · {r.approved_amount}"


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data
