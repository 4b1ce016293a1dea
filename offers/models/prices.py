"""An offer's price in each currency it is sold in, with the day each price takes effect (R19)."""

import re

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partnerportal.effective import check_effective_dated
from partnerportal.page_cache import CATALOGUE

from .catalogue import Offer


def validate_currency(value):
    """An ISO 4217 code babel knows (its minor digits decide how the amount is written and rounded)."""
    if not re.fullmatch(r"[A-Z]{3}", value or "") or value not in list_currencies():
        raise ValidationError(gettext("Enter an ISO 4217 currency code, such as EUR."), code="currency")


class OfferPrice(models.Model):
    """What the offer costs in one currency from ``effective_from`` until the next row of that currency.

    Integer minor units of the currency (44000 is €440.00; a currency without minor units, JPY,
    counts whole yen). A price that has taken effect never changes (partnerportal.effective): an
    order, an invoice and a renewal read the price of their own day.
    """

    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    amount = models.PositiveIntegerField(
        _("price in minor units"), help_text=_("In minor units: 44000 is 440.00; in JPY, whole yen.")
    )
    effective_from = models.DateField(_("effective from"))

    page_cache_owner = CATALOGUE

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["offer", "currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "currency", "effective_from"], name="offer_price_one_per_day"),
            models.CheckConstraint(name="offer_price_currency_iso", condition=models.Q(currency__regex=r"^[A-Z]{3}$")),
            models.CheckConstraint(name="offer_price_positive", condition=models.Q(amount__gt=0)),
        ]

    def __str__(self):
        return f"{self.offer} {self.currency} {self.amount} ({self.effective_from})"

    def clean(self):
        if self.currency:
            self.currency = self.currency.strip().upper()
        check_effective_dated(self, ("offer_id", "currency", "amount"))
