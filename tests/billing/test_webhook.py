"""The Stripe webhook (signature, one row per event, completing an order the browser left)."""

import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse

from billing.gateways import ChargeRequest, get_gateway
from billing.models import Payment, PaymentStatus, WebhookEvent
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderStatus, Subscription
from tests.factories.billing import THREE_DS_CARD
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.helpers.checkout import authenticate_in_browser, buy, payment_intent_count, step, to_review

URL = "/billing/stripe/webhook/"


def signed(client, settings, event, secret=None):
    payload = json.dumps(event)
    timestamp = int(time.time())
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    signature = hmac.new(secret.encode(), ("%d.%s" % (timestamp, payload)).encode(), hashlib.sha256).hexdigest()
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=%d,v1=%s" % (timestamp, signature)
    )


def event_for(intent, event_type, event_id="evt_test_1"):
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": intent}}


def intent_payload(intent_id):
    intent = get_gateway().client.v1.payment_intents.retrieve(intent_id)
    return json.loads(json.dumps(intent.to_dict() if hasattr(intent, "to_dict") else intent))


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def buyer_client(client, org, stripe_settings):
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
    return client


def test_url_name():
    assert reverse("billing:stripe_webhook") == URL


@pytest.mark.django_db
def test_bad_signature_is_refused_and_nothing_is_written(client, settings):
    event = {"id": "evt_bad", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_x"}}}
    assert signed(client, settings, event, secret="whsec_wrong").status_code == 400
    assert client.post(URL, data=json.dumps(event), content_type="application/json").status_code == 400
    assert not WebhookEvent.objects.exists()


def test_succeeded_completes_an_order_whose_browser_never_came_back(buyer_client, offer, settings, localstripe):
    order = to_review(buyer_client, offer, THREE_DS_CARD)
    client_secret = buy(buyer_client, order).context["client_secret"]
    authenticate_in_browser(localstripe, client_secret, success=True)
    # The browser closes here: it never posts the confirmation. Stripe tells us instead.
    intent = intent_payload(client_secret.split("_secret_")[0])
    assert intent["status"] == "succeeded"
    response = signed(buyer_client, settings, event_for(intent, "payment_intent.succeeded"))
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Subscription.objects.count() == 1
    event = WebhookEvent.objects.get()
    assert event.stripe_event_id == "evt_test_1" and event.processed_at and not event.error

    # The same event again: 200 and nothing more; the browser coming back late: nothing more either.
    assert signed(buyer_client, settings, event_for(intent, "payment_intent.succeeded")).status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert buyer_client.post(step("confirm", order))["Location"] == step("done", order)
    assert Subscription.objects.count() == 1 and Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert payment_intent_count() == 1


def test_succeeded_finds_a_payment_by_metadata_after_a_crash(buyer_client, offer, settings):
    """The worker died after Stripe charged and before the PaymentIntent id was stored."""
    order = to_review(buyer_client, offer)
    order.refresh_from_db()
    payment = Payment.objects.create(
        reference=order.number,
        organization=order.organization,
        attempt=1,
        payment_method=order.payment_method,
        idempotency_key="order-%s-attempt-1" % order.number,
        amount=order.amount,
        currency=order.currency,
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PROCESSING)
    result = get_gateway().charge(
        ChargeRequest(
            customer_id=order.organization.stripe_customer_id,
            payment_method_id=order.payment_method.stripe_payment_method_id,
            amount=order.amount,
            currency=order.currency,
            idempotency_key=payment.idempotency_key,
            metadata={
                "order_id": order.pk,
                "order_number": order.number,
                "payment_id": payment.pk,
                "reference": order.number,
            },
        )
    )
    # Meanwhile a Buy click sees the charge in progress and does not charge again.
    response = buy(buyer_client, order)
    assert response["Location"] == step("review", order)
    assert payment_intent_count() == 1

    intent = intent_payload(result.payment_intent_id)
    assert signed(buyer_client, settings, event_for(intent, "payment_intent.succeeded")).status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.stripe_payment_intent_id == result.payment_intent_id
    assert order.status == OrderStatus.PAID and Subscription.objects.count() == 1


def test_payment_failed_is_recorded(buyer_client, offer, settings, localstripe):
    order = to_review(buyer_client, offer, THREE_DS_CARD)
    client_secret = buy(buyer_client, order).context["client_secret"]
    authenticate_in_browser(localstripe, client_secret, success=False)
    intent = intent_payload(client_secret.split("_secret_")[0])
    response = signed(buyer_client, settings, event_for(intent, "payment_intent.payment_failed", "evt_failed"))
    assert response.status_code == 200
    order.refresh_from_db()
    payment = order.payments.get()
    assert order.status == OrderStatus.FAILED and payment.status == PaymentStatus.FAILED
    assert payment.failure_code == "payment_intent_authentication_failure"
    assert not Subscription.objects.exists()


def test_an_unknown_payment_intent_is_stored_with_a_note(client, settings, db):
    event = event_for({"id": "pi_unknown", "object": "payment_intent", "metadata": {}}, "payment_intent.succeeded")
    assert signed(client, settings, event).status_code == 200
    assert WebhookEvent.objects.get().error == "no payment for this PaymentIntent"


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_a_signed_payment_intent_succeeded(localstripe_webhook, client):
    """A real delivery: localstripe signs and posts the event to the live server."""
    offer = load_demo_catalogue()
    org = OrganizationFactory(name="Contoso")
    buyer = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
    client.force_login(buyer)
    order = to_review(client, offer)
    order.refresh_from_db()
    # The charge happens, and the browser's answer is lost (no completion on our side).
    payment = Payment.objects.create(
        reference=order.number,
        organization=org,
        attempt=1,
        payment_method=order.payment_method,
        idempotency_key="order-%s-attempt-1" % order.number,
        amount=order.amount,
        currency=order.currency,
    )
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PROCESSING)
    result = get_gateway().charge(
        ChargeRequest(
            customer_id=order.organization.stripe_customer_id,
            payment_method_id=order.payment_method.stripe_payment_method_id,
            amount=order.amount,
            currency=order.currency,
            idempotency_key=payment.idempotency_key,
            metadata={
                "order_id": order.pk,
                "order_number": order.number,
                "payment_id": payment.pk,
                "reference": order.number,
            },
        )
    )

    def our_events():
        # Other tests' events may arrive too (localstripe delivers about a second late): find ours.
        return [
            e
            for e in WebhookEvent.objects.filter(type="payment_intent.succeeded")
            if e.payload["data"]["object"]["id"] == result.payment_intent_id
        ]

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status == OrderStatus.PAID and any(e.processed_at for e in our_events()):
            break
        time.sleep(0.2)
    assert order.status == OrderStatus.PAID
    events = our_events()
    assert len(events) == 1
    assert events[0].processed_at and not events[0].error
    assert Subscription.objects.filter(organization=org).count() == 1
