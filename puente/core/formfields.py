"""Form fields that refuse bad input with a message instead of failing.

``MoneyField``: django-money's form field builds ``Money(amount, "")`` when an amount comes
without a currency (a hand-made request, a browser without the select), which raises a
``KeyError`` deep in the currency tables: a 500 (issue 23). This one says which part is missing.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from djmoney.forms.fields import MoneyField as _MoneyField

__all__ = ["MoneyField"]


class MoneyField(_MoneyField):
    default_error_messages = {
        **_MoneyField.default_error_messages,
        "currency": _("Choose the currency of the amount."),
    }

    def compress(self, data_list):
        if data_list and data_list[0] not in self.empty_values:
            currency = data_list[1] if len(data_list) > 1 else None
            if currency in self.empty_values:
                raise ValidationError(self.error_messages["currency"], code="currency")
        return super().compress(data_list)
