"""Helpers shared by the lifecycle tests: travel in time, run the sweep, read what localstripe and the outbox hold.

Test data comes from tests.factories (cards: tests.factories.billing, subscriptions: tests.factories.offers).
"""

import datetime

import time_machine
from django.core import mail
from django.db.models import OuterRef, Subquery
from django.test import TestCase

from billing.models import Payment
from offers.models import Order, OrderKind

UTC = datetime.UTC


def at(day, hour=3):
    """time_machine.travel to a day at 03:00 UTC (after the 02:00 beat)."""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=True)


def sweep(today=None):
    """Run the daily task as beat would (eager in tests unless a worker test says otherwise)."""
    from offers.tasks import subscriptions_sweep

    # In a test wrapped in a transaction, on_commit (the e-mails) runs when this block ends.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return subscriptions_sweep.apply_async(kwargs={"today": today.isoformat() if today else None})


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
    orders = Order.objects.filter(subscription=subscription)
    return (
        Payment.objects.filter(reference__in=orders.values("number"))
        .annotate(order_pk=Subquery(orders.filter(number=OuterRef("reference")).values("pk")[:1]))
        .order_by("order_pk", "attempt")
    )


def mails_with(text):
    return [m for m in mail.outbox if text in m.subject]
