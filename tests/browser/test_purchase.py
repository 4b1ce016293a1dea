"""The whole purchase in a real browser: Debian's chromium, the live server, localstripe's stripe.js."""

import re

import pytest

from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderStatus, Subscription, SubscriptionStatus
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.fixtures_infra import SCREENSHOT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]

LABELS = {
    "en": {
        "offers": "Offers",
        "subscribe": "Subscribe now",
        "next": "Next",
        "add": "Get started! Add a way to pay",
        "buy": "Buy",
        "confirmed": "Your order is confirmed.",
        "close": "Close",
        "purchased": "Purchased offers",
        "offer": "Microsoft Action Pack subscription",
        "price": "US$475.00",
    },
    "ru": {
        "offers": "Предложения",
        "subscribe": "Подписаться сейчас",
        "next": "Далее",
        "add": "Начало работы! Добавить способ оплаты",
        "buy": "Купить",
        "confirmed": "Ваш заказ подтвержден.",
        "close": "Закрыть",
        "purchased": "Купленные предложения",
        "offer": "Подписка на Microsoft Action Pack",
        "price": "475,00\u00a0$",
    },
}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_purchase_from_login_to_purchased_offers(language, live_server, stripe_settings, browser_page):
    page = browser_page
    label = LABELS[language]
    load_demo_catalogue()
    org = OrganizationFactory(name="Contoso %s" % language)
    user = UserFactory(
        organization=org, roles=[Role.BILLING_ADMIN], language=language, email="bill-%s@contoso.example" % language
    )
    shots = iter(range(1, 100))

    def shot(name):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(SCREENSHOT_DIR / ("purchase_%s_%02d_%s.png" % (language, next(shots), name))), full_page=True
        )

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    shot("login")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))

    # Dashboard menu: Partnership > Offers.
    page.locator("nav.menu").get_by_role("link", name=label["offers"], exact=True).click()
    page.get_by_role("button", name=label["subscribe"], exact=True).wait_for()
    shot("offers")
    page.get_by_role("button", name=label["subscribe"], exact=True).click()

    # Terms for internal-use rights: Next records the acceptance.
    page.wait_for_url(re.compile(r"/terms/$"))
    shot("terms")
    page.get_by_role("button", name=label["next"], exact=True).click()

    # Payment: Get started! Add a way to pay → localstripe's card element → Next.
    page.wait_for_url(re.compile(r"/payment/$"))
    shot("payment")
    page.get_by_role("link", name=label["add"], exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").wait_for()
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10001")
    shot("card")
    page.get_by_role("button", name=label["next"], exact=True).click()

    # Back on the payment step with the new card chosen: Next.
    page.wait_for_url(re.compile(r"/payment/$"))
    page.locator("input[name=payment_method]:checked").wait_for()
    shot("card_saved")
    page.get_by_role("button", name=label["next"], exact=True).click()

    # Review: offer, price, term, card ••4242 → Buy.
    page.wait_for_url(re.compile(r"/review/$"))
    review = page.locator("main").inner_text()
    assert "••4242" in review and label["price"] in review and label["offer"] in review
    shot("review")
    page.get_by_role("button", name=label["buy"], exact=True).click()

    page.wait_for_url(re.compile(r"/done/$"))
    page.get_by_text(label["confirmed"]).first.wait_for()
    order = Order.objects.get(organization=org)
    assert order.status == OrderStatus.PAID
    assert order.number in page.locator("main").inner_text()
    shot("confirmed")
    page.get_by_role("link", name=label["close"], exact=True).click()

    page.wait_for_url(re.compile(r"/partnership/offers/$"))
    purchased = page.locator("#purchased-offers")
    assert label["purchased"] in purchased.inner_text()
    assert label["offer"] in purchased.inner_text()
    shot("purchased")
    assert Subscription.objects.filter(organization=org, status=SubscriptionStatus.ACTIVE).count() == 1


@pytest.mark.parametrize("authenticates", [True, False], ids=["authenticated", "authentication_failed"])
def test_3d_secure_card_in_the_browser(authenticates, live_server, stripe_settings, browser_page):
    """A card that needs 3-D Secure: stripe.js's dialog at card entry and again at Buy."""
    page = browser_page
    load_demo_catalogue()
    org = OrganizationFactory(name="Contoso 3DS")
    user = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="threeds@contoso.example")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))
    page.goto(live_server.url + "/partnership/offers/")
    page.get_by_role("button", name="Subscribe now", exact=True).click()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("link", name="Get started! Add a way to pay", exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4000002760003184")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Complete authentication").click()  # the card's set-up dialog
    page.locator("input[name=payment_method]:checked").wait_for()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Buy", exact=True).click()
    # The bank's dialog for the payment itself.
    page.get_by_role("button", name="Complete authentication" if authenticates else "Fail authentication").click()
    order = Order.objects.get(organization=org)
    if authenticates:
        page.wait_for_url(re.compile(r"/done/$"))
        assert "Your order is confirmed." in page.locator("main").inner_text()
        assert Subscription.objects.filter(organization=org).count() == 1
    else:
        page.wait_for_url(re.compile(r"/payment/$"))
        assert "authentication failed; you were not charged" in page.locator("main").inner_text()
        order.refresh_from_db()
        assert order.status == OrderStatus.FAILED
        assert not Subscription.objects.filter(organization=org).exists()
    page.screenshot(path=str(SCREENSHOT_DIR / ("purchase_3ds_%s.png" % ("ok" if authenticates else "failed"))))


