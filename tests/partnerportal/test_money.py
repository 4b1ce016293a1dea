"""Money through babel: integer minor units, exact, in the reader's locale."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

import partnerportal.money as money_module
from partnerportal.money import format_money, minor_digits, money_decimal

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", 47500, "USD", "US$475.00"),
        ("ru", 47500, "USD", f"475,00{NBSP}$"),
        ("en", 123456789, "USD", "US$1,234,567.89"),
        ("ru", 123456789, "USD", f"1{NBSP}234{NBSP}567,89{NBSP}$"),
        ("en", 1, "USD", "US$0.01"),
        ("en", 500, "JPY", "JP¥500"),
        ("ru", 47500, "EUR", f"475,00{NBSP}€"),
        # A currency the locale writes by its ISO code keeps a no-break space from the digits (CLDR).
        ("en", 4200000, "RUB", f"RUB{NBSP}42,000.00"),
        ("ru", 4200000, "RUB", f"42{NBSP}000,00{NBSP}₽"),
        ("en", -4200000, "RUB", f"-RUB{NBSP}42,000.00"),
        ("en", 1050, "CHF", f"CHF{NBSP}10.50"),
        ("ru", 1050, "CHF", f"10,50{NBSP}CHF"),
    ],
)
def test_format_money_per_locale(language, amount, currency, expected):
    with translation.override(language):
        assert format_money(amount, currency) == expected
    assert format_money(amount, currency, language=language) == expected


def test_money_is_exact_decimal_never_float():
    # 0.1 + 0.2 style errors cannot happen: the value is a Decimal built from the integer.
    assert money_decimal(10, "USD") == Decimal("0.10")
    assert money_decimal(2**53 + 1, "USD") == Decimal(2**53 + 1) / 100
    assert format_money(900719925474099301, "USD", language="en") == "US$9,007,199,254,740,993.01"
    assert minor_digits("USD") == 2 and minor_digits("JPY") == 0


def test_whole_amounts_can_drop_the_minor_digits():
    assert format_money(10000, "USD", language="en", drop_zero_minor=True) == "US$100"
    assert format_money(10000, "USD", language="ru", drop_zero_minor=True) == f"100{NBSP}$"
    assert format_money(10050, "USD", language="en", drop_zero_minor=True) == "US$100.50"


def test_the_money_filter_keeps_its_name_and_signature():
    template = Template("{% load money %}{{ amount|money:currency }}|{{ none|money }}|{{ amount|money }}")
    with translation.override("ru"):
        assert template.render(Context({"amount": 47500, "currency": "USD", "none": None})) == (
            f"475,00{NBSP}$||475,00{NBSP}$"
        )
    with translation.override("en"):
        assert template.render(Context({"amount": 47500, "currency": "USD", "none": None})) == "US$475.00||US$475.00"


def test_no_symbol_table_or_float_division_left():
    assert not hasattr(money_module, "SYMBOLS") and not hasattr(money_module, "MINOR_DIGITS")
