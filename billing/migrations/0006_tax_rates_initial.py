"""The EU member states' standard VAT rates (R19), each from the day it took effect.

The first row of each country stands for the rate in force from 1 March 2021 (after the last of the
2020 temporary cuts, Ireland's 21 %, ended); the later rows are the changes since. Staff add the
next ones in admin (VAT rates).
"""

import datetime
from decimal import Decimal

from django.db import migrations

BASELINE = datetime.date(2021, 3, 1)

STANDARD_RATES = {
    "AT": "20",
    "BE": "21",
    "BG": "20",
    "CY": "19",
    "CZ": "21",
    "DE": "19",
    "DK": "25",
    "EE": "20",
    "ES": "21",
    "FI": "24",
    "FR": "20",
    "GR": "24",
    "HR": "25",
    "HU": "27",
    "IE": "23",
    "IT": "22",
    "LT": "21",
    "LU": "17",
    "LV": "21",
    "MT": "18",
    "NL": "21",
    "PL": "23",
    "PT": "23",
    "RO": "19",
    "SE": "25",
    "SI": "22",
    "SK": "20",
}

CHANGES = [
    ("LU", "16", datetime.date(2023, 1, 1)),
    ("LU", "17", datetime.date(2024, 1, 1)),
    ("EE", "22", datetime.date(2024, 1, 1)),
    ("FI", "25.5", datetime.date(2024, 9, 1)),
    ("SK", "23", datetime.date(2025, 1, 1)),
    ("EE", "24", datetime.date(2025, 7, 1)),
    ("RO", "21", datetime.date(2025, 8, 1)),
]


def rows():
    yield from ((country, rate, BASELINE) for country, rate in STANDARD_RATES.items())
    yield from CHANGES


def add_rates(apps, schema_editor):
    TaxRate = apps.get_model("billing", "TaxRate")
    for country, rate, effective_from in rows():
        TaxRate.objects.get_or_create(
            country=country, effective_from=effective_from, defaults={"rate": Decimal(rate)}
        )


def remove_rates(apps, schema_editor):
    TaxRate = apps.get_model("billing", "TaxRate")
    for country, rate, effective_from in rows():
        TaxRate.objects.filter(country=country, effective_from=effective_from, rate=Decimal(rate)).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_tax_rates")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
