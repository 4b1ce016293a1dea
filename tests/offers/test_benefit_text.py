"""Benefits read as the seed says them, in both languages, on every page that lists them."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from membership.models import Role
from offers.benefit_text import benefit_phrase, credit_currency
from offers.models import BenefitKind
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory, action_pack

NBSP = "\xa0"


@pytest.fixture(autouse=True)
def _language_restored():
    # A Russian reader's request leaves Russian active in this thread; the next test expects English.
    with translation.override("en"):
        yield


AZURE_EN = "US$100 of Microsoft Azure credits every month"
AZURE_RU = f"Кредиты Microsoft Azure в размере 100{NBSP}$ каждый месяц"
SEEN_EN = (
    AZURE_EN,
    "10 Windows 10 Enterprise (upgrade) licenses",
    "3 Visual Studio Professional licenses",
    "Up to 10 Office 365 (E3) seats",
    "Up to 5 Enterprise Mobility Suite seats",
    "No-cost Visual Studio Team Services account",
)
SEEN_RU = (
    AZURE_RU,
    "Лицензии (на обновление) Windows 10 Корпоративная: 10",
    "Места Office 365 (E3): до 10",
    "Бесплатная учетная запись Visual Studio Team Services",
)


def _text(response):
    return re.sub(r"[ \t\r\n]+", " ", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "seen"), [("en", SEEN_EN), ("ru", SEEN_RU)])
def test_the_offers_page_says_each_benefit_as_the_seed_does(client, org, language, seen):
    action_pack()
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language=language))
    body = _text(client.get(reverse("offers:offer_list")))
    for phrase in seen:
        assert phrase in body
    assert "cents" not in body and "центов" not in body and "10000" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "seen"), [("en", SEEN_EN), ("ru", SEEN_RU)])
def test_the_benefits_page_too(client, org, language, seen, stripe_settings):
    SubscriptionFactory(organization=org)
    client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language=language))
    body = _text(client.get(reverse("benefits:list")))
    for phrase in seen:
        assert phrase in body
    assert "10000" not in body


def test_a_credit_is_money_in_the_currency_its_unit_names():
    assert credit_currency("USD") == "USD" and credit_currency("EUR") == "EUR"
    assert credit_currency("US$ cents a month") == "USD"  # a row older than the migration
    with translation.override("en"):
        phrase = benefit_phrase(kind=BenefitKind.CREDIT, name="Microsoft Azure credits", quantity=10050, unit="USD")
    assert phrase == "US$100.50 of Microsoft Azure credits every month"
