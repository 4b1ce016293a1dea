"""How a benefit reads, from its facts (kind, quantity, unit, name), in the reader's language.

The seed says "US$100 of Microsoft Azure credits every month", not "10000 US$ cents a month": each
kind has one translatable phrase, and a credit's quantity is money (minor units of the currency its
unit names) written by partnerportal.money in the reader's locale.
"""

from django.utils.translation import pgettext

from partnerportal.money import format_money

from .models.catalogue import BenefitKind

DEFAULT_CREDIT_CURRENCY = "USD"


def credit_currency(unit: str) -> str:
    """A credit benefit's unit is its ISO 4217 currency; anything else (older rows) means US dollars."""
    unit = (unit or "").strip()
    return unit if len(unit) == 3 and unit.isalpha() and unit.isupper() else DEFAULT_CREDIT_CURRENCY


def benefit_phrase(*, kind: str, name: str, quantity: int, unit: str = "") -> str:
    """One line of an offer's benefit list; ``name`` is already in the reader's language."""
    if kind == BenefitKind.CREDIT:
        amount = format_money(quantity, credit_currency(unit), drop_zero_minor=True)
        return pgettext("benefit", "%(amount)s of %(name)s every month") % {"amount": amount, "name": name}
    if kind == BenefitKind.LICENSE:
        return pgettext("benefit", "%(count)s %(name)s") % {"count": quantity, "name": name}
    if kind == BenefitKind.SEAT:
        return pgettext("benefit", "Up to %(count)s %(name)s") % {"count": quantity, "name": name}
    if quantity > 1:
        return pgettext("benefit", "%(count)s %(name)s") % {"count": quantity, "name": name}
    return name  # developer tools, the account: the name says it all
