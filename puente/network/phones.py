"""Phone numbers of Defenders and their contacts: parsed with the ``phonenumbers`` library, with
the Defender's country as the default, and kept in international format (+502 7764 0000).

A number of the right length for its country is accepted even when the library does not know its
exact range (new mobile ranges appear faster than the library's data)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

EXAMPLE = "+502 5555 1234"


def normalise_phone(value, country=None):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(
            _("Enter a phone number with its country code, such as %(example)s."), params={"example": EXAMPLE},
            code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
