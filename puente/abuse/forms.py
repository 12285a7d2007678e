from django import forms
from django.utils.translation import gettext_lazy as _
from djmoney.money import Money

from puente.network.api import Country, Defender, Region

from .models import FEE_CURRENCIES, Incident, Programme, Recruiter, TraffickingIndicator


class DateInput(forms.DateInput):
    input_type = "date"


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_country_display()})"


class ReportForm(forms.Form):
    recruiter_names = forms.CharField(
        label=_("Recruiters"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line, as the worker says it (person or agency)."),
    )
    employer_name = forms.CharField(label=_("Employer in the US or Canada"), max_length=200, required=False)
    programme = forms.ChoiceField(label=_("Visa programme"), choices=Programme.choices, required=False)
    occurred_from = forms.DateField(label=_("Date (or start of the period)"), required=False, widget=DateInput)
    occurred_to = forms.DateField(label=_("End of the period"), required=False, widget=DateInput)
    region = RegionChoiceField(label=_("Region (state or department)"), queryset=Region.objects.all(), required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=120, required=False)
    given_names = forms.CharField(label=_("Worker's given names"), max_length=120, required=False)
    surname_1 = forms.CharField(label=_("Worker's first surname"), max_length=120, required=False)
    surname_2 = forms.CharField(label=_("Worker's second surname"), max_length=120, required=False)
    case: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Case it led to"), queryset=None, required=False)
    worker_is_client = forms.BooleanField(
        label=_("The worker is the client of this case"), required=False,
    )
    narrative = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 6}), required=False)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["given_names"].help_text = _("Leave the worker's names empty to file the report anonymously.")

    def clean_recruiter_names(self):
        names = _lines(self.cleaned_data["recruiter_names"])
        if not names:
            raise forms.ValidationError(_("Name at least one recruiter."))
        return names

    def clean(self):
        data = super().clean()
        if data.get("occurred_from") and data.get("occurred_to") and data["occurred_to"] < data["occurred_from"]:
            self.add_error("occurred_to", _("The end of the period is before its start."))
        if data.get("worker_is_client") and not data.get("case"):
            self.add_error("case", _("Choose the case whose client is the worker."))
        return data


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Incident.Kind.choices)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in FEE_CURRENCIES], required=False)
    paid_to = forms.CharField(label=_("Paid to"), max_length=200, required=False)
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput)
    job_did_not_exist = forms.BooleanField(label=_("The job did not exist"), required=False)
    money_taken = forms.BooleanField(label=_("Money was taken"), required=False)
    documents_taken = forms.BooleanField(label=_("Documents were taken"), required=False)
    documents = forms.CharField(label=_("Which documents"), max_length=200, required=False,
                                help_text=_("Passport, birth certificate, voter card..."))
    blacklisted = forms.BooleanField(label=_("Blacklisted (not rehired)"), required=False)
    indicators = forms.MultipleChoiceField(
        label=_("Trafficking indicators"), choices=TraffickingIndicator.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == Incident.Kind.FEE:
            if data.get("amount") in (None, 0) or not data.get("currency"):
                self.add_error("amount", _("An illegal recruitment fee needs the amount paid and its currency."))
            else:
                data["money"] = Money(data["amount"], data["currency"])
        if data.get("kind") == Incident.Kind.TRAFFICKING and not data.get("indicators"):
            self.add_error("indicators", _("Tick at least one trafficking indicator."))
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class RecruiterEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Recruiter.Kind.choices)
    country = forms.ChoiceField(label=_("Country"), choices=[("", "—"), *Country.choices], required=False)
    regions = forms.ModelMultipleChoiceField(label=_("Regions where it operates"), queryset=Region.objects.all(),
                                             required=False)
    municipalities = forms.CharField(label=_("Municipalities"), max_length=300, required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RecruiterForm(RecruiterEditForm):
    """A new recruiter: the edit fields plus its other names and phones."""

    aliases = forms.CharField(label=_("Other names"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                              help_text=_("One per line."))
    phones = forms.CharField(label=_("Phones"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text=_("One per line."))
    field_order = ["name", "kind", "country", "regions", "municipalities", "aliases", "phones", "notes"]

    def clean_aliases(self):
        return _lines(self.cleaned_data["aliases"])

    def clean_phones(self):
        from .resolution import normalise_phone

        phones = _lines(self.cleaned_data["phones"])
        out = []
        for raw in phones:
            try:
                out.append(normalise_phone(raw, self.data.get("country", "")))
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return out


class AliasForm(forms.Form):
    name = forms.CharField(label=_("Alias"), max_length=200)


class PhoneForm(forms.Form):
    number = forms.CharField(label=_("Phone"), max_length=40)
    note = forms.CharField(label=_("Note"), max_length=120, required=False)


class EmployerForm(forms.Form):
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    programme = forms.ChoiceField(label=_("Visa programme"), choices=Programme.choices, required=False)


class ConflictForm(forms.Form):
    defender: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Defender"), queryset=Defender.objects.all())
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RecruiterSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)


class LinkCaseForm(forms.Form):
    case: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Case it led to"), queryset=None, required=False)

    def __init__(self, *args, cases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class ReportFilterForm(forms.Form):
    q = forms.CharField(label=_("Recruiter"), required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *Incident.Kind.choices], required=False)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.all(), required=False)
