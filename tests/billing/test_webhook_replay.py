"""Webhooks are replay-safe: Stripe delivers at least once and in no particular order.

A thousand recorded events of the kinds Stripe sends about our payments (the ones the portal applies,
``payment_intent.succeeded`` and ``payment_intent.payment_failed``, and the ones it only stores) are
posted, signed, to the webhook: once in the order they happened, then each twice, shuffled. Both leave
the same database, and every event is applied exactly once.
"""

import datetime
import hashlib
import hmac
import itertools
import json
import random
import time

import pytest
import time_machine
from django.apps import apps
from django.db import IntegrityError, transaction

from billing import services as billing_services
from billing.models import Invoice, Payment, PaymentStatus, WebhookEvent
from membership.dates import add_months
from membership.models import ActivityEntry
from offers.models import Order, OrderKind, OrderStatus, Subscription
from tests.factories.billing import PaymentMethodFactory
from tests.factories.membership import OrganizationFactory
from tests.factories.offers import OrderFactory, OrderPaymentFactory, SubscriptionFactory, action_pack

URL = "/billing/stripe/webhook/"
EVENTS = 1000
NOW = datetime.datetime(2027, 3, 15, 10, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def post_signed(client, secret, event):
    payload = json.dumps(event)
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), ("%d.%s" % (timestamp, payload)).encode(), hashlib.sha256).hexdigest()
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=%d,v1=%s" % (timestamp, signature)
    )


class Recorder:
    """Stripe's side: PaymentIntents and the events about them, numbered in the order they happen."""

    def __init__(self):
        self.events = []
        self._ids = itertools.count(1)
        self._clock = itertools.count(int(NOW.timestamp()) - 86400)

    def intent(self, payment, status, **extra):
        return {
            "id": payment.stripe_payment_intent_id or "pi_replay_%d" % payment.pk,
            "object": "payment_intent",
            "amount": payment.amount,
            "currency": payment.currency.lower(),
            "customer": "cus_replay_%d" % payment.organization_id,
            "status": status,
            "metadata": {"payment_id": str(payment.pk), "reference": payment.reference},
            **extra,
        }

    def charge(self, intent, status, **extra):
        return {
            "id": "ch_" + intent["id"][3:],
            "object": "charge",
            "amount": intent["amount"],
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": status,
            **extra,
        }

    def emit(self, event_type, obj):
        number = next(self._ids)
        self.events.append(
            {
                "id": "evt_replay_%05d" % number,
                "object": "event",
                "api_version": "2024-06-20",
                "created": next(self._clock),
                "livemode": False,
                "pending_webhooks": 1,
                "type": event_type,
                "data": {"object": obj},
            }
        )


def _purchase(org, card, *, status, payment_status, intent_id=None):
    offer = action_pack()
    paid_at = NOW - datetime.timedelta(days=1) if status == OrderStatus.PAID else None
    order = OrderFactory(
        organization=org,
        offer=offer,
        status=status,
        paid_at=paid_at,
        payment_method=card,
        term_start=TODAY,
        term_end=add_months(TODAY, offer.term_months),
    )
    payment = OrderPaymentFactory(
        order=order,
        attempt=1,
        status=payment_status,
        idempotency_key="order-%s-attempt-1" % order.number,
        stripe_payment_intent_id=intent_id,
        succeeded_at=paid_at,
    )
    return order, payment


def _renewal(org, card):
    subscription = SubscriptionFactory(organization=org, end=TODAY, payment_method=card)
    offer = subscription.offer
    order = OrderFactory(
        organization=org,
        offer=offer,
        kind=OrderKind.AUTO_RENEWAL,
        number="AR-%06d-%s" % (subscription.pk, TODAY.strftime("%Y%m%d")),
        subscription=subscription,
        status=OrderStatus.PROCESSING,
        payment_method=card,
        amount=subscription.price_amount,
        term_start=TODAY,
        term_end=add_months(TODAY, offer.term_months),
    )
    payment = OrderPaymentFactory(
        order=order,
        attempt=1,
        status=PaymentStatus.PENDING,
        idempotency_key="order-%s-attempt-1" % order.number,
        stripe_payment_intent_id="pi_replay_renewal_%d" % subscription.pk,
    )
    return order, payment


