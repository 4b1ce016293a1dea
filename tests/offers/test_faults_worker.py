"""Faults, the worker: the Celery worker is killed (SIGKILL) in the middle of an automatic renewal.

A real worker subprocess on Redis runs ``offers.tasks.renew_subscription`` against this test's
PostgreSQL database. Stripe is slowed down by a proxy, so the worker is killed while its
PaymentIntent request is in flight; then either Stripe charges the card with nobody left to
record it, or the request dies with the worker before Stripe sees it. The worker is started
again; the message (acks_late) comes back from Redis, and the renewal settles the interrupted
attempt (finding the charge by the attempt id in its metadata) or closes it and charges afresh.
Either way: one succeeded PaymentIntent at localstripe, one paid order, one renewed term.

Needs PostgreSQL and Redis (CI); skipped on SQLite or the filesystem broker.
"""

import datetime
import os
import uuid

import pytest
from django.utils import timezone

from billing.models import Payment, PaymentStatus
from membership.dates import add_months
from offers.models import Order, OrderKind, OrderStatus, SubscriptionStatus
from tests.factories.billing import CardFactory
from tests.factories.membership import OrganizationFactory
from tests.factories.offers import SubscriptionFactory
from tests.stack.tools import (
    ROOT,
    StripeProxy,
    WorkerProcess,
    current_database_url,
    require_postgres_and_redis,
    stripe_intents,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


@pytest.fixture
def postgres_and_redis():
    require_postgres_and_redis()


@pytest.fixture
def proxy(postgres_and_redis, stripe_settings, localstripe_process):
    proxy = StripeProxy(localstripe_process.url)
    proxy.up()
    yield proxy
    proxy.close()


@pytest.fixture
def worker(proxy, settings, tmp_path):
    """A killable worker on its own queue (other tests' workers never take its messages)."""
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.stack.worker_settings",
        DATABASE_URL=current_database_url(),
        CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
        STRIPE_API_BASE=proxy.url,
        STRIPE_TIMEOUT_SECONDS="30",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    process = WorkerProcess(queue="faults-%s" % uuid.uuid4().hex[:8], env=env, log_path=tmp_path / "worker.log")
    yield process
    process.stop()


@pytest.mark.parametrize("reached_stripe", [True, False], ids=["charged-before-the-kill", "killed-before-stripe"])
def test_worker_killed_mid_renewal_and_restarted_charges_once(worker, proxy, localstripe_process, reached_stripe):
    from offers.tasks import subscription_renew
    from partnerportal.celery import app

    today = timezone.localdate()
    organization = OrganizationFactory(name="Contoso")
    subscription = SubscriptionFactory(
        organization=organization, start=add_months(today, -12), payment_method=CardFactory(organization=organization)
    )
    proxy.delay_intents = 3.0  # a slow Stripe: the worker is killed while it waits for the answer
    proxy.drop_intents = not reached_stripe  # or the request dies with it, before Stripe sees it

    worker.start()
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        subscription_renew.apply_async(args=[subscription.pk, today.isoformat()], queue=worker.queue)
        # The attempt is committed before Stripe is called; the request is now held by the proxy.
        wait_until(lambda: proxy.intent_posts == 1, 60, 0.05, "the worker's PaymentIntent request")
        payment = Payment.objects.get(reference__in=subscription.orders.values("number"))
        assert payment.status == PaymentStatus.PENDING
        worker.kill()
    finally:
        app.conf.task_always_eager = eager

    if reached_stripe:
        # Stripe finishes the charge the dead worker asked for; nothing records it here.
        wait_until(lambda: proxy.intents_forwarded == 1, 30, 0.05, "Stripe's answer to the killed request")
        charged = [i for i in stripe_intents(localstripe_process) if i["status"] == "succeeded"]
        assert len(charged) == 1
    else:
        wait_until(lambda: proxy.intents_dropped == 1, 30, 0.05, "the killed request to be dropped")
        assert stripe_intents(localstripe_process) == []
        proxy.drop_intents = False
    order = Order.objects.get(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)
    assert order.status == OrderStatus.PROCESSING
    payment.refresh_from_db()
    assert (payment.status, payment.stripe_payment_intent_id) == (PaymentStatus.PENDING, None)

    # The interrupted attempt is reconciled once it is older than the task's hard time limit
    # (billing.services.STALE_ATTEMPT_AFTER); age it instead of waiting minutes.
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    proxy.delay_intents = 0
    worker.start()  # the unacknowledged message comes back from Redis by itself

    def renewed():
        order.refresh_from_db()
        return order.status == OrderStatus.PAID

    wait_until(renewed, 90, 0.2, "the redelivered renewal to settle the order")

    assert "renew_subscription" in worker.log_text().split(" ready.")[-1]  # run by the restarted worker
    charged = [i for i in stripe_intents(localstripe_process) if i["status"] == "succeeded"]
    assert len(charged) == 1, charged
    payment.refresh_from_db()
    if reached_stripe:
        assert proxy.intent_posts == 1  # the restarted worker found the charge instead of making another
        assert payment.status == PaymentStatus.SUCCEEDED
        assert payment.stripe_payment_intent_id == charged[0]["id"]
    else:
        # Stripe never saw the first attempt: it is closed, and a second attempt charges once.
        assert proxy.intent_posts == 2
        assert payment.status == PaymentStatus.FAILED
        second = Payment.objects.get(reference=order.number, attempt=2)
        assert (second.status, second.stripe_payment_intent_id) == (PaymentStatus.SUCCEEDED, charged[0]["id"])
    assert Order.objects.filter(subscription=subscription, status=OrderStatus.PAID).count() == 1
    assert (
        Payment.objects.filter(
            reference__in=subscription.orders.values("number"), status=PaymentStatus.SUCCEEDED
        ).count()
        == 1
    )
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.current_period_end == add_months(today, 12)
