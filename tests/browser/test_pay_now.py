"""R20 in a real browser, in English and Russian: a declined renewal, a decline at Pay now, then a new card and
ten Pay now POSTs at once from the page: one charge at localstripe, the subscription active for its new term."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from billing.services import decline_message
from membership.dates import add_months
from membership.models import Role
from offers.models import Subscription, SubscriptionStatus
from offers.services import subscription_renew
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180), pytest.mark.django_db(transaction=True)]

LABELS = {
    "en": {
        "pay_now_link": "Update the card and pay now",
        "pay": "Pay now",
        "add": "Get started! Add a way to pay",
        "next": "Next",
    },
    "ru": {
        "pay_now_link": "Обновить карту и оплатить сейчас",
        "pay": "Оплатить сейчас",
        "add": "Начало работы! Добавить способ оплаты",
        "next": "Далее",
    },
}

# Ten Pay now POSTs at once with the page's form (its CSRF token and chosen card), as ten clicks would send.
TEN_POSTS = """async () => {
  const form = document.querySelector("#pay-now-form");
  const body = new URLSearchParams(new FormData(form));
  const answers = await Promise.all(Array.from({length: 10}, () =>
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin"})));
  return answers.map((answer) => answer.status);
}"""


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_declined_renewal_becomes_active_through_pay_now_with_one_charge(
    language, live_server, stripe_settings, localstripe_process, browser_page
):
    page = browser_page
    label = LABELS[language]
    today = timezone.localdate()
    org = OrganizationFactory(name="Adventure %s" % language)
    user = UserFactory(
        organization=org, roles=[Role.BILLING_ADMIN], language=language, email="pay-%s@adventure.example" % language
    )
    subscription = SubscriptionFactory(
        organization=org,
        start=add_months(today, -12),
        payment_method=CardFactory(organization=org, number=DECLINED_CARD),
    )
    assert subscription_renew(subscription_id=subscription.pk, today=today).outcome == "failed"
    subscription.refresh_from_db()
    due, end = subscription.current_period_end, add_months(subscription.current_period_end, 12)
    assert subscription.status == SubscriptionStatus.PAST_DUE

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/membership/"))

    # The dashboard and the details both lead to Pay now.
    assert page.get_by_role("link", name=label["pay_now_link"], exact=True).is_visible()
    page.goto(live_server.url + subscription.get_absolute_url())
    page.get_by_role("link", name=label["pay_now_link"], exact=True).click()
    page.wait_for_url(re.compile(r"/pay-now/$"))

    # The card on file declines again: the reason in the reader's language, nothing changes.
    page.get_by_role("button", name=label["pay"], exact=True).click()
    page.wait_for_url(re.compile(r"/pay-now/$"))
    with translation.override(language):
        declined = decline_message("card_declined")
    assert declined in page.locator("main").inner_text()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.renewal_attempts) == (SubscriptionStatus.PAST_DUE, 1)

    # Another card through the same card entry as Billing and the checkout.
    page.get_by_role("link", name=label["add"], exact=True).click()
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").wait_for()
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10001")
    page.get_by_role("button", name=label["next"], exact=True).click()
    page.wait_for_url(re.compile(r"/pay-now/\?card=\d+$"))
    checked = page.locator("input[name=payment_method]:checked")
    assert "4242" in page.locator("label[for=%s]" % checked.get_attribute("id")).inner_text()

    statuses = page.evaluate(TEN_POSTS)
    assert statuses == [200] * 10  # every answer a page (after its redirect), never an error

    page.goto(live_server.url + subscription.get_absolute_url())
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert (subscription.status, subscription.current_period_start, subscription.current_period_end) == (
        SubscriptionStatus.ACTIVE,
        due,
        end,
    )
    assert subscription.next_renewal_attempt_on is None and subscription.renewal_attempts == 0
    with translation.override(language):
        assert page.get_by_test_id("status").inner_text() == str(SubscriptionStatus.ACTIVE.label)
    assert page.get_by_test_id("pay-now").count() == 0

    # At localstripe: the period's order charged three times in all (two declines), once successfully.
    number = "AR-%06d-%s" % (subscription.pk, due.strftime("%Y%m%d"))
    answer = localstripe_process.request("GET", "/v1/payment_intents?limit=100")
    period = [i for i in answer["data"] if (i.get("metadata") or {}).get("order_number") == number]
    assert [i["status"] for i in period].count("succeeded") == 1, period
    assert len([i for i in period if i["status"] != "succeeded"]) == 2
    assert reverse("subscriptions:pay_now", args=[subscription.pk]) not in page.content()
