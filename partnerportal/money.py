"""Money for display: integer minor units with their currency, in the active language's locale (babel).

Amounts are stored as integers in the currency's minor units; they become a Decimal here (never a
float) and babel writes them the way the reader's locale does: "US$475.00" in English, "475,00 $"
in Russian. The number of minor digits comes from babel's currency data (ISO 4217), so JPY has none.
"""

import copy
import re
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision
from django.utils import translation

from partnerportal.i18n import current_language

# English is the portal's international English: CLDR's "en" (US English) writes every dollar as a
# bare "$", so a partner outside the US cannot tell US$ from CA$; "en_001" (English, world) writes US$.
BABEL_LOCALES = {"en": "en_001"}
DEFAULT_LOCALE = "en_001"


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    name = BABEL_LOCALES.get(language) or translation.to_locale(language)
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def babel_locale(language: str | None = None) -> Locale:
    """The babel locale of a Django language code (the active language by default)."""
    return _babel_locale(language or current_language() or "en")


def minor_digits(currency: str) -> int:
    """How many minor-unit digits the currency has (2 for USD, 0 for JPY), from babel's ISO 4217 data."""
    return get_currency_precision(currency)


def money_decimal(amount: int, currency: str) -> Decimal:
    """Integer minor units as an exact Decimal in major units: 47500 USD -> Decimal('475.00')."""
    digits = minor_digits(currency)
    return Decimal(int(amount)).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


@lru_cache(maxsize=32)
def _whole_pattern(locale: Locale):
    # The locale's currency pattern with no minor digits: "US$100", "100 $".
    pattern = copy.copy(locale.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern


def format_money(amount: int, currency: str, *, language: str | None = None, drop_zero_minor: bool = False) -> str:
    """The amount in the reader's locale; ``drop_zero_minor`` writes a whole amount as "US$100" (benefits)."""
    return _formatted(int(amount), currency, language or current_language() or "en", drop_zero_minor)


# babel's pattern.apply costs ~40 µs a call and a list page formats one amount per row, while the
# amounts a portal shows are few (prices, refunds): each (amount, currency, language) is written once
# per process. The text depends on nothing else (babel's CLDR data is fixed for the release).
@lru_cache(maxsize=4096)
def _formatted(amount: int, currency: str, language: str, drop_zero_minor: bool) -> str:
    locale = babel_locale(language)
    value = money_decimal(amount, currency)
    if drop_zero_minor and int(amount) % (10 ** minor_digits(currency)) == 0:
        text = format_currency(value, currency, format=_whole_pattern(locale), locale=locale, currency_digits=False)
    else:
        text = format_currency(value, currency, locale=locale)
    return _spaced(text)


# CLDR's currency spacing, which babel does not apply: a symbol that is letters (a currency with no
# symbol in the locale writes its ISO code, "RUB", "CHF") is kept from the digits by a no-break space,
# "RUB 42,000.00", not "RUB42,000.00". Symbols such as "US$" or "€" stay against the number.
_CODE_BEFORE_DIGIT = re.compile(r"^([-−]?[^\W\d_]+)(?=\d)")
_CODE_AFTER_DIGIT = re.compile(r"(?<=\d)([^\W\d_]+)$")


def _spaced(text: str) -> str:
    return _CODE_AFTER_DIGIT.sub("\u00a0\\1", _CODE_BEFORE_DIGIT.sub("\\1\u00a0", text))
