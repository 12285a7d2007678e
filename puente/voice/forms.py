from django import forms
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import NAME_MAX, TEXT_MAX

US_STATES = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
]


class GuardedForm(forms.Form):
    """The honeypot and the challenge (see guard.py)."""

    website = forms.CharField(required=False, label=_("Leave this empty"), max_length=200)
    challenge_token = forms.CharField(widget=forms.HiddenInput, max_length=400)
    challenge_answer = forms.CharField(label=_("How much is it?"), max_length=4)


class CheckForm(forms.Form):
    name = forms.CharField(label=_("Name of the employer or recruiter, as you heard it"), max_length=NAME_MAX)
    state = forms.ChoiceField(label=_("US state"), required=False,
                              choices=[("", _("I don't know"))] + [(s, s) for s in US_STATES])
    work = forms.CharField(label=_("Kind of work (optional)"), required=False, max_length=100)
    start = forms.DateField(label=_("From (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ReportForm(GuardedForm):
    kinds = forms.MultipleChoiceField(label=_("What happened?"), choices=actions.KINDS.choices,
                                      widget=forms.CheckboxSelectMultiple)
    recruiter_name = forms.CharField(label=_("Recruiter (name or nickname)"), required=False, max_length=NAME_MAX)
    employer_name = forms.CharField(label=_("Employer in the United States"), required=False, max_length=NAME_MAX)
    programme = forms.ChoiceField(label=_("Visa"), required=False,
                                  choices=[("", _("I don't know")), ("H-2A", "H-2A"), ("H-2B", "H-2B")])
    places = forms.CharField(label=_("Places (town, state)"), required=False, max_length=NAME_MAX)
    occurred_from = forms.DateField(label=_("When (or from)"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    occurred_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    fee_amount = forms.DecimalField(label=_("How much did you pay?"), required=False, min_value=0, max_digits=12,
                                    decimal_places=2)
    fee_currency = forms.ChoiceField(label=_("Currency"), required=False,
                                     choices=[("", "—")] + [(c, c) for c in actions.CURRENCIES])
    fee_paid_to = forms.CharField(label=_("To whom?"), required=False, max_length=NAME_MAX)
    documents_kept = forms.CharField(label=_("Which documents were kept from you?"), required=False,
                                     max_length=NAME_MAX)
    indicators = forms.MultipleChoiceField(label=_("Signs of trafficking"), required=False,
                                           choices=actions.INDICATORS.choices, widget=forms.CheckboxSelectMultiple)
    narrative = forms.CharField(label=_("Tell us what happened"), required=False, max_length=TEXT_MAX,
                                widget=forms.Textarea(attrs={"rows": 5}))
    contact = forms.CharField(label=_("A way to contact you (optional)"), required=False, max_length=NAME_MAX)
    contact_consent = forms.BooleanField(label=_("I agree that the network contacts me this way"), required=False)


class AddForm(GuardedForm):
    code = forms.CharField(label=_("Your code"), max_length=12)
    text = forms.CharField(label=_("What do you want to add?"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 5}))


class AcceptForm(forms.Form):
    recruiters = forms.MultipleChoiceField(label=_("Known recruiters"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    recruiter_names = forms.CharField(label=_("Other recruiter names (one a line; new ones are created)"),
                                      required=False, widget=forms.Textarea(attrs={"rows": 2}))
    employer_name = forms.CharField(label=_("Employer"), required=False, max_length=NAME_MAX)
    programme = forms.ChoiceField(label=_("Visa"), required=False,
                                  choices=[("", "—"), ("H-2A", "H-2A"), ("H-2B", "H-2B")])


class DiscardForm(forms.Form):
    note = forms.CharField(label=_("Why"), required=False, max_length=NAME_MAX)


class RightsPageForm(forms.Form):
    body_es = forms.CharField(label=_("Text in Spanish"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 10}))
    body_en = forms.CharField(label=_("Text in English"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 10}))
