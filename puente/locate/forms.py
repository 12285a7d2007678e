from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from puente.network.api import Advocate, Defender

from .actions import PERSON_FIELDS
from .importing import TARGETS
from .models import ContactAttempt, ContactMethod, Person, Preference, ReunificationProject, SearchBasis, SearchStatus


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("Any order, nicknames and misspellings are fine.")
    )
    birth_date = forms.CharField(
        label=_("Date of birth"), max_length=20, required=False, help_text=_("1984, 1984-07 or 1984-07-15")
    )
    region = forms.CharField(label=_("State or department"), max_length=100, required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    project = forms.ModelChoiceField(
        label=_("Reunification project"), queryset=ReunificationProject.objects.none(), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_coordinator:
            self.fields["project"].queryset = ReunificationProject.objects.filter(active=True)
        else:
            del self.fields["project"]


class PersonForm(forms.ModelForm):
    """A person's details. ``partial=True`` (editing): only the fields present in the POST are
    changed (``sent_data``), so a form that sends fewer fields, or none, clears nothing. A check
    box sends nothing when unticked; the form says which ones it showed (``shown``)."""

    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, partial=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.partial = partial
        self._checkboxes = [n for n, f in self.fields.items() if isinstance(f, forms.BooleanField)]
        self.fields["shown"].initial = ",".join(self._checkboxes)
        if partial:
            for name in self.fields:
                if name != "shown" and name not in self.data and name not in self._shown():
                    self.fields[name].required = False

    def _shown(self) -> set[str]:
        return {n for n in (self.data.get("shown") or "").split(",") if n in self._checkboxes}

    def sent_data(self) -> dict:
        """The cleaned values of the fields the POST carried (all of them when not partial)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "shown"}
        if not self.partial:
            return data
        return {k: v for k, v in data.items() if k in self.data or k in self._shown()}

    def clean(self):
        cleaned = super().clean()
        if self.partial:
            if not self.sent_data():
                raise forms.ValidationError(_("Nothing was sent: no field has been changed."))
            sent = self.sent_data()
            names = [sent.get(f, getattr(self.instance, f)) for f in ("given_names", "surname_1", "surname_2")]
        else:
            names = [cleaned.get(f) for f in ("given_names", "surname_1", "surname_2")]
        if not any((n or "").strip() for n in names):
            self.add_error("given_names", _("Give at least the given names or a surname."))
        return cleaned

    class Meta:
        model = Person
        fields = PERSON_FIELDS
        widgets = {
            "other_names": forms.Textarea(attrs={"rows": 2}),
            "other_phones": forms.Textarea(attrs={"rows": 2}),
            "relatives": forms.Textarea(attrs={"rows": 3}),
            "last_known_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class ConsentForm(forms.Form):
    advocate = forms.ModelChoiceField(label=_("Advocate"), queryset=Advocate.objects.select_related("user"))
    how = forms.CharField(label=_("How it was obtained"), max_length=200, required=False)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = ReunificationProject
        fields = ["name", "court", "docket_number", "description"]


class AssignForm(forms.Form):
    defender: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Defender"), queryset=Defender.objects.filter(status="active"), required=False
    )


class AttemptForm(forms.Form):
    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=ContactMethod.choices)
    result = forms.ChoiceField(label=_("Result"), choices=ContactAttempt.Result.choices)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SearchStatus.choices)


class PreferenceForm(forms.Form):
    preference = forms.ChoiceField(label=_("Stated preference"), choices=[c for c in Preference.choices if c[0]])
    method = forms.ChoiceField(label=_("How it was obtained"), choices=ContactMethod.choices)
    at = forms.DateTimeField(
        label=_("When"), initial=timezone.now, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("List of people (CSV or XLSX)"))
    project = forms.ModelChoiceField(
        label=_("Add them to a reunification project"),
        queryset=ReunificationProject.objects.filter(active=True),
        required=False,
    )

    search_basis = forms.ChoiceField(
        label=_("Why these people may be searched for"), required=False,
        choices=[("", _("Only those who consented (no other basis)"))]
        + [c for c in SearchBasis.choices if c[0]],
        help_text=_("Set for the whole list: a court order or a partner's referral."))
    search_basis_note = forms.CharField(label=_("Court order or partner"), max_length=200, required=False,
                                        help_text=_("e.g. Ms. L. v. ICE, S.D. Cal. 18-cv-00428; or the partner's name"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("search_basis") and not (cleaned.get("search_basis_note") or "").strip():
            self.add_error("search_basis_note", _("Name the court order or the partner organisation."))
        return cleaned

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a CSV or XLSX file."))
        if f.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return f


class MappingForm(forms.Form):
    def __init__(self, *args, headers=(), initial_map=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(h, h) for h in headers]
        labels = {
            "given_names": _("Given names"),
            "surname_1": _("First surname"),
            "surname_2": _("Second surname"),
            "sex": _("Sex"),
            "birth_date": _("Date of birth"),
            "country": _("Country"),
            "admin1": _("State or department"),
            "municipality": _("Municipality"),
            "phone": _("Phone"),
        }
        for t in TARGETS:
            self.fields[t] = forms.ChoiceField(
                label=labels[t], choices=choices, required=False, initial=(initial_map or {}).get(t, "")
            )


class AddToProjectForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
