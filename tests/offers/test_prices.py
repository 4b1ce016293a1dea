"""R19: an offer's price per currency with effective dates, a past price never changes, and the
organisation's billing currency (chosen at first purchase, then fixed; staff only while nothing is live)."""

import datetime
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing import services as billing_services
from billing.models import BillingProfile, PaymentStatus, TaxRate
from billing.tax import tax_amounts, tax_for
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Offer, OfferPrice, SubscriptionStatus
from offers.selectors import offer_currencies, price_of
from offers.services import billing_currency_change
from partnerportal.money import format_money, minor_digits, money_decimal
from tests.factories.billing import PaymentFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import OfferFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


@pytest.fixture
def offer(db):
    offer = OfferFactory(code="pack", price_amount=47500, currency="USD")
    OfferPrice.objects.create(offer=offer, currency="EUR", amount=44000, effective_from=datetime.date(2025, 1, 1))
    OfferPrice.objects.create(offer=offer, currency="EUR", amount=45000, effective_from=datetime.date(2026, 9, 1))
    OfferPrice.objects.create(offer=offer, currency="JPY", amount=52000, effective_from=datetime.date(2025, 1, 1))
    return offer


# --- price_of -----------------------------------------------------------------------------------


def test_the_price_of_a_day_is_the_latest_that_has_taken_effect(offer):
    assert price_of(offer=offer, currency="EUR", on_date=datetime.date(2026, 8, 31)) == 44000
    assert price_of(offer=offer, currency="EUR", on_date=datetime.date(2026, 9, 1)) == 45000  # its own day
    assert price_of(offer=offer, currency="EUR", on_date=datetime.date(2027, 9, 1)) == 45000
    assert price_of(offer=offer, currency="EUR", on_date=datetime.date(2024, 12, 31)) is None  # not yet sold in EUR


def test_an_offer_keeps_its_opening_price_in_its_own_currency(offer):
    assert price_of(offer=offer, currency="USD", on_date=TODAY) == 47500
    OfferPrice.objects.create(offer=offer, currency="USD", amount=49900, effective_from=datetime.date(2026, 7, 1))
    assert price_of(offer=offer, currency="USD", on_date=datetime.date(2026, 6, 30)) == 47500
    assert price_of(offer=offer, currency="USD", on_date=datetime.date(2026, 7, 1)) == 49900


def test_a_currency_without_a_price_is_not_sold(offer):
    assert price_of(offer=offer, currency="RUB", on_date=TODAY) is None
    assert offer_currencies(offer=offer, on_date=TODAY) == ["EUR", "JPY", "USD"]
    assert offer_currencies(offer=offer, on_date=datetime.date(2024, 1, 1)) == ["USD"]


def test_a_zero_decimal_currency_is_exact(offer):
    """JPY has no minor units: 52000 is ¥52,000, written and taxed in whole yen."""
    amount = price_of(offer=offer, currency="JPY", on_date=TODAY)
    assert amount == 52000
    assert minor_digits("JPY") == 0
    assert money_decimal(amount, "JPY") == Decimal("52000")
    assert format_money(amount, "JPY", language="en") == "JP¥52,000"
    assert format_money(amount, "JPY", language="ru").replace("\xa0", " ").replace("\u202f", " ") == "52 000 ¥"
    assert format_money(1, "JPY", language="en") == "JP¥1"
    assert (tax_amounts(amount, Decimal("23")).tax, tax_amounts(1005, Decimal("10")).tax) == (11960, 101)
    # and a two-decimal currency keeps its cents
    assert format_money(44000, "EUR", language="en") == "€440.00"
    assert format_money(4200000, "RUB", language="ru").replace("\xa0", " ").replace("\u202f", " ") == "42 000,00 ₽"


# --- Past prices never change -------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_price_that_has_taken_effect_never_changes(offer):
    past = OfferPrice.objects.get(currency="EUR", effective_from=datetime.date(2025, 1, 1))
    past.amount = 40000
    with pytest.raises(ValidationError, match="can no longer change"):
        past.full_clean()
    past.refresh_from_db()
    past.effective_from = datetime.date(2026, 12, 1)
    with pytest.raises(ValidationError):
        past.full_clean()


