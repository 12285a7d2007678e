"""The named criteria each side rates from 1 to 5 when evaluating a facilitation."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

CRITERIA = {
    # The Advocate evaluates the work done in the client's country.
    "advocate": [
        ("communication", _("Communication with you")),
        ("timeliness", _("Timeliness")),
        ("quality", _("Quality of the work")),
        ("client_care", _("Care for the client (language, culture, safety)")),
    ],
    # The Defender evaluates the Advocate and the network's facilitation.
    "defender": [
        ("instructions", _("Clarity of the instructions")),
        ("communication", _("Communication with the Advocate")),
        ("support", _("Support from the network")),
        ("payment", _("Payment on time")),
    ],
}


def overall(ratings: dict) -> Decimal:
    values = [Decimal(int(v)) for v in ratings.values()]
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
