"""R19 as a table: every branch of ``billing.tax.tax_for``, rates by day, and the rounding of the tax."""

import datetime
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps as django_apps
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from billing.models import TaxRate, TaxReason
from billing.tax import TaxRateMissing, has_valid_vat_number, tax_amounts, tax_for, tax_mention

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 1)
REVERSE_CHARGE_MENTION = (
    "Reverse charge: VAT to be accounted for by the recipient, Article 196 Council Directive 2006/112/EC"
)


@pytest.fixture
def rates(db):
    TaxRate.objects.all().delete()  # the data migration's rows: this table sets its own
    for country, rate in (("IE", "23"), ("DE", "19"), ("FR", "20"), ("GR", "24"), ("FI", "24")):
        TaxRate.objects.create(country=country, rate=Decimal(rate), effective_from=datetime.date(2021, 3, 1))
    # Finland's rate changes on 1 September 2026 in this table.
    TaxRate.objects.create(country="FI", rate=Decimal("25.5"), effective_from=datetime.date(2026, 9, 1))


# (buyer country, VAT number, rate, reason, mention)
R19 = [
    # Buyer in the seller's country: that country's rate, VAT number or not (no reverse charge at home).
    ("IE", "", "23", TaxReason.DOMESTIC, ""),
    ("IE", "IE6388047V", "23", TaxReason.DOMESTIC, ""),
    # Another EU country with a VAT number of that country in a valid format: reverse charge, 0 %.
    ("DE", "DE136695976", "0", TaxReason.REVERSE_CHARGE, REVERSE_CHARGE_MENTION),
    ("DE", "136695976", "0", TaxReason.REVERSE_CHARGE, REVERSE_CHARGE_MENTION),  # the prefix is implied
    ("DE", "de 136 695 976", "0", TaxReason.REVERSE_CHARGE, REVERSE_CHARGE_MENTION),  # as people write it
    ("FR", "FR40303265045", "0", TaxReason.REVERSE_CHARGE, REVERSE_CHARGE_MENTION),
    ("GR", "EL094259216", "0", TaxReason.REVERSE_CHARGE, REVERSE_CHARGE_MENTION),  # Greece writes EL
    # The same without a VAT number, or with one that is not valid: that country's rate.
    ("DE", "", "19", TaxReason.EU_CONSUMER, ""),
    ("FR", "", "20", TaxReason.EU_CONSUMER, ""),
    ("DE", "DE136695977", "19", TaxReason.EU_CONSUMER, ""),  # wrong check digit
    ("DE", "DE13669597", "19", TaxReason.EU_CONSUMER, ""),  # too short
    ("DE", "FR40303265045", "19", TaxReason.EU_CONSUMER, ""),  # valid, but of another country
    ("GR", "GR094259216", "24", TaxReason.EU_CONSUMER, ""),  # Greece's numbers start with EL, not GR
    ("FR", "not a number", "20", TaxReason.EU_CONSUMER, ""),
    # Outside the EU: no VAT, whatever number is given.
    ("US", "", "0", TaxReason.OUTSIDE_SCOPE, "Outside the scope of EU VAT"),
    ("RU", "7707083893", "0", TaxReason.OUTSIDE_SCOPE, "Outside the scope of EU VAT"),
    ("GB", "GB980780684", "0", TaxReason.OUTSIDE_SCOPE, "Outside the scope of EU VAT"),
    ("CH", "", "0", TaxReason.OUTSIDE_SCOPE, "Outside the scope of EU VAT"),
    ("", "", "0", TaxReason.OUTSIDE_SCOPE, "Outside the scope of EU VAT"),  # no country known
]


@pytest.mark.parametrize(("country", "vat_number", "rate", "reason", "mention"), R19)
def test_r19_table(rates, country, vat_number, rate, reason, mention):
    decision = tax_for(buyer_country=country, vat_number=vat_number, on_date=DAY, seller_country="IE")
    assert (decision.rate, decision.reason, decision.mention) == (Decimal(rate), reason, mention)


def test_the_seller_country_comes_from_settings(rates):
    assert tax_for(buyer_country="IE", vat_number="", on_date=DAY).reason == TaxReason.DOMESTIC
    with override_settings(SELLER_COUNTRY="DE"):
        # A German seller: Germany is home, Ireland another EU country.
        assert tax_for(buyer_country="DE", vat_number="DE136695976", on_date=DAY).reason == TaxReason.DOMESTIC
        decision = tax_for(buyer_country="IE", vat_number="", on_date=DAY)
        assert (decision.rate, decision.reason) == (Decimal("23"), TaxReason.EU_CONSUMER)


def test_a_rate_applies_from_its_day_on(rates):
    """The day before the change the old rate, on the day (a renewal's, say) the new one, and after it too."""

    def fi(day):
        return tax_for(buyer_country="FI", vat_number="", on_date=day, seller_country="IE").rate

    assert fi(datetime.date(2026, 8, 31)) == Decimal("24")
    assert fi(datetime.date(2026, 9, 1)) == Decimal("25.5")
    assert fi(datetime.date(2027, 9, 1)) == Decimal("25.5")
    # The reverse charge does not depend on the rate of the day.
    assert tax_for(buyer_country="FI", vat_number="FI20774740", on_date=datetime.date(2026, 9, 1)).rate == 0


def test_a_day_before_any_rate_is_refused_not_taxed_at_zero(rates):
    with pytest.raises(TaxRateMissing):
        tax_for(buyer_country="DE", vat_number="", on_date=datetime.date(2021, 2, 28), seller_country="IE")
    with pytest.raises(TaxRateMissing):
        tax_for(buyer_country="IT", vat_number="", on_date=DAY, seller_country="IE")  # no Italian row here


