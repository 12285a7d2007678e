from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from puente.core.roles import Role

from .models import (Advocate, Country, Defender, DefenderConflict, DefenderContact, Expertise, Jurisdiction,
                     Language, Region, User)
from .phones import normalise_phone

LANGUAGE_CHOICES = [("es", _("Spanish")), ("en", _("English"))]


class RegionsField(forms.ModelMultipleChoiceField):
    """Regions as checkboxes, labelled with their country so that the list reads on a phone."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kw):
        super().__init__(queryset=Region.objects.order_by("country", "name"), required=False,
                         label=_("Regions served"), **kw)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.country})"

    def own_country_first(self, country):
        """A Defender mostly serves its own country: its regions come first, then the rest."""
        if country:
            self.queryset = Region.objects.annotate(
                own=Case(When(country=country, then=Value(0)), default=Value(1), output_field=IntegerField())
            ).order_by("own", "country", "name")


def _m2m(queryset, label):
    return forms.ModelMultipleChoiceField(queryset=queryset, required=False, label=label,
                                          widget=forms.CheckboxSelectMultiple)


def _website():
    return forms.URLField(label=_("website"), required=False, assume_scheme="https")


class PhoneFieldsMixin:
    """Check and normalise phone and WhatsApp numbers against the Defender's country."""

    phone_fields = ("phone", "whatsapp")

    def _phone_country(self):
        return self.cleaned_data.get("country") or getattr(self.instance, "country", None)

    def clean(self):
        data = super().clean()
        for name in self.phone_fields:
            if name in self.fields and data.get(name):
                try:
                    data[name] = normalise_phone(data[name], self._phone_country())
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return data


class DefenderForm(PhoneFieldsMixin, forms.ModelForm):
    """The directory entry, as Coordinators edit it."""

    website = _website()
    regions = RegionsField()
    languages = _m2m(Language.objects.all(), _("Languages"))
    expertise = _m2m(Expertise.objects.all(), _("Areas of expertise"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].own_country_first(self.instance.country if self.instance.pk else None)

    class Meta:
        model = Defender
        fields = ["name", "kind", "country", "city", "regions", "languages", "expertise", "capacity",
                  "hourly_rate", "status", "email", "phone", "whatsapp", "website", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class OwnDefenderForm(PhoneFieldsMixin, forms.ModelForm):
    """What a Defender edits in its own profile."""

    website = _website()
    regions = RegionsField()
    languages = _m2m(Language.objects.all(), _("Languages"))
    expertise = _m2m(Expertise.objects.all(), _("Areas of expertise"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].own_country_first(self.instance.country)

    class Meta:
        model = Defender
        fields = ["city", "email", "phone", "whatsapp", "website", "regions", "languages", "expertise",
                  "capacity", "status", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}


class AccountForm(forms.ModelForm):
    """One's own account: name, phone and the language of the interface."""

    language = forms.ChoiceField(label=_("Language of the interface"), choices=LANGUAGE_CHOICES)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "phone", "language"]


class AdvocateForm(forms.ModelForm):
    jurisdictions = _m2m(Jurisdiction.objects.all(), _("Bar admissions"))
    languages = _m2m(Language.objects.all(), _("Languages"))

    # No "Advocate Agreement signed" field: only the Advocate signs, on the agreement page (cases).
    class Meta:
        model = Advocate
        fields = ["organisation", "country", "city", "phone", "jurisdictions", "languages"]


class OwnAdvocateForm(forms.ModelForm):
    jurisdictions = _m2m(Jurisdiction.objects.all(), _("Bar admissions"))
    languages = _m2m(Language.objects.all(), _("Languages"))

    class Meta:
        model = Advocate
        fields = ["organisation", "country", "city", "phone", "jurisdictions", "languages"]


class ContactForm(PhoneFieldsMixin, forms.ModelForm):
    def _phone_country(self):
        return self.instance.defender.country if self.instance.defender_id else None

    class Meta:
        model = DefenderContact
        fields = ["name", "position", "email", "phone", "whatsapp"]


class ConflictForm(forms.ModelForm):
    class Meta:
        model = DefenderConflict
        fields = ["party_kind", "party_name", "note"]
        widgets = {"note": forms.TextInput()}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    first_name = forms.CharField(label=_("First name(s)"), max_length=150)
    last_name = forms.CharField(label=_("Surname(s)"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    defender: "forms.ModelChoiceField[Defender]" = forms.ModelChoiceField(
        label=_("Defender (organisation or practitioner)"), queryset=Defender.objects.all(), required=False
    )
    organisation = forms.CharField(label=_("Advocate's organisation"), max_length=200, required=False)
    advocate_country = forms.ChoiceField(label=_("Advocate's country"), required=False,
                                         choices=[("US", _("United States")), ("CA", _("Canada"))])
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("Default for the role")), *LANGUAGE_CHOICES],
                                 required=False)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.DEFENDER and not data.get("defender"):
            self.add_error("defender", _("Choose the Defender this account belongs to."))
        if data.get("role") == Role.ADVOCATE and not data.get("organisation"):
            self.add_error("organisation", _("Enter the Advocate's organisation."))
        return data


class AcceptInvitationForm(SetPasswordForm):
    pass


class DefenderFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False, choices=[("", _("All")), *Country.choices])
    region = forms.ModelChoiceField(
        label=_("Region"), required=False, queryset=Region.objects.order_by("country", "name"), empty_label=_("All")
    )
    language = forms.ModelChoiceField(
        label=_("Language"), required=False, queryset=Language.objects.all(), empty_label=_("All")
    )
    expertise = forms.ModelChoiceField(
        label=_("Expertise"), required=False, queryset=Expertise.objects.all(), empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Availability"), required=False, choices=[("", _("All")), *Defender.Status.choices]
    )
    free = forms.BooleanField(label=_("Has free capacity"), required=False)


class AdvocateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.ChoiceField(
        label=_("Country"), required=False, choices=[("", _("All")), ("US", _("United States")), ("CA", _("Canada"))]
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("Bar admission"), required=False, queryset=Jurisdiction.objects.all(), empty_label=_("All")
    )
    agreement = forms.ChoiceField(
        label=_("Advocate Agreement"),
        required=False,
        choices=[("", _("All")), ("signed", _("Signed")), ("unsigned", _("Not signed"))],
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
