"""R19, the tax of a sale, in one function (``tax_for``), and its amounts (``tax_amounts``).

The seller is in ``settings.SELLER_COUNTRY`` (Ireland), an EU member state:

* buyer in the seller's country: that country's rate (``domestic``);
* buyer in another EU country with a VAT number of that country in a valid format (python-stdnum,
  check digits included; no online VIES look-up here): reverse charge, 0 %, and the invoice carries
  the legal mention (``reverse_charge``);
* the same without such a number: that country's rate (``eu_consumer``);
* outside the EU: no VAT, "Outside the scope of EU VAT" on the invoice (``outside_scope``).

Rates come from ``TaxRate`` rows by the day of the sale, so a renewal uses the rate of its own day.
The tax is rounded once per invoice (one line), half up, in the currency's minor units.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from stdnum.eu import vat as eu_vat
from stdnum.util import clean

from .models import TaxRate, TaxReason
from .models.tax import tax_mention

# The 27 member states (ISO 3166-1 alpha-2). Northern Ireland's XI VAT numbers are not a country here.
EU_COUNTRIES = frozenset("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())
# A VAT number starts with its country's code, except Greece's (EL).
VAT_PREFIX = {"GR": "EL"}

ZERO = Decimal("0.00")


class TaxRateMissing(LookupError):
    """No VAT rate of an EU country is on record for the day: staff must add one (admin: VAT rates)."""


@dataclass(frozen=True)
class TaxDecision:
    """What R19 decides for one sale: the rate in percent, which branch, and the invoice's mention."""

    rate: Decimal
    reason: str  # a TaxReason value
    country: str = ""  # whose rate applies ("" when none does)

    @property
    def mention(self) -> str:
        """The legal mention the invoice prints for this reason ("" when the law asks for none)."""
        return tax_mention(self.reason)


@dataclass(frozen=True)
class TaxAmounts:
    """Net, tax and gross of one invoice, in integer minor units of its currency."""

    net: int
    tax: int
    gross: int


def has_valid_vat_number(vat_number: str, country: str) -> bool:
    """Whether ``vat_number`` is a VAT number of ``country`` in a valid format (check digits included)."""
    compact = clean(vat_number or "", " -./").upper().strip()
    if len(compact) < 3:
        return False
    prefix = VAT_PREFIX.get(country, country)
    if not compact[:2].isalpha():
        compact = prefix + compact
    return compact[:2] == prefix and eu_vat.is_valid(compact)


def rate_on(country: str, on_date: datetime.date) -> Decimal:
    """The country's standard rate in force on the day; TaxRateMissing when none is on record."""
    rate = (
        TaxRate.objects.filter(country=country, effective_from__lte=on_date)
        .order_by("-effective_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise TaxRateMissing(f"No VAT rate of {country} on {on_date.isoformat()}")
    return rate


def tax_for(
    *, buyer_country: str, vat_number: str, on_date: datetime.date, seller_country: str | None = None
) -> TaxDecision:
    """R19 for a buyer on a day: the rate, the reason and (through ``mention``) the invoice's words."""
    buyer_country = str(buyer_country or "").upper()
    seller_country = (seller_country or settings.SELLER_COUNTRY).upper()
    if buyer_country == seller_country:
        return TaxDecision(rate_on(buyer_country, on_date), TaxReason.DOMESTIC, buyer_country)
    if buyer_country not in EU_COUNTRIES:
        return TaxDecision(ZERO, TaxReason.OUTSIDE_SCOPE)
    if has_valid_vat_number(vat_number, buyer_country):
        return TaxDecision(ZERO, TaxReason.REVERSE_CHARGE, buyer_country)
    return TaxDecision(rate_on(buyer_country, on_date), TaxReason.EU_CONSUMER, buyer_country)


def tax_amounts(net: int, rate: Decimal) -> TaxAmounts:
    """The tax of a net amount at a rate in percent: rounded once, half up, to whole minor units."""
    if net < 0:
        raise ValueError("a net amount is never negative")
    tax = int((Decimal(int(net)) * Decimal(rate) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return TaxAmounts(net=int(net), tax=tax, gross=int(net) + tax)


def tax_share(amount: int, *, total: int, total_tax: int) -> TaxAmounts:
    """The net and tax inside ``amount``, a part of a ``total`` that carried ``total_tax``: a credit note
    of a refund reverses the invoice's tax in proportion (half up), and net + tax is the refund."""
    if not 0 <= amount <= total:
        raise ValueError("a part is between nothing and the whole")
    if total == 0:
        return TaxAmounts(net=0, tax=0, gross=0)
    tax = int((Decimal(int(total_tax)) * int(amount) / int(total)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return TaxAmounts(net=int(amount) - tax, tax=tax, gross=int(amount))
