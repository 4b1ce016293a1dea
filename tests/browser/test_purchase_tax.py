"""R19 in a real browser: a purchase in each currency and tax case, in English and Russian; the review
shows net, tax and total, and the charge is that total."""

import datetime
import re
from decimal import Decimal

import pytest

from billing import services as billing_services
from billing.models import Invoice, TaxRate
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderStatus
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"
# case: (language, country, postal code, tax ID, currency, what the review shows: net, tax, total, words)
CASES = {
    "ireland-en": ("en", "IE", "D02 X285", "", "EUR", "€440.00", "€101.20", "€541.20", "VAT 23 %"),
    "germany-ru": (
        "ru",
        "DE",
        "10115",
        "DE136695976",
        "EUR",
        f"440,00{NBSP}€",
        f"0,00{NBSP}€",
        f"440,00{NBSP}€",
        "Обратное начисление",
    ),
    "us-en": ("en", "US", "94105", "", "USD", "US$475.00", "US$0.00", "US$475.00", "No EU VAT"),
    "russia-ru": (
        "ru",
        "RU",
        "125009",
        "7707083893",
        "RUB",
        f"42{NBSP}000,00{NBSP}₽",
        f"0,00{NBSP}₽",
        f"42{NBSP}000,00{NBSP}₽",
        "Без НДС ЕС",
    ),
}
LABELS = {
    "en": {"subscribe": "Subscribe now", "next": "Next", "add": "Get started! Add a way to pay", "buy": "Buy"},
    "ru": {
        "subscribe": "Подписаться сейчас",
        "next": "Далее",
        "add": "Начало работы! Добавить способ оплаты",
        "buy": "Купить",
    },
}
GROSS = {"ireland-en": 54120, "germany-ru": 44000, "us-en": 47500, "russia-ru": 4200000}


@pytest.mark.parametrize("case", list(CASES))
def test_purchase_with_tax_in_the_browser(case, live_server, stripe_settings, browser_page):
    language, country, postal_code, tax_id, currency, net, tax, total, words = CASES[case]
    label = LABELS[language]
    page = browser_page
    load_demo_catalogue()
    TaxRate.objects.get_or_create(country="IE", effective_from=datetime.date(2021, 3, 1), defaults={"rate": 23})
    org = OrganizationFactory(name=f"Buyer {case}", billing_profile=False)
    user = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language=language, email=f"{case}@buyer.example")
    billing_services.billing_profile_save(
        organization=org,
        actor=user,
        legal_name=f"Buyer {case} Ltd.",
        street="1 Main Street",
        city="Capital",
        postal_code=postal_code,
        country=country,
        tax_id=tax_id,
        currency=currency,
    )

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))
    page.goto(live_server.url + "/partnership/offers/")
    assert page.locator("p.price").first.inner_text().startswith(net)
    page.get_by_role("button", name=label["subscribe"], exact=True).click()
    page.wait_for_url(re.compile(r"/terms/$"))
    page.get_by_role("button", name=label["next"], exact=True).click()
    page.wait_for_url(re.compile(r"/payment/$"))
    page.get_by_role("link", name=label["add"], exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").wait_for()
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10001")
    page.get_by_role("button", name=label["next"], exact=True).click()
    page.wait_for_url(re.compile(r"/payment/$"))
    page.locator("input[name=payment_method]:checked").wait_for()
    page.get_by_role("button", name=label["next"], exact=True).click()

    page.wait_for_url(re.compile(r"/review/$"))
    summary = page.locator("table.order-summary")
    assert summary.locator("td.price").inner_text() == net
    assert summary.locator("td.tax").inner_text().startswith(tax)
    assert summary.locator("td.total").inner_text() == total
    assert words in summary.inner_text()
    page.get_by_role("button", name=label["buy"], exact=True).click()
    page.wait_for_url(re.compile(r"/done/$"))

    order = Order.objects.get(organization=org)
    assert (order.status, order.amount, order.currency) == (OrderStatus.PAID, GROSS[case], currency)
    assert order.payments.get().amount == GROSS[case]
    assert Invoice.objects.get(reference=order.number).tax_rate == Decimal("23" if country == "IE" else "0")
