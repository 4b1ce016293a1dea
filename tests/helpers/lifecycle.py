"""Builders shared by the lifecycle tests (no tests here): real cards at localstripe, subscriptions, sweeps."""

import datetime

import time_machine
from django.core import mail
from django.test import TestCase

from billing.gateways import get_gateway
from billing.models import Order, OrderKind, Payment
from billing.services import customer_ensure, payment_method_add
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Subscription, SubscriptionStatus, TimelineKind
from offers.services import timeline_add
from offers.terms import add_months
from tests.factories import make_user

OK_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"
AUTH_CARD = "4000002760003184"
UTC = datetime.timezone.utc


def at(day, hour=3):
    """time_machine.travel to a day at 03:00 UTC (after the 02:00 beat)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=True)


def add_card(organization, number=OK_CARD, *, exp_year=2035, exp_month=12):
    """A card created at localstripe and saved through billing.services, like the wizard does."""
    customer_ensure(organization=organization, email="billing@example.com")
    pm = get_gateway().client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": "123"}}
    )
    return payment_method_add(organization=organization, stripe_payment_method_id=pm.id, actor=None)


def make_subscription(organization, *, start, card=None, auto_renew=True, offer=None, status=SubscriptionStatus.ACTIVE):
    """A live Action Pack subscription bought on ``start`` (12 months, R6)."""
    if isinstance(start, str):
        start = datetime.date.fromisoformat(start)
    offer = offer or load_demo_catalogue()
    subscription = Subscription.objects.create(
        organization=organization,
        offer=offer,
        status=status,
        auto_renew=auto_renew,
        started_on=start,
        current_period_start=start,
        current_period_end=add_months(start, offer.term_months),
        price_amount=offer.price_amount,
        currency=offer.currency,
        payment_method=card,
    )
    timeline_add(subscription=subscription, kind=TimelineKind.PURCHASED, detail="test purchase")
    return subscription


def billing_admin(organization, language="en"):
    return make_user(organization, roles=[Role.BILLING_ADMIN], language=language)


def sweep(today=None):
    """Run the daily task as beat would (eager in tests unless a worker test says otherwise)."""
    from offers.tasks import sweep_subscriptions

    # In a test wrapped in a transaction, on_commit (the e-mails) runs when this block ends.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return sweep_subscriptions.apply_async(kwargs={"today": today.isoformat() if today else None})


def committed(fn, *args, **kwargs):
    """Call fn and run the on_commit callbacks it registered, as a real commit would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(*args, **kwargs)


def intents(localstripe_process):
    """Every PaymentIntent localstripe holds (it keeps them all until reset)."""
    answer = localstripe_process.request("GET", "/v1/payment_intents?limit=100")
    return answer["data"]


def auto_orders(subscription):
    return Order.objects.filter(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)


def payments(subscription):
    return Payment.objects.filter(order__subscription=subscription).order_by("order_id", "attempt")


def mails_with(text):
    return [m for m in mail.outbox if text in m.subject]