@time_machine.travel(NOW, tick=False)
def test_a_new_price_starts_today_at_the_earliest(offer):
    with pytest.raises(ValidationError) as excinfo:
        OfferPrice(offer=offer, currency="RUB", amount=4200000, effective_from=datetime.date(2026, 5, 31)).full_clean()
    assert "effective_from" in excinfo.value.message_dict
    OfferPrice(offer=offer, currency="RUB", amount=4200000, effective_from=TODAY).full_clean()


@time_machine.travel(NOW, tick=False)
def test_a_future_price_may_be_corrected_until_it_takes_effect(offer):
    future = OfferPrice.objects.get(currency="EUR", effective_from=datetime.date(2026, 9, 1))
    future.amount = 45500
    future.full_clean()
    future.save()
    assert price_of(offer=offer, currency="EUR", on_date=datetime.date(2026, 9, 1)) == 45500


def test_one_price_per_offer_currency_and_day(offer):
    with pytest.raises(ValidationError):
        OfferPrice(offer=offer, currency="EUR", amount=1, effective_from=datetime.date(2026, 9, 1)).full_clean()


@pytest.mark.parametrize("currency", ["eu", "EURO", "XYZ", ""])
def test_a_price_is_in_an_iso_currency(offer, currency):
    with pytest.raises(ValidationError):
        OfferPrice(offer=offer, currency=currency, amount=1, effective_from=datetime.date(2030, 1, 1)).full_clean()


def _inline_post(offer, rows, **extra):
    data = {
        "code": offer.code,
        "name": offer.name,
        "name_ru": "",
        "description": "",
        "description_ru": "",
        "term_months": offer.term_months,
        "requires_network_membership": "on",
        "is_active": "on",
        "position": 0,
        "prices-TOTAL_FORMS": len(rows),
        "prices-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
        "prices-MIN_NUM_FORMS": 0,
        "prices-MAX_NUM_FORMS": 1000,
        "benefits-TOTAL_FORMS": 0,
        "benefits-INITIAL_FORMS": 0,
        "terms_versions-TOTAL_FORMS": 0,
        "terms_versions-INITIAL_FORMS": 0,
        **extra,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"prices-{index}-{key}"] = value
        data[f"prices-{index}-offer"] = offer.pk
    return data


def _rows(offer):
    return [
        {"id": p.pk, "currency": p.currency, "amount": p.amount, "effective_from": p.effective_from.isoformat()}
        for p in OfferPrice.objects.filter(offer=offer).order_by("currency", "-effective_from")
    ]


@time_machine.travel(NOW, tick=False)
def test_staff_edit_prices_as_an_inline_and_past_ones_stay(offer, admin_client):
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert b"prices-0-amount" in page.content or b"prices-1-amount" in page.content
    rows = _rows(offer)
    for row in rows:
        row["amount"] = 1  # try to change every price, past ones included
    rows.append({"currency": "RUB", "amount": "4200000", "effective_from": "2026-07-01"})
    response = admin_client.post(url, _inline_post(offer, rows))
    assert response.status_code == 302, response.context and response.context["errors"]
    prices = {(p.currency, p.effective_from): p.amount for p in OfferPrice.objects.filter(offer=offer)}
    assert prices == {
        ("EUR", datetime.date(2025, 1, 1)): 44000,  # in force: unchanged
        ("JPY", datetime.date(2025, 1, 1)): 52000,  # in force: unchanged
        ("EUR", datetime.date(2026, 9, 1)): 1,  # not yet in force: corrected
        ("RUB", datetime.date(2026, 7, 1)): 4200000,  # new
    }
    # The opening price is shown, not edited.
    offer.refresh_from_db()
    assert (offer.price_amount, offer.currency) == (47500, "USD")


