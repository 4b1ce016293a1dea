"""Prices per currency (R19) for the offers that exist: each keeps its price in its own currency, in
force since long before this migration, and the Action Pack is also sold at EUR 440.00 and RUB 42 000.00.
"""

import datetime

from django.db import migrations

SINCE = datetime.date(2000, 1, 1)
ACTION_PACK_CODE = "action-pack"
# (currency, minor units) of the demo's other markets.
ACTION_PACK_PRICES = [("EUR", 44000), ("RUB", 4200000)]


def add_prices(apps, schema_editor):
    Offer = apps.get_model("offers", "Offer")
    OfferPrice = apps.get_model("offers", "OfferPrice")
    for offer in Offer.objects.all():
        prices = [(offer.currency, offer.price_amount)]
        if offer.code == ACTION_PACK_CODE:
            prices += [p for p in ACTION_PACK_PRICES if p[0] != offer.currency]
        for currency, amount in prices:
            if not OfferPrice.objects.filter(offer=offer, currency=currency).exists():
                OfferPrice.objects.create(offer=offer, currency=currency, amount=amount, effective_from=SINCE)


class Migration(migrations.Migration):
    dependencies = [("offers", "0007_offer_prices")]

    operations = [migrations.RunPython(add_prices, migrations.RunPython.noop)]
