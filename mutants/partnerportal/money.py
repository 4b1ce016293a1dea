"""Money for display: integer minor units with their currency, in the active language's number format."""

from django.utils.formats import number_format

SYMBOLS = {"USD": "US$", "EUR": "€", "GBP": "£", "RUB": "₽"}
MINOR_DIGITS = {"JPY": 0, "KRW": 0}


def format_money(amount: int, currency: str) -> str:
    digits = MINOR_DIGITS.get(currency, 2)
    value = amount / (10**digits) if digits else amount
    text = number_format(value, decimal_pos=digits, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