@time_machine.travel(NOW, tick=False)
def test_staff_cannot_delete_a_past_price_nor_add_one(offer, admin_client):
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    rows = _rows(offer)
    past = next(row for row in rows if row["currency"] == "JPY")
    past["DELETE"] = "on"
    response = admin_client.post(url, _inline_post(offer, rows))
    assert response.status_code == 200
    assert OfferPrice.objects.filter(pk=past["id"]).exists()

    rows = _rows(offer) + [{"currency": "RUB", "amount": "4200000", "effective_from": "2026-05-01"}]
    response = admin_client.post(url, _inline_post(offer, rows))
    assert response.status_code == 200
    assert not OfferPrice.objects.filter(offer=offer, currency="RUB").exists()

    # A price not yet in force may be withdrawn.
    rows = _rows(offer)
    next(row for row in rows if row["effective_from"] == "2026-09-01")["DELETE"] = "on"
    assert admin_client.post(url, _inline_post(offer, rows)).status_code == 302
    assert not OfferPrice.objects.filter(offer=offer, effective_from=datetime.date(2026, 9, 1)).exists()


# --- Demo prices and the data migration ---------------------------------------------------------


def test_demo_prices():
    offer = load_demo_catalogue()
    load_demo_catalogue()  # twice adds nothing
    day = datetime.date(2026, 12, 7)
    assert {c: price_of(offer=offer, currency=c, on_date=day) for c in ("USD", "EUR", "RUB")} == {
        "USD": 47500,
        "EUR": 44000,
        "RUB": 4200000,
    }
    assert OfferPrice.objects.filter(offer=offer).count() == 3


def test_the_data_migration_keeps_existing_offers_prices():
    migration = importlib.import_module("offers.migrations.0008_offer_prices_initial")
    OfferFactory(code="action-pack", price_amount=47500, currency="USD")
    other = OfferFactory(code="other", price_amount=1200, currency="GBP")
    migration.add_prices(django_apps, None)
    migration.add_prices(django_apps, None)
    rows = sorted(OfferPrice.objects.values_list("offer__code", "currency", "amount"))
    assert rows == [
        ("action-pack", "EUR", 44000),
        ("action-pack", "RUB", 4200000),
        ("action-pack", "USD", 47500),
        ("other", "GBP", 1200),
    ]
    assert price_of(offer=other, currency="GBP", on_date=datetime.date(2026, 12, 7)) == 1200
    assert Offer.objects.count() == 2


# --- The billing currency -----------------------------------------------------------------------


PROFILE = {
    "legal_name": "Fabrikam GmbH",
    "street": "Hauptstraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "tax_id": "DE136695976",
}


def test_the_partner_chooses_the_currency_before_the_first_purchase(client):
    org = OrganizationFactory(name="Fabrikam", billing_profile=False)
    admin = org.users.get()
    client.force_login(admin)
    page = client.get(reverse("billing:profile"))
    assert 'name="currency"' in page.content.decode()
    client.post(reverse("billing:profile"), {**PROFILE, "currency": "EUR"})
    assert BillingProfile.objects.get(organization=org).currency == "EUR"
    # Still free to change before anything is paid.
    client.post(reverse("billing:profile"), {**PROFILE, "currency": "RUB"})
    assert BillingProfile.objects.get(organization=org).currency == "RUB"


def test_a_profile_saved_without_a_currency_pays_in_us_dollars(client):
    org = OrganizationFactory(name="Northwind", billing_profile=False)
    client.force_login(org.users.get())
    client.post(reverse("billing:profile"), PROFILE)
    assert BillingProfile.objects.get(organization=org).currency == "USD"
    assert BillingProfile.objects.get(organization=OrganizationFactory(name="Contoso").pk).currency == "USD"


def test_the_currency_is_fixed_after_the_first_purchase(client):
    org = OrganizationFactory(name="Fabrikam")
    admin = org.users.get()
    PaymentFactory(organization=org, status=PaymentStatus.SUCCEEDED)
    with pytest.raises(ValidationError) as excinfo:
        billing_services.billing_profile_save(organization=org, actor=admin, **PROFILE, currency="EUR")
    assert "currency" in excinfo.value.message_dict
    client.force_login(admin)
    page = client.get(reverse("billing:profile"))
    assert page.context["form"].fields["currency"].disabled
    # A tampered post changes nothing, and the other fields still save.
    client.post(reverse("billing:profile"), {**PROFILE, "city": "Hamburg", "postal_code": "20095", "currency": "EUR"})
    profile = BillingProfile.objects.get(organization=org)
    assert (profile.currency, profile.city) == ("USD", "Hamburg")


