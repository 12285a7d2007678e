from auditlog.registry import auditlog
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    ACTIONS = [("", _("Any action")), ("0", _("Created")), ("1", _("Changed")), ("2", _("Deleted")), ("3", _("Read"))]

    person = forms.IntegerField(label=_("Person #"), required=False, min_value=1)
    case = forms.CharField(label=_("Case (reference or #)"), required=False, max_length=40)
    user = forms.CharField(label=_("User (email)"), required=False, max_length=254)
    model = forms.ChoiceField(label=_("Kind of record"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=ACTIONS)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sorted(
            (ct.pk, f"{ct.model_class()._meta.verbose_name} ({ct.app_label})")
            for ct in ContentType.objects.get_for_models(*auditlog.get_models()).values()
        )
        self.fields["model"].choices = [("", _("Any kind"))] + [(str(pk), str(label)) for pk, label in choices]


class LegalHoldForm(forms.Form):
    on = forms.BooleanField(label=_("Under legal hold"), required=False)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class CaseLookupForm(forms.Form):
    case = forms.CharField(label=_("Case (reference or #)"), max_length=40)
    reason = forms.CharField(
        label=_("Reason for the legal hold"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


def add_refusal(form, refusal) -> None:
    """Put an action's refusal (``puente.core.action_contract.ActionRefused``, or any
    ``ValidationError``) on ``form``: each message on the field it names when the form has that
    field, else on the form as a whole. The one helper every view uses for this."""
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, list(refusal.messages))
