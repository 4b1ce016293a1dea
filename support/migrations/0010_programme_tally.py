"""The ledger's running totals for the staff's admin home (support/programme/tally.py), counted from the rows there."""

from django.db import migrations

from support.programme import tally


def install(apps, schema_editor):
    tally.install(schema_editor)


def uninstall(apps, schema_editor):
    tally.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_billing_contact_purchase_order"),
        ("offers", "0006_programme_glance_indexes"),
        ("support", "0009_programme_glance_indexes"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
