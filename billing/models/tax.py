"""VAT rates as data (R19): each country's standard rate, with the day it takes effect."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from partnerportal.effective import check_effective_dated
from partnerportal.page_cache import CATALOGUE


class TaxReason(models.TextChoices):
    """Which branch of R19 decided the tax of an order or a document (billing.tax.tax_for)."""

    DOMESTIC = "domestic", _("VAT of the seller's country")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge")
    EU_CONSUMER = "eu_consumer", _("VAT of the buyer's EU country")
    OUTSIDE_SCOPE = "outside_scope", _("No EU VAT: buyer outside the EU")


MENTIONS = {
    TaxReason.REVERSE_CHARGE: _(
        "Reverse charge: VAT to be accounted for by the recipient, Article 196 Council Directive 2006/112/EC"
    ),
    TaxReason.OUTSIDE_SCOPE: _("Outside the scope of EU VAT"),
}


def tax_mention(reason: str) -> str:
    """The legal mention an invoice prints for a tax reason, in the active language ("" when none)."""
    mention = MENTIONS.get(reason)
    return str(mention) if mention else ""


class TaxRate(models.Model):
    """A country's standard VAT rate from ``effective_from`` until the next row of that country.

    The rate is an exact Decimal in percent (23.00, 25.50), never a float. A row that has taken
    effect never changes (partnerportal.effective): staff add a row with a later date instead.
    """

    country = CountryField(_("country"))
    rate = models.DecimalField(_("rate in percent"), max_digits=5, decimal_places=2)
    effective_from = models.DateField(_("effective from"))

    # The review page shows the tax: a rate is part of what everyone's pages say, like a price.
    page_cache_owner = CATALOGUE

    class Meta:
        verbose_name = _("VAT rate")
        verbose_name_plural = _("VAT rates")
        ordering = ["country", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["country", "effective_from"], name="tax_rate_one_per_country_day"),
            models.CheckConstraint(name="tax_rate_percent", condition=models.Q(rate__gte=0, rate__lt=100)),
        ]

    def __str__(self):
        return f"{self.country} {self.rate} % ({self.effective_from})"

    def clean(self):
        check_effective_dated(self, ("country", "rate"))
