"""Prices by currency and day (R19): what an offer costs in a currency on a day.

A read outside the selectors package because offers.rules (which the selectors import) needs it.
"""

import datetime

from .models import Offer, OfferPrice


def price_of(*, offer: Offer, currency: str, on_date: datetime.date) -> int | None:
    """The offer's price in ``currency`` in force on ``on_date`` (minor units), or None: not sold in it.

    The latest ``OfferPrice`` of that currency dated on or before the day. An offer with no such
    row keeps its opening price (``Offer.price_amount``, fixed once the offer exists) in its own
    currency: offers created before prices per currency, or by a loader that sets only that.
    """
    amount = (
        OfferPrice.objects.filter(offer=offer, currency=currency, effective_from__lte=on_date)
        .order_by("-effective_from")
        .values_list("amount", flat=True)
        .first()
    )
    if amount is None and currency == offer.currency:
        return offer.price_amount
    return amount


def offer_currencies(*, offer: Offer, on_date: datetime.date) -> list[str]:
    """The currencies the offer is sold in on the day, sorted."""
    dated = OfferPrice.objects.filter(offer=offer, effective_from__lte=on_date).values_list("currency", flat=True)
    return sorted({offer.currency, *dated})