def build_world():
    """Orders waiting for Stripe's word in every state a webhook settles, and the events Stripe sends."""
    stripe = Recorder()
    for i in itertools.count():
        if len(stripe.events) >= EVENTS:
            break
        org = OrganizationFactory(name="Replay %04d" % i, stripe_customer_id="cus_replay_%d" % i)
        card = PaymentMethodFactory(organization=org)
        kind = i % 7
        if kind == 0:
            # The browser's request died after Stripe charged: found by the attempt's metadata.
            _, payment = _purchase(org, card, status=OrderStatus.PROCESSING, payment_status=PaymentStatus.PENDING)
            intent = stripe.intent(payment, "succeeded")
            stripe.emit("payment_intent.created", {**intent, "status": "requires_confirmation"})
            stripe.emit("charge.succeeded", stripe.charge(intent, "succeeded"))
            stripe.emit("payment_intent.succeeded", intent)
        elif kind in (1, 2):
            # 3-D Secure, and the browser never came back: authenticated (1) or not (2).
            _, payment = _purchase(
                org,
                card,
                status=OrderStatus.REQUIRES_ACTION,
                payment_status=PaymentStatus.REQUIRES_ACTION,
                intent_id="pi_replay_3ds_%d" % i,
            )
            intent = stripe.intent(payment, "requires_action")
            stripe.emit("payment_intent.created", {**intent, "status": "requires_confirmation"})
            stripe.emit("payment_intent.requires_action", intent)
            if kind == 1:
                stripe.emit("charge.succeeded", stripe.charge(intent, "succeeded"))
                stripe.emit("payment_intent.succeeded", {**intent, "status": "succeeded"})
            else:
                error = {
                    "code": "payment_intent_authentication_failure",
                    "message": "The provided PaymentMethod has failed authentication.",
                }
                stripe.emit(
                    "payment_intent.payment_failed",
                    {**intent, "status": "requires_payment_method", "last_payment_error": error},
                )
        elif kind in (3, 4):
            # An automatic renewal Stripe answered "processing": it succeeds (3) or is declined (4).
            _, payment = _renewal(org, card)
            intent = stripe.intent(payment, "processing")
            stripe.emit("payment_intent.created", {**intent, "status": "requires_confirmation"})
            stripe.emit("payment_intent.processing", intent)
            if kind == 3:
                stripe.emit("charge.succeeded", stripe.charge(intent, "succeeded"))
                stripe.emit("payment_intent.succeeded", {**intent, "status": "succeeded"})
            else:
                error = {"code": "card_declined", "decline_code": "insufficient_funds", "message": "Declined."}
                stripe.emit("charge.failed", stripe.charge(intent, "failed", failure_code="card_declined"))
                stripe.emit(
                    "payment_intent.payment_failed",
                    {**intent, "status": "requires_payment_method", "last_payment_error": error},
                )
        elif kind == 5:
            # A paid order refunded by staff: Stripe tells of the refund; the portal only stores it.
            _, payment = _purchase(
                org,
                card,
                status=OrderStatus.PAID,
                payment_status=PaymentStatus.SUCCEEDED,
                intent_id="pi_replay_paid_%d" % i,
            )
            intent = stripe.intent(payment, "succeeded")
            refund = {"id": "re_replay_%d" % i, "object": "refund", "amount": 1000, "payment_intent": intent["id"]}
            stripe.emit("refund.created", refund)
            stripe.emit("charge.refunded", stripe.charge(intent, "succeeded", amount_refunded=1000, refunded=False))
        else:
            # Events about PaymentIntents that are not ours (another system on the same account), or
            # whose amount does not match the attempt: stored with a note, nothing changed.
            stripe.emit(
                "payment_intent.succeeded",
                {"id": "pi_foreign_%d" % i, "object": "payment_intent", "amount": 500, "metadata": {}},
            )
            _, payment = _purchase(org, card, status=OrderStatus.PROCESSING, payment_status=PaymentStatus.PENDING)
            stripe.emit("payment_intent.succeeded", stripe.intent(payment, "succeeded", amount=payment.amount + 1))
    return stripe.events[:EVENTS]


def _rows(queryset, *fields):
    return sorted(tuple(str(value) for value in row) for row in queryset.values_list(*fields))


