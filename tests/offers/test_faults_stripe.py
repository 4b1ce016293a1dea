"""Faults, the payment service: Stripe (localstripe) unreachable during a purchase and during the renewal sweep.

Expected: nothing is charged, the partner reads "the payment service is unavailable; you were not
charged", nothing changes state for good, and once Stripe answers again the same order (or the
next sweep) completes with exactly one charge.

Two kinds of outage: the ``localstripe_down`` fixture stops the localstripe process (its state is
lost on restart, as with every test), and a proxy in front of localstripe refuses connections
and then accepts them again while localstripe keeps its customers and cards, as real Stripe
would after a network outage; the recovery half of each test needs that.
"""

import logging

import pytest
from django.utils import timezone

from billing import services as billing_services
from billing.models import Payment, PaymentStatus
from membership.dates import add_months
from membership.models import Role
from offers import services as offers_services
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from offers.selectors import current_terms
from offers.services import order_charge
from offers.tasks import subscriptions_sweep
from tests.factories.billing import CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.stack.tools import StripeProxy, stripe_intents

pytestmark = pytest.mark.django_db

UNAVAILABLE = "The payment service is unavailable; you were not charged."


@pytest.fixture
def stripe_proxy(stripe_settings, localstripe_process, settings, monkeypatch):
    """The settings point at a proxy of localstripe; ``proxy.down()`` makes Stripe unreachable."""
    import stripe

    proxy = StripeProxy(localstripe_process.url)
    proxy.up()
    settings.STRIPE_API_BASE = proxy.url
    monkeypatch.setattr(stripe, "api_base", proxy.url)
    yield proxy
    proxy.close()


def _ready_order(organization, user):
    """A purchase order at its Buy step: terms accepted, a saved card chosen."""
    offer = load_demo_catalogue()
    card = CardFactory(organization=organization)
    order = offers_services.order_start_purchase(organization=organization, offer=offer, user=user)
    order = offers_services.order_accept_terms(
        order=order, terms=current_terms(offer=offer), user=user, ip_address="127.0.0.1"
    )
    return offers_services.order_set_payment_method(order=order, payment_method=card, user=user)


@pytest.fixture
def buyer():
    organization = OrganizationFactory(name="Contoso")
    return organization, UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])


def test_purchase_while_localstripe_is_stopped_charges_nothing_and_says_so(buyer, localstripe_process, request):
    organization, user = buyer
    request.getfixturevalue("stripe_settings")
    order = _ready_order(organization, user)
    request.getfixturevalue("localstripe_down")  # the process is stopped from here on

    outcome = order_charge(order_id=order.pk, actor=user)

    assert outcome.status == "unavailable"
    assert outcome.message.startswith(UNAVAILABLE)
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert order.failure_message.startswith(UNAVAILABLE)
    assert not Payment.objects.filter(reference=order.number, status=PaymentStatus.SUCCEEDED).exists()
    assert not Subscription.objects.filter(organization=organization).exists()


def test_purchase_during_an_outage_then_after_it_charges_exactly_once(buyer, stripe_proxy, localstripe_process):
    organization, user = buyer
    order = _ready_order(organization, user)

    stripe_proxy.down()
    first = order_charge(order_id=order.pk, actor=user)
    again = order_charge(order_id=order.pk, actor=user)  # the partner clicks Buy again, still down

    assert (first.status, again.status) == ("unavailable", "unavailable")
    assert first.message.startswith(UNAVAILABLE)
    assert stripe_proxy.intent_posts == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DRAFT
    assert not Subscription.objects.filter(organization=organization).exists()
    assert [i for i in stripe_intents(localstripe_process) if i["status"] == "succeeded"] == []

    stripe_proxy.up()
    recovered = order_charge(order_id=order.pk, actor=user)

    assert recovered.status == "paid"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Subscription.objects.get(organization=organization).status == SubscriptionStatus.ACTIVE
    succeeded = [i for i in stripe_intents(localstripe_process) if i["status"] == "succeeded"]
    assert len(succeeded) == 1 and succeeded[0]["amount"] == order.amount
    assert (
        Payment.objects.get(reference=order.number, status=PaymentStatus.SUCCEEDED).stripe_payment_intent_id
        == succeeded[0]["id"]
    )


def test_sweep_during_an_outage_changes_nothing_and_the_next_sweep_renews_once(
    stripe_proxy, localstripe_process, caplog
):
    today = timezone.localdate()
    organization = OrganizationFactory(name="Fabrikam")
    UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
    card = CardFactory(organization=organization)
    subscription = SubscriptionFactory(organization=organization, start=add_months(today, -12), payment_method=card)
    assert subscription.current_period_end == today  # due today
    before = Subscription.objects.values().get(pk=subscription.pk)

    stripe_proxy.down()
    with caplog.at_level(logging.WARNING):
        subscriptions_sweep.apply(kwargs={"today": today.isoformat()})
        subscriptions_sweep.apply(kwargs={"today": today.isoformat()})  # and a second run the same day

    # The operator's clear message, once per run: which subscription was not charged, and why.
    not_charged = [r.getMessage() for r in caplog.records if "not charged today" in r.getMessage()]
    assert len(not_charged) == 2
    assert all("Renewal of subscription %d not charged today: unavailable" % subscription.pk in m for m in not_charged)
    assert UNAVAILABLE in not_charged[0]

    after = Subscription.objects.values().get(pk=subscription.pk)
    assert {k: after[k] for k in ("status", "current_period_end", "renewal_attempts", "auto_renew")} == {
        k: before[k] for k in ("status", "current_period_end", "renewal_attempts", "auto_renew")
    }
    order = Order.objects.get(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)
    assert order.status == OrderStatus.DRAFT
    assert not order.payments.filter(status=PaymentStatus.SUCCEEDED).exists()
    assert set(order.payments.values_list("failure_code", flat=True)) == {billing_services.UNAVAILABLE_CODE}
    assert stripe_proxy.intent_posts == 0

    stripe_proxy.up()
    subscriptions_sweep.apply(kwargs={"today": today.isoformat()})
    subscriptions_sweep.apply(kwargs={"today": today.isoformat()})  # idempotent once renewed

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.current_period_end == add_months(today, 12)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    succeeded = [i for i in stripe_intents(localstripe_process) if i["status"] == "succeeded"]
    assert len(succeeded) == 1 and succeeded[0]["amount"] == subscription.price_amount


def test_sweep_while_localstripe_is_stopped_charges_nothing(stripe_settings, localstripe_process, request):
    today = timezone.localdate()
    organization = OrganizationFactory(name="Northwind")
    subscription = SubscriptionFactory(
        organization=organization, start=add_months(today, -12), payment_method=CardFactory(organization=organization)
    )
    request.getfixturevalue("localstripe_down")

    subscriptions_sweep.apply(kwargs={"today": today.isoformat()})

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.current_period_end == today
    assert not Payment.objects.filter(
        reference__in=subscription.orders.values("number"), status=PaymentStatus.SUCCEEDED
    ).exists()
