from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from puente.core.formfields import MoneyField  # refuses an amount without a currency (no 500)
from puente.network.api import Country, Defender, Language, Region

from . import conflicts
from .evaluation import CRITERIA
from .uploads import check_upload
from .models import CONTRACT_CURRENCIES, CaseParty, ClaimType, Outcome, Task, TaskKind, Urgency

DATE = forms.DateInput(attrs={"type": "date"})
# locate's Person, through the app registry (cases does not import locate's models module).
PERSON_SEX_CHOICES = apps.get_model("locate", "Person").Sex.choices


class ClientForm(forms.Form):
    """The client. Any of these may be unknown; none is required but a name or a phone."""

    given_names = forms.CharField(label=_("Given names"), max_length=120, required=False)
    surname_1 = forms.CharField(label=_("First surname"), max_length=120, required=False)
    surname_2 = forms.CharField(label=_("Second surname"), max_length=120, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=PERSON_SEX_CHOICES, required=False)
    birth_date = forms.RegexField(
        label=_("Date of birth, if known"), regex=r"^\d{4}(-\d{2}(-\d{2})?)?$", required=False,
        help_text=_("YYYY, YYYY-MM or YYYY-MM-DD"), max_length=10,
        error_messages={"invalid": _("Write the date as YYYY, YYYY-MM or YYYY-MM-DD.")},
    )
    country = forms.ChoiceField(label=_("Country of origin"), choices=[("", "—"), *Country.choices], required=False)
    region = forms.ModelChoiceField(label=_("Region of origin"), queryset=Region.objects.all(), required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=120, required=False)
    community = forms.CharField(label=_("Community"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    whatsapp = forms.CharField(label=_("WhatsApp"), max_length=40, required=False)
    language = forms.ModelChoiceField(label=_("First language"), queryset=Language.objects.all(), required=False)
    speaks_spanish = forms.BooleanField(label=_("Speaks Spanish"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("given_names", "surname_1", "surname_2", "phone", "whatsapp")):
            raise forms.ValidationError(_("Give at least the client's name or a phone number."))
        region, country = data.get("region"), data.get("country")
        if region and country and region.country != country:
            self.add_error("region", _("This region is not in the country chosen."))
        if region and not country:
            data["country"] = region.country
        return data


class CaseForm(forms.Form):
    claim_type = forms.ChoiceField(label=_("Claim type"), choices=ClaimType.choices)
    court = forms.CharField(label=_("Court or agency"), max_length=200, required=False)
    docket_number = forms.CharField(label=_("Docket number"), max_length=100, required=False)
    summary = forms.CharField(label=_("Summary of the case"), widget=forms.Textarea(attrs={"rows": 5}))
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE)


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseParty.Kind.choices)
    name = forms.CharField(label=_("Name of the opposing party"), max_length=200, required=False)


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Task"), choices=[("", "—"), *TaskKind.choices], required=False)
    description = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)


PartyFormSet = forms.formset_factory(PartyForm, extra=3)
TaskFormSet = forms.formset_factory(TaskForm, extra=4)


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}))


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("Question for the Advocate"), widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 3}))


