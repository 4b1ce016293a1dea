"""Formats of the billing profile that depend on the country: postal codes and tax IDs.

Tax IDs are checked with python-stdnum (EU VAT numbers with their check digits, the UK's VAT
number, Russia's INN with its checksum); postal codes with a small table of national formats.
A country outside these tables gets free text within the field's length. Each validator returns
the value in its usual written form (upper case, the customary space) or raises ValidationError
with a message for the field.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_countries import countries
from stdnum import exceptions as stdnum_exceptions
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat
from stdnum.ru import inn as ru_inn

# country: (pattern on the upper-cased value, how to write it, an example)
POSTAL_CODES = {
    "US": (r"\d{5}(-\d{4})?", None, "94105"),
    "GB": (r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})", r"\1 \2", "SW1A 1AA"),
    "DE": (r"\d{5}", None, "10115"),
    "FR": (r"\d{5}", None, "75008"),
    "RU": (r"\d{6}", None, "125009"),
    "NL": (r"([1-9]\d{3}) ?([A-Z]{2})", r"\1 \2", "1012 AB"),
    "IT": (r"\d{5}", None, "00184"),
    "ES": (r"\d{5}", None, "28013"),
    "PL": (r"(\d{2})-?(\d{3})", r"\1-\2", "00-950"),
    "CA": (r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)", r"\1 \2", "K1A 0B1"),
}
FREE_POSTAL_CODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{0,19}")

# EU member states whose VAT numbers stdnum checks; Greece writes EL, not GR.
VAT_PREFIXES = {code.upper(): code.upper() for code in eu_vat.MEMBER_STATES if code not in ("gr", "xi")}
VAT_PREFIXES["GR"] = "EL"
FREE_TAX_ID = re.compile(r"[A-Z0-9][A-Z0-9 ./-]{0,31}")


def country_name(code):
    return str(countries.name(code)) or code


def validate_postal_code(value, country):
    """The postal code written the country's way, or ValidationError."""
    text = " ".join(str(value).upper().split())
    known = POSTAL_CODES.get(country)
    if known is None:
        if not FREE_POSTAL_CODE.fullmatch(text):
            raise ValidationError(_("Use letters, digits, spaces and hyphens (at most 20)."), code="postal_code_format")
        return text
    pattern, written, example = known
    match = re.fullmatch(pattern, text)
    if match is None:
        raise ValidationError(
            _("Enter a postal code as it is written in %(country)s, for example %(example)s.")
            % {"country": country_name(country), "example": example},
            code="postal_code_format",
        )
    return match.expand(written) if written else text


def postal_code_required(country):
    """Countries whose format the table knows have postal codes everywhere."""
    return country in POSTAL_CODES


def validate_tax_id(value, country):
    """The tax ID in its compact written form (DE136695976, 7707083893), or ValidationError."""
    text = "".join(str(value).upper().split())
    if country in VAT_PREFIXES or country == "GB":
        return _validate_vat(text, country)
    if country == "RU":
        return _validate_inn(text)
    if not FREE_TAX_ID.fullmatch(text):
        raise ValidationError(_("Use letters, digits, dots, slashes and hyphens (at most 32)."), code="tax_id_format")
    return text


def _validate_vat(text, country):
    prefix = "GB" if country == "GB" else VAT_PREFIXES[country]
    compact = text.replace(".", "").replace("-", "")
    if compact[:2].isalpha():
        if compact[:2] != prefix:
            raise ValidationError(
                _("A VAT number of %(country)s starts with %(prefix)s.")
                % {"country": country_name(country), "prefix": prefix},
                code="tax_id_prefix",
            )
    else:
        compact = prefix + compact
    try:
        if country == "GB":
            return "GB" + gb_vat.validate(compact)  # stdnum gives the UK number without its prefix
        return eu_vat.validate(compact)
    except stdnum_exceptions.ValidationError as exc:
        raise ValidationError(
            _("This is not a valid VAT number of %(country)s: check the digits after %(prefix)s.")
            % {"country": country_name(country), "prefix": prefix},
            code="tax_id_invalid",
        ) from exc


def _validate_inn(text):
    if not re.fullmatch(r"\d{10}|\d{12}", text):
        raise ValidationError(
            _("An INN has 10 digits (an organisation) or 12 digits (an individual entrepreneur)."),
            code="tax_id_format",
        )
    if not ru_inn.is_valid(text):
        raise ValidationError(_("The check digits of this INN do not match: check the number."), code="tax_id_invalid")
    return text


# A purchase-order number as finance systems print them: letters, digits and - / . _ # and spaces.
PURCHASE_ORDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /._#-]{0,34}")


def validate_purchase_order(value):
    """The PO number as given (outer spaces dropped), or ValidationError: 1 to 35 characters it can print."""
    text = " ".join(str(value).split())
    if not PURCHASE_ORDER.fullmatch(text):
        raise ValidationError(
            _(
                "A purchase-order number has up to 35 letters, digits, spaces and the signs - / . _ #, "
                "and starts with a letter or a digit."
            ),
            code="purchase_order_format",
        )
    return text