def fingerprint():
    """The tables a webhook can change, by natural keys (row ids and invoice numbers depend on arrival
    order: the invoices' numbers are compared as a set, each invoice by its order), and a row count of
    every model of the apps."""
    return {
        "orders": _rows(
            Order.objects.all(), "number", "status", "paid_at", "failure_message", "subscription__organization__name"
        ),
        "payments": _rows(
            Payment.objects.all(),
            "reference",
            "attempt",
            "status",
            "stripe_payment_intent_id",
            "failure_code",
            "failure_message",
            "succeeded_at",
        ),
        "subscriptions": _rows(
            Subscription.objects.all(),
            "organization__name",
            "status",
            "auto_renew",
            "started_on",
            "current_period_start",
            "current_period_end",
            "renewal_attempts",
            "next_renewal_attempt_on",
            "price_amount",
        ),
        "timeline": _rows(
            ActivityEntry.objects.filter(object_type=Subscription._meta.label_lower),
            "organization__name",
            "verb",
            "data",
            "created_at",
        ),
        "invoices": _rows(
            Invoice.objects.all(), "reference", "amount", "currency", "issue_date", "term_start", "term_end"
        ),
        "invoice numbers": sorted(Invoice.objects.values_list("number", flat=True)),
        "events": _rows(WebhookEvent.objects.all(), "stripe_event_id", "type", "payload", "processed_at", "error"),
        "counts": {
            model._meta.label: model.objects.count()
            for app in ("membership", "offers", "billing", "support")
            for model in apps.get_app_config(app).get_models()
        },
    }


@pytest.mark.django_db
def test_the_event_id_is_unique_in_the_database():
    WebhookEvent.objects.create(stripe_event_id="evt_once", type="payment_intent.succeeded", payload={})
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEvent.objects.bulk_create([WebhookEvent(stripe_event_id="evt_once", type="x", payload={})])


@pytest.mark.django_db
def test_an_event_delivered_again_while_it_is_applied_is_applied_once(monkeypatch):
    """Two deliveries of one event at once: both stored the same row unprocessed; the second, once the
    first has finished, finds it processed."""
    applied = []
    monkeypatch.setattr("billing.services.webhooks.announce", applied.append)
    org = OrganizationFactory()
    _, payment = _purchase(
        org, PaymentMethodFactory(organization=org), status=OrderStatus.PROCESSING, payment_status=PaymentStatus.PENDING
    )
    intent = Recorder().intent(payment, "succeeded")
    event = {"id": "evt_twice", "type": "payment_intent.succeeded", "data": {"object": intent}}
    first, created = billing_services.webhook_event_record(
        event_id="evt_twice", event_type=event["type"], payload=event
    )
    second, again = billing_services.webhook_event_record(event_id="evt_twice", event_type=event["type"], payload=event)
    assert (created, again) == (True, False) and second.processed_at is None
    assert billing_services.webhook_event_process(event=first) is True
    assert billing_services.webhook_event_process(event=second) is False
    assert len(applied) == 1


@pytest.mark.slow
@pytest.mark.django_db
def test_a_thousand_events_replayed_twice_and_shuffled_leave_what_one_ordered_delivery_leaves(
    client, settings, monkeypatch
):
    applied = {}
    process = billing_services.webhook_event_process

    def counting_process(*, event):
        done = process(event=event)
        if done:
            applied[event.stripe_event_id] = applied.get(event.stripe_event_id, 0) + 1
        return done

    monkeypatch.setattr(billing_services, "webhook_event_process", counting_process)
    secret = settings.STRIPE_WEBHOOK_SECRET

    def deliver(events):
        """Post the events and return the fingerprint they leave; the database goes back to before."""
        applied.clear()
        savepoint = transaction.savepoint()
        with time_machine.travel(NOW, tick=False):
            for event in events:
                assert post_signed(client, secret, event).status_code == 200, event["id"]
        state = fingerprint()
        transaction.savepoint_rollback(savepoint)
        return state, dict(applied)

    with time_machine.travel(NOW, tick=False):
        events = build_world()
    assert len(events) == EVENTS
    before = fingerprint()

    ordered, applied_ordered = deliver(events)
    replayed = events * 2
    random.Random(20).shuffle(replayed)
    shuffled, applied_shuffled = deliver(replayed)

    assert fingerprint() == before  # each delivery started from the same database
    ids = {event["id"] for event in events}
    assert applied_ordered == applied_shuffled == dict.fromkeys(ids, 1)
    for table in ordered:
        assert shuffled[table] == ordered[table], table
    # The deliveries did what they should, so the comparison is about something.
    statuses = dict(ordered["counts"])
    assert statuses["billing.WebhookEvent"] == EVENTS and statuses["billing.Invoice"] > 0
    paid = {row[0] for row in ordered["orders"] if row[1] == OrderStatus.PAID}
    failed = {row[0] for row in ordered["orders"] if row[1] == OrderStatus.FAILED}
    assert len(paid) > 100 and len(failed) > 50
    assert sum(1 for row in ordered["events"] if row[4] == "no payment for this PaymentIntent") > 50
    assert ordered != before
