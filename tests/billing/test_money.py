from datetime import date
from decimal import Decimal

import pytest
from djmoney.money import Money

from puente.billing import money
from puente.billing.models import ExchangeRate


@pytest.mark.parametrize(
    "amount,currency,expected",
    [
        ("2.345", "USD", "2.35"),  # half-up, not banker's (which would give 2.34)
        ("2.335", "USD", "2.34"),
        ("2.3449999", "USD", "2.34"),
        ("-2.345", "USD", "-2.35"),  # half-up rounds away from zero
        ("0.005", "GTQ", "0.01"),
        ("0.0049", "MXN", "0.00"),
        ("10.5", "JPY", "11"),  # no minor unit
        ("1.2345", "KWD", "1.235"),  # three decimals
        ("7", "NIO", "7.00"),
    ],
)
def test_round_to_minor_is_half_up_to_the_currencys_minor_unit(amount, currency, expected):
    result = money.round_to_minor(Decimal(amount), currency)
    assert result == Decimal(expected) and str(result) == expected


def test_floats_are_refused():
    with pytest.raises(TypeError):
        money.round_to_minor(2.345, "USD")


def test_multiply_rounds_once_in_the_source_currency():
    assert money.multiply(Money("333.33", "GTQ"), Decimal("1.5")) == Money("500.00", "GTQ")  # 499.995 -> 500.00
    assert money.multiply(Money("0.01", "USD"), Decimal("0.25")) == Money("0.00", "USD")


def test_total_is_the_sum_of_rounded_lines_and_refuses_unrounded_ones():
    # Three lines of 1/3 of a dollar each, converted then rounded: 0.33 each, total 0.99 (not 1.00).
    lines = [money.round_to_minor(Decimal(1) / 3, "USD") for _ in range(3)]
    assert money.total(lines, "USD") == Decimal("0.99")
    with pytest.raises(ValueError):
        money.total([Decimal("0.333")], "USD")


def test_percent_of_rounds_once():
    assert money.percent_of(Decimal("123.45"), Decimal("12.5"), "USD") == Decimal("15.43")  # 15.43125
    assert money.percent_of(Decimal("0.04"), Decimal("12.5"), "USD") == Decimal("0.01")  # 0.005 -> 0.01


@pytest.mark.django_db
def test_rate_in_force_is_the_latest_on_or_before_the_date():
    ExchangeRate.objects.create(
        from_currency="GTQ", to_currency="USD", rate=Decimal("0.128"), effective_date=date(2026, 1, 1)
    )
    ExchangeRate.objects.create(
        from_currency="GTQ", to_currency="USD", rate=Decimal("0.131"), effective_date=date(2026, 3, 1)
    )
    assert money.rate_in_force("GTQ", "USD", date(2026, 2, 28)).rate == Decimal("0.128")
    assert money.rate_in_force("GTQ", "USD", date(2026, 3, 1)).rate == Decimal("0.131")
    assert money.rate_in_force("GTQ", "USD", date(2027, 1, 1)).effective_date == date(2026, 3, 1)
    with pytest.raises(money.MissingRate) as exc:
        money.rate_in_force("GTQ", "USD", date(2025, 12, 31))
    assert "GTQ" in str(exc.value) and "2025-12-31" in str(exc.value)


@pytest.mark.django_db
def test_inverse_rate_is_used_when_only_the_opposite_pair_is_stored():
    ExchangeRate.objects.create(
        from_currency="USD", to_currency="MXN", rate=Decimal("20"), effective_date=date(2026, 1, 1)
    )
    used = money.rate_in_force("MXN", "USD", date(2026, 6, 1))
    assert used.inverse and used.rate == Decimal("0.05")


@pytest.mark.django_db
def test_convert_rounds_in_source_then_in_target_currency():
    ExchangeRate.objects.create(
        from_currency="HNL", to_currency="CAD", rate=Decimal("0.0555"), effective_date=date(2026, 1, 1)
    )
    # 100.005 HNL -> 100.01 HNL (rule 1) -> 5.550555 CAD -> 5.55 CAD (rule 2)
    converted, used = money.convert(Money(Decimal("100.005"), "HNL"), "CAD", date(2026, 1, 2))
    assert converted == Money("5.55", "CAD") and used.rate == Decimal("0.0555")
    same, used = money.convert(Money("10.00", "USD"), "USD", date(2026, 1, 2))
    assert same == Money("10.00", "USD") and used.effective_date is None


@pytest.mark.django_db
def test_cross_rate_through_usd_when_no_pair_is_stored():
    ExchangeRate.objects.create(
        from_currency="MXN", to_currency="USD", rate=Decimal("0.055"), effective_date=date(2026, 1, 1)
    )
    ExchangeRate.objects.create(
        from_currency="GTQ", to_currency="USD", rate=Decimal("0.125"), effective_date=date(2026, 2, 1)
    )
    used = money.rate_in_force("MXN", "GTQ", date(2026, 3, 1))
    # 0.055 MXN->USD x (1 / 0.125 = 8) USD->GTQ = 0.44
    assert used.rate == Decimal("0.44") and used.via == "USD" and used.effective_date == date(2026, 1, 1)
    converted, _used = money.convert(Money("1000.00", "MXN"), "GTQ", date(2026, 3, 1))
    assert converted == Money("440.00", "GTQ")
    with pytest.raises(money.MissingRate):
        money.rate_in_force("MXN", "GTQ", date(2026, 1, 15))  # GTQ->USD not yet in force