@pytest.mark.parametrize(
    ("net", "rate", "tax", "gross"),
    [
        (47500, "23", 10925, 58425),  # €475.00 at 23 %: €109.25
        (44000, "19", 8360, 52360),
        (44000, "0", 0, 44000),
        (4200000, "0", 0, 4200000),  # RUB 42 000.00 outside scope
        (50, "1", 1, 51),  # 0.5 minor units rounds up
        (250, "1", 3, 253),  # 2.5 rounds up too (half up, not to even)
        (249, "1", 2, 251),  # 2.49 rounds down
        (150, "23", 35, 185),  # 34.5
        (10, "25.5", 3, 13),  # 2.55
        (2, "25", 1, 3),  # 0.5 at 25 %
        (1, "23", 0, 1),  # 0.23
        (0, "23", 0, 0),
        (47500, "25.5", 12113, 59613),  # 121.125 → 121.13 (one rounding, per invoice)
        (52000, "10", 5200, 57200),  # a zero-decimal currency (JPY ¥52,000): whole yen
        (1005, "10", 101, 1106),  # ¥1,005 at 10 %: ¥100.5 → ¥101
    ],
)
def test_tax_amounts_round_half_up_in_minor_units(net, rate, tax, gross):
    amounts = tax_amounts(net, Decimal(rate))
    assert (amounts.net, amounts.tax, amounts.gross) == (net, tax, gross)
    assert all(isinstance(value, int) for value in (amounts.net, amounts.tax, amounts.gross))


def test_a_negative_net_is_refused():
    with pytest.raises(ValueError):
        tax_amounts(-1, Decimal("23"))


@pytest.mark.parametrize(
    ("number", "country", "valid"),
    [
        ("DE136695976", "DE", True),
        ("DE136695977", "DE", False),
        ("", "DE", False),
        ("IE6388047V", "IE", True),
        ("EL094259216", "GR", True),
        ("XI 980780684", "GB", False),
        ("ATU13585627", "AT", True),
        ("ATU13585626", "AT", False),
    ],
)
def test_vat_number_format(number, country, valid):
    assert has_valid_vat_number(number, country) is valid


def test_mentions_are_translated():
    from django.utils import translation

    with translation.override("ru"):
        assert tax_mention(TaxReason.OUTSIDE_SCOPE) != "Outside the scope of EU VAT"
        assert tax_mention(TaxReason.REVERSE_CHARGE).startswith("Обратное начисление")
    assert tax_mention(TaxReason.DOMESTIC) == ""


# --- Rates as data ------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_a_rate_that_has_taken_effect_never_changes(rates):
    rate = TaxRate.objects.get(country="IE")
    rate.rate = Decimal("21")
    with pytest.raises(ValidationError, match="can no longer change"):
        rate.full_clean()
    future = TaxRate(country="IE", rate=Decimal("22"), effective_from=datetime.date(2026, 5, 31))
    with pytest.raises(ValidationError) as excinfo:
        future.full_clean()
    assert "effective_from" in excinfo.value.message_dict
    # Today or later is fine, and a row not yet in force may still be corrected.
    future.effective_from = datetime.date(2026, 7, 1)
    future.full_clean()
    future.save()
    future.rate = Decimal("22.5")
    future.full_clean()
    future.effective_from = datetime.date(2026, 5, 1)  # but not moved into the past
    with pytest.raises(ValidationError):
        future.full_clean()


def test_one_rate_per_country_and_day(rates):
    with pytest.raises(ValidationError):
        TaxRate(country="IE", rate=Decimal("22"), effective_from=datetime.date(2021, 3, 1)).full_clean()


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_staff_edit_future_rates_and_see_past_ones_read_only(rates, admin_client):
    past = TaxRate.objects.get(country="IE")
    page = admin_client.get(reverse("admin:billing_taxrate_change", args=[past.pk]))
    assert page.status_code == 200
    assert set(site._registry[TaxRate].get_readonly_fields(page.wsgi_request, past)) >= {
        "country",
        "rate",
        "effective_from",
    }
    response = admin_client.post(
        reverse("admin:billing_taxrate_change", args=[past.pk]),
        {"country": "IE", "rate": "21", "effective_from": "2021-03-01"},
    )
    past.refresh_from_db()
    assert past.rate == Decimal("23")  # the post changed nothing
    assert (
        admin_client.post(reverse("admin:billing_taxrate_delete", args=[past.pk]), {"post": "yes"}).status_code == 403
    )
    assert TaxRate.objects.filter(pk=past.pk).exists()

    response = admin_client.post(
        reverse("admin:billing_taxrate_add"), {"country": "IE", "rate": "24", "effective_from": "2027-01-01"}
    )
    assert response.status_code == 302
    assert tax_for(buyer_country="IE", vat_number="", on_date=datetime.date(2027, 1, 1)).rate == Decimal("24")
    response = admin_client.post(
        reverse("admin:billing_taxrate_add"), {"country": "IE", "rate": "24", "effective_from": "2026-01-01"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not TaxRate.objects.filter(effective_from=datetime.date(2026, 1, 1)).exists()


def test_the_data_migration_gives_the_demo_rates():
    migration = importlib.import_module("billing.migrations.0006_tax_rates_initial")
    TaxRate.objects.all().delete()
    migration.add_rates(django_apps, None)
    migration.add_rates(django_apps, None)  # twice changes nothing
    day = datetime.date(2026, 12, 7)
    assert {
        c: tax_for(buyer_country=c, vat_number="", on_date=day, seller_country="IE").rate for c in "IE DE FR".split()
    } == {
        "IE": Decimal("23"),
        "DE": Decimal("19"),
        "FR": Decimal("20"),
    }
    assert TaxRate.objects.values("country").distinct().count() == 27
