"""Money for billing: the ONE rounding rule of Puente, and currency conversion.

The rounding rule (every amount in billing goes through ``round_to_minor``):

1. A line is first computed in its own currency (hours x hourly rate, or an expense's amount) and
   rounded half-up (0.005 -> 0.01) to that currency's minor unit (cents for all six currencies of
   the network; 0 decimals for JPY, 3 for KWD: the minor unit comes from ISO 4217 via py-moneyed).
2. It is then converted with the exchange rate in force on the conversion date, and the result is
   rounded half-up to the minor unit of the target currency. The line stores that rounded amount
   and the rate it used.
3. A subtotal or total is the plain sum of its rounded lines; a sum is never rounded again, so
   the lines printed on an invoice always add up to its total.
4. A percentage charge is computed on the rounded subtotal and rounded half-up once.

Exchange rates (``ExchangeRate``) are kept by Coordinators. The rate in force for a date is the one
with the latest effective date on or before it. When only the opposite pair is stored (GTQ->USD
wanted, USD->GTQ stored) its inverse is used, computed to ``RATE_PLACES`` decimal places; when
neither is stored, the cross rate through USD (MXN->USD x USD->GTQ), to the same places.
Amounts are ``Decimal`` and ``djmoney`` ``Money``; a float is refused.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from djmoney.money import Money
from moneyed import get_currency

from .models import ExchangeRate

ROUNDING = ROUND_HALF_UP
RATE_PLACES = 10


def minor_unit_places(currency) -> int:
    """Decimal places of a currency's minor unit: 2 for USD, 0 for JPY, 3 for KWD."""
    code = getattr(currency, "code", currency)
    sub_unit = get_currency(str(code)).sub_unit or 1
    places = 0
    while sub_unit >= 10:
        sub_unit //= 10
        places += 1
    return places


def _decimal(value) -> Decimal:
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string.")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_to_minor(amount, currency) -> Decimal:
    """Round half-up to the currency's minor unit. The only rounding function of Puente."""
    places = minor_unit_places(currency)
    return _decimal(amount).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)


def round_money(money: Money) -> Money:
    return Money(round_to_minor(money.amount, money.currency), money.currency)


def multiply(unit: Money, quantity) -> Money:
    """quantity x unit price, rounded (rule 1): hours x hourly rate."""
    return Money(round_to_minor(unit.amount * _decimal(quantity), unit.currency), unit.currency)


def percent_of(amount: Decimal, percent, currency) -> Decimal:
    """A percentage of a rounded subtotal, rounded once (rule 4)."""
    return round_to_minor(_decimal(amount) * _decimal(percent) / Decimal(100), currency)


def total(amounts, currency) -> Decimal:
    """Sum of already rounded amounts (rule 3). Refuses an amount that is not rounded."""
    result = Decimal(0)
    for amount in amounts:
        amount = _decimal(amount)
        if amount != round_to_minor(amount, currency):
            raise ValueError(f"{amount} is not rounded to the minor unit of {currency}")
        result += amount
    return result


class MissingRate(ValidationError):
    pass


@dataclass(frozen=True)
class RateUsed:
    from_currency: str
    to_currency: str
    rate: Decimal
    effective_date: date | None  # None when no conversion was needed
    inverse: bool = False
    via: str = ""

    def __str__(self):
        if self.effective_date is None:
            return "1"
        return f"1 {self.from_currency} = {self.rate} {self.to_currency} ({self.effective_date.isoformat()})"


def rate_in_force(from_currency: str, to_currency: str, on: date) -> RateUsed:
    """The rate with the latest effective date on or before ``on`` (or its inverse)."""
    from_currency, to_currency = str(from_currency), str(to_currency)
    if from_currency == to_currency:
        return RateUsed(from_currency, to_currency, Decimal(1), None)
    direct = (
        ExchangeRate.objects.filter(from_currency=from_currency, to_currency=to_currency, effective_date__lte=on)
        .order_by("-effective_date")
        .first()
    )
    if direct:
        return RateUsed(from_currency, to_currency, direct.rate, direct.effective_date)
    opposite = (
        ExchangeRate.objects.filter(from_currency=to_currency, to_currency=from_currency, effective_date__lte=on)
        .order_by("-effective_date")
        .first()
    )
    if opposite:
        rate = (Decimal(1) / opposite.rate).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUNDING)
        return RateUsed(from_currency, to_currency, rate, opposite.effective_date, inverse=True)
    if "USD" not in (from_currency, to_currency):
        # Cross rate through the US dollar (MXN -> GTQ = MXN -> USD x USD -> GTQ), dated by the
        # older of the two rates it is made of.
        try:
            first, second = rate_in_force(from_currency, "USD", on), rate_in_force("USD", to_currency, on)
        except MissingRate:
            pass
        else:
            rate = (first.rate * second.rate).quantize(Decimal(1).scaleb(-RATE_PLACES), rounding=ROUNDING)
            dates = [d for d in (first.effective_date, second.effective_date) if d is not None]
            return RateUsed(from_currency, to_currency, rate, min(dates), via="USD")
    raise MissingRate(
        _("No exchange rate from %(from)s to %(to)s in force on %(date)s: a Coordinator must add one.")
        % {"from": from_currency, "to": to_currency, "date": on.isoformat()},
        code="missing_rate",
    )


def convert(money: Money, to_currency: str, on: date, cache: dict | None = None) -> tuple[Money, RateUsed]:
    """Round in the source currency, convert, round in the target currency (rules 1 and 2).
    ``cache`` (a dict) keeps rates looked up for one invoice or report, saving a query per line."""
    source = round_money(money)
    key = (str(source.currency), str(to_currency), on)
    if cache is not None and key in cache:
        used = cache[key]
    else:
        used = rate_in_force(*key)
        if cache is not None:
            cache[key] = used
    return Money(round_to_minor(source.amount * used.rate, to_currency), to_currency), used