class DefenderChoiceField(forms.ModelChoiceField):
    """A picker of the active Defenders who may take ``case``: those in conflict with one of its
    parties (``conflicts.conflicts_for``) are not offered, and choosing one anyway (a forged
    POST, a list loaded before the conflict was recorded) is an error naming the party and why.
    The action checks again under the case's lock; this keeps them out of sight."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Defender.objects.filter(status=Defender.Status.ACTIVE).order_by("name", "pk"))
        super().__init__(*args, **kwargs)
        self.active = kwargs["queryset"]
        self.conflicts: dict = {}

    def for_case(self, case, *, exclude_current=False) -> None:
        self.conflicts = conflicts.conflicts_for(case)
        queryset = self.active.exclude(pk__in=list(self.conflicts))
        if exclude_current and case.defender_id:
            queryset = queryset.exclude(pk=case.defender_id)
        self.queryset = queryset

    def to_python(self, value):
        if value not in self.empty_values and str(value).isdigit() and int(value) in self.conflicts:
            conflict = self.conflicts[int(value)]
            raise forms.ValidationError(
                _("This Defender cannot take this case: conflict of interest with %(party)s (%(reason)s)."),
                code="conflict", params={"party": conflict.party, "reason": conflict.reason},
            )
        return super().to_python(value)


class ChangeDefenderForm(forms.Form):
    """A Coordinator gives the case to another Defender before the contract is signed."""

    defender = DefenderChoiceField(label=_("New Defender"))
    reason = forms.CharField(
        label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the case's timeline, which only Coordinators read with its notes."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["defender"].for_case(case, exclude_current=True)


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False)


class SignForm(forms.Form):
    typed_name = forms.CharField(label=_("Type your full name"), max_length=200)
    accepted = forms.BooleanField(label=_("I have read and accept this text."))


class AgreementSignForm(SignForm):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ContractSignForm(SignForm):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ContractEditForm(forms.Form):
    text = forms.CharField(label=_("Contract text"), widget=forms.Textarea(attrs={"rows": 24}))
    note = forms.CharField(label=_("What you changed and why"), max_length=500, required=False)
    base_number = forms.IntegerField(widget=forms.HiddenInput)


class TermsForm(forms.Form):
    """A Coordinator's change of the contract's money terms (a new version, signed again)."""

    hourly_rate = MoneyField(
        label=_("Defender's hourly rate"), max_digits=12, decimal_places=2, currency_choices=CONTRACT_CURRENCIES,
    )
    fee_percent = forms.DecimalField(
        label=_("Network fee (% of the Defender's fees and expenses)"), required=False, max_digits=5,
        decimal_places=2, min_value=0, max_value=100,
    )
    fee_flat = MoneyField(
        label=_("Flat Network fee for the case"), required=False, max_digits=12, decimal_places=2,
        currency_choices=CONTRACT_CURRENCIES, default_currency="USD",
    )
    hours_cap = forms.DecimalField(label=_("Cap on hours"), required=False, max_digits=7, decimal_places=2,
                                   min_value=0)
    expenses_cap = MoneyField(
        label=_("Cap on expenses"), required=False, max_digits=12, decimal_places=2,
        currency_choices=CONTRACT_CURRENCIES,
    )
    payer_note = forms.CharField(
        label=_("Who pays what"), required=False, max_length=300,
        help_text=_("Leave empty for the usual terms: the Advocate pays the Network's invoice; the Network pays "
                    "the Defender."),
    )
    note = forms.CharField(label=_("Why the terms change"), required=False, max_length=500)
    base_number = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def initial_for(cls, version) -> dict:
        return {**version.terms(), "base_number": version.number}


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Task.Status.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Attachments"), required=False)  # type: ignore[assignment]  # a declared field, moved into base_fields by the form's metaclass: it never replaces BaseForm.files

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        errors = []
        for f in files:
            try:
                check_upload(f)
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("files") and not self.errors:
            raise forms.ValidationError(_("Write a message or attach a file."))
        return data


class EvaluationForm(forms.Form):
    comments = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, side, **kwargs):
        super().__init__(*args, **kwargs)
        scale = [(str(i), str(i)) for i in range(1, 6)]
        for name, label in CRITERIA[side]:
            self.fields[f"rating_{name}"] = forms.ChoiceField(label=label, choices=scale, widget=forms.RadioSelect)
        self.order_fields([f"rating_{n}" for n, _l in CRITERIA[side]] + ["comments"])
        self.side = side

    def ratings(self):
        return {n: int(self.cleaned_data[f"rating_{n}"]) for n, _l in CRITERIA[self.side]}


class OutcomeForm(forms.Form):
    result = forms.ChoiceField(label=_("Outcome"), choices=Outcome.Result.choices)
    amount_recovered = MoneyField(
        label=_("Amount recovered"), required=False, max_digits=14, decimal_places=2,
        currency_choices=[(c, c) for c in ("USD", "CAD", "MXN", "GTQ", "HNL", "NIO")], default_currency="USD",
    )
    outcome_date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FiguresFilterForm(forms.Form):
    start = forms.DateField(label=_("Requested from"), required=False, widget=DATE)
    end = forms.DateField(label=_("Requested until"), required=False, widget=DATE)