def test_billing_payment_methods_add_a_card_in_the_browser(live_server, stripe_settings, browser_page):
    """Billing > Payment methods uses the same SetupIntent + stripe.js card entry."""
    from billing.models import PaymentMethod

    page = browser_page
    org = OrganizationFactory(name="Contoso cards")
    user = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], email="cards@contoso.example")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))
    page.locator("nav.menu").get_by_role("link", name="Billing", exact=True).click()
    page.get_by_role("link", name="Manage payment methods").click()
    page.get_by_role("link", name="Get started! Add a way to pay", exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("11")
    card.locator("input[placeholder=exp_year]").fill("31")
    card.locator("input[placeholder=cvc]").fill("123")
    page.get_by_role("button", name="Next", exact=True).click()
    page.locator("tr.payment-method").first.wait_for()
    assert "••4242" in page.locator("tr.payment-method").first.inner_text()
    method = PaymentMethod.objects.get(organization=org)
    assert (method.last4, method.exp_month, method.exp_year, method.is_default) == ("4242", 11, 2031, True)
    page.screenshot(path=str(SCREENSHOT_DIR / "billing_payment_methods_added.png"), full_page=True)


def test_renewal_through_the_same_wizard_in_the_browser(live_server, stripe_settings, browser_page):
    """Renew subscriptions → Verify your order → Next → terms → payment → review → Buy → Close."""
    import datetime

    from django.utils import timezone

    from membership.dates import add_months

    page = browser_page
    offer = load_demo_catalogue()
    org = OrganizationFactory(name="Contoso renewal")
    user = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="renew@contoso.example")
    end = timezone.localdate() + datetime.timedelta(days=12)
    subscription = SubscriptionFactory(organization=org, offer=offer, end=end)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))
    page.goto(live_server.url + "/partnership/offers/")
    page.locator("#available-offers").get_by_role("button", name="Renew subscriptions").click()
    page.wait_for_url(re.compile(r"/verify/$"))
    assert "Verify your order details and then select Next." in page.locator("main").inner_text()
    page.get_by_role("link", name="Next", exact=True).click()
    page.wait_for_url(re.compile(r"/terms/$"))
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("link", name="Get started! Add a way to pay", exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    page.get_by_role("button", name="Next", exact=True).click()
    page.locator("input[name=payment_method]:checked").wait_for()
    page.get_by_role("button", name="Next", exact=True).click()
    page.get_by_role("button", name="Buy", exact=True).click()
    page.wait_for_url(re.compile(r"/done/$"))
    assert "Your order is confirmed." in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOT_DIR / "renewal_confirmed.png"), full_page=True)
    page.get_by_role("link", name="Close", exact=True).click()
    page.wait_for_url(re.compile(r"/partnership/offers/$"))
    subscription.refresh_from_db()
    assert (subscription.current_period_start, subscription.current_period_end) == (end, add_months(end, 12))