def test_a_failed_payment_does_not_fix_the_currency():
    org = OrganizationFactory(name="Fabrikam")
    PaymentFactory(organization=org, status=PaymentStatus.FAILED)
    profile = billing_services.billing_profile_save(organization=org, actor=org.users.get(), **PROFILE, currency="EUR")
    assert profile.currency == "EUR"


def test_only_staff_change_a_fixed_currency_and_only_while_nothing_is_live():
    org = OrganizationFactory(name="Fabrikam")
    PaymentFactory(organization=org, status=PaymentStatus.SUCCEEDED)
    subscription = SubscriptionFactory(organization=org, offer=OfferFactory())
    staff = UserFactory(organization=OrganizationFactory(name="Staff"), is_staff=True)
    with pytest.raises(PermissionDenied):
        billing_currency_change(organization=org, currency="EUR", actor=org.users.first())
    with pytest.raises(ValidationError, match="live subscription"):
        billing_currency_change(organization=org, currency="EUR", actor=staff)
    assert BillingProfile.objects.get(organization=org).currency == "USD"
    subscription.status = SubscriptionStatus.EXPIRED
    subscription.save(update_fields=["status"])
    billing_currency_change(organization=org, currency="EUR", actor=staff)
    assert BillingProfile.objects.get(organization=org).currency == "EUR"


def test_staff_change_the_currency_in_admin_only_while_nothing_is_live(admin_client):
    org = OrganizationFactory(name="Fabrikam")
    profile = BillingProfile.objects.get(organization=org)
    subscription = SubscriptionFactory(organization=org, offer=OfferFactory())
    url = reverse("admin:billing_billingprofile_change", args=[profile.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"currency": "EUR", "legal_name": "Changed"})
    assert response.status_code == 200  # the form again, with the error
    profile.refresh_from_db()
    assert profile.currency == "USD"
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.save(update_fields=["status"])
    assert admin_client.post(url, {"currency": "EUR", "legal_name": "Changed"}).status_code == 302
    profile.refresh_from_db()
    assert (profile.currency, profile.legal_name) == ("EUR", "Fabrikam Ltd.")  # only the currency is staff's


def test_tax_and_price_together_for_each_demo_case():
    """The numbers the demo shows: price of the currency, then R19 on it."""
    offer = load_demo_catalogue()
    TaxRate.objects.get_or_create(
        country="IE", effective_from=datetime.date(2021, 3, 1), defaults={"rate": Decimal("23")}
    )
    day = datetime.date(2026, 12, 7)
    cases = [
        ("IE", "", "EUR", 44000, 10120, 54120),  # Contoso, Ireland
        ("DE", "DE136695976", "EUR", 44000, 0, 44000),  # Fabrikam, reverse charge
        ("US", "", "USD", 47500, 0, 47500),  # Northwind, outside scope
        ("RU", "7707083893", "RUB", 4200000, 0, 4200000),  # Adventure Works, outside scope
    ]
    for country, vat, currency, net, tax, gross in cases:
        decision = tax_for(buyer_country=country, vat_number=vat, on_date=day)
        amounts = tax_amounts(price_of(offer=offer, currency=currency, on_date=day), decision.rate)
        assert (amounts.net, amounts.tax, amounts.gross) == (net, tax, gross), country


def test_the_offers_page_shows_the_price_of_the_day_in_the_billing_currency(client):
    offer = load_demo_catalogue()
    OfferPrice.objects.create(offer=offer, currency="EUR", amount=45000, effective_from=datetime.date(2099, 1, 1))
    org = OrganizationFactory(name="Fabrikam")
    client.force_login(org.users.get())

    def price():
        page = client.get(reverse("offers:offer_list")).content.decode()
        return page.split('class="price">', 1)[1].split("</p>", 1)[0].replace("<strong>", "").replace("</strong>", "")

    assert price().startswith("US$475.00")
    admin = org.users.get()
    billing_services.billing_profile_save(organization=org, actor=admin, currency="EUR")
    assert price().startswith("€440.00")  # 450.00 only from 2099
    billing_services.billing_profile_save(organization=org, actor=admin, currency="GBP")
    assert price() == "Not sold in GBP, your billing currency."
