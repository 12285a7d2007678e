from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_LIFETIME_DAYS
from .models import Access, Area

LIFETIMES = [(30, _("30 days")), (90, _("90 days")), (180, _("180 days")), (MAX_LIFETIME_DAYS, _("one year"))]
NONE = ""


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_('What uses it: "field app on my phone", "reporting spreadsheet".')
    )
    expires_in_days = forms.TypedChoiceField(label=_("Expires in"), choices=LIFETIMES, coerce=int, initial=90)
    totp_code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(NONE, _("No access")), *Access.choices]
        for area, label in Area.choices:
            self.fields[f"scope_{area}"] = forms.ChoiceField(label=label, choices=choices, required=False)
        if user is None or user.role != "coordinator":
            del self.fields["totp_code"]
        else:
            self.fields["totp_code"].required = True

    def scope_fields(self):
        return [self[f"scope_{area}"] for area in Area.values]

    def scopes(self) -> dict:
        return {
            area: self.cleaned_data[f"scope_{area}"] for area in Area.values if self.cleaned_data.get(f"scope_{area}")
        }
