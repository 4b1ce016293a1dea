"""Money calls carry their key: every charge and refund the gateway sends to Stripe carries an idempotency
key derived from what it pays and the attempt, and a resend of the same operation carries the same key.

localstripe ignores idempotency keys, so no other test would notice a random or missing one. These
tests spy on the gateway's HTTP client (``WireSpy``, the ``requests`` client the Stripe SDK sends
through): what they read is the ``Idempotency-Key`` header that reaches the payment service, for the
money-moving requests (creating a PaymentIntent, creating a refund). Whatever retries the SDK or the
gateway would make go through the same client, so they are seen too.

The keys:
- a purchase: ``order-<order number>-attempt-<n>``;
- an automatic renewal: ``order-AR-<subscription id, 6 digits>-<term start, YYYYMMDD>-attempt-<n>`` (the
  term's one renewal order is named after the subscription and the term it pays);
- a refund of a cancellation: ``cancellation-decision-<decision id>``.
An attempt whose answer was lost is looked up at Stripe (by its payment id in the metadata), never sent
again under a new key; a new attempt, with the next number, is made only when Stripe holds no
PaymentIntent of the last one or declined it.
"""

import datetime
from urllib.parse import urlsplit

import pytest
import stripe

from billing.models import Refund, RefundStatus
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from support import services as support_services
from support.models import CancellationDecision, DecisionStatus, RefundKind
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory, paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.helpers.checkout import buy, payment_intent_count, step, to_review
from tests.helpers.lifecycle import at

# Requests that move money: (method, path) as the SDK sends them.
MONEY_CALLS = {("post", "/v1/payment_intents"): "charge", ("post", "/v1/refunds"): "refund"}


class WireSpy(stripe.RequestsClient):
    """The gateway's HTTP client, recording each money call's idempotency key; ``faults`` breaks the next ones.

    A fault is "unreached" (the connection fails before Stripe sees the request) or "lost" (Stripe acts on
    it, then the answer times out on the way back).
    """

    sent: list = []
    faults: list = []

    def request(self, method, url, headers, post_data=None):
        kind = MONEY_CALLS.get((method.lower(), urlsplit(url).path)) if url else None
        if kind is None:
            return super().request(method, url, headers, post_data)
        WireSpy.sent.append((kind, dict(headers or {}).get("Idempotency-Key")))
        fault = WireSpy.faults.pop(0) if WireSpy.faults else None
        if fault == "unreached":
            raise stripe.APIConnectionError("Connection refused", should_retry=True)
        answer = super().request(method, url, headers, post_data)
        if fault == "lost":
            raise stripe.APIConnectionError("Read timed out", should_retry=True)
        return answer


@pytest.fixture
def wire(stripe_settings, monkeypatch):
    """Every gateway made during the test sends through WireSpy; returns its list of (kind, key)."""
    monkeypatch.setattr(stripe, "RequestsClient", WireSpy)
    monkeypatch.setattr(WireSpy, "sent", [])
    monkeypatch.setattr(WireSpy, "faults", [])
    return WireSpy.sent


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def buyer_client(client, org, wire):
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
    return client


def charge_key(order_number, attempt):
    return "order-%s-attempt-%d" % (order_number, attempt)


def renewal_key(subscription, term_start, attempt):
    return "order-AR-%06d-%s-attempt-%d" % (subscription.pk, term_start.strftime("%Y%m%d"), attempt)


# --- A purchase ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestPurchase:
    def test_buy_sends_the_orders_first_attempt_key_and_a_second_buy_sends_nothing(self, buyer_client, offer, wire):
        order = to_review(buyer_client, offer)
        assert buy(buyer_client, order)["Location"] == step("done", order)
        assert wire == [("charge", charge_key(order.number, 1))]
        # Buy again (a double click, the back button): the order is paid, nothing goes to Stripe.
        buy(buyer_client, order)
        assert wire == [("charge", charge_key(order.number, 1))]
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.payments.get().idempotency_key == charge_key(order.number, 1)

    def test_after_a_lost_answer_the_next_buy_finds_the_charge_and_sends_no_other_key(self, buyer_client, offer, wire):
        order = to_review(buyer_client, offer)
        WireSpy.faults[:] = ["lost"]
        assert buy(buyer_client, order)["Location"] == step("review", order)  # "unavailable"
        assert buy(buyer_client, order)["Location"] == step("done", order)
        assert wire == [("charge", charge_key(order.number, 1))]
        assert payment_intent_count() == 1

    def test_after_stripe_was_never_reached_the_next_attempt_has_the_next_key(self, buyer_client, offer, wire):
        order = to_review(buyer_client, offer)
        WireSpy.faults[:] = ["unreached"]
        assert buy(buyer_client, order)["Location"] == step("review", order)
        assert buy(buyer_client, order)["Location"] == step("done", order)
        # Stripe holds no PaymentIntent of attempt 1 (looked up first): attempt 2 is the only charge.
        assert wire == [("charge", charge_key(order.number, 1)), ("charge", charge_key(order.number, 2))]
        assert payment_intent_count() == 1


# --- An automatic renewal --------------------------------------------------------------------------


@pytest.mark.django_db
class TestRenewal:
    DUE = datetime.date(2027, 11, 25)

    def _subscription(self, org, number=None):
        card = CardFactory(organization=org, **({"number": number} if number else {}))
        subscription = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=card)
        assert subscription.current_period_end == self.DUE
        return subscription

    def test_the_task_run_twice_sends_the_terms_key_once(self, org, wire):
        from offers import tasks

        subscription = self._subscription(org)
        with at(self.DUE):
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "renewed"
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "not_due"
        assert wire == [("charge", renewal_key(subscription, self.DUE, 1))]
        order = Order.objects.get(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)
        assert order.payments.get().idempotency_key == renewal_key(subscription, self.DUE, 1)

    def test_a_lost_answer_is_found_by_the_next_run_and_never_sent_again(self, org, wire):
        from offers import tasks

        subscription = self._subscription(org)
        WireSpy.faults[:] = ["lost"]
        with at(self.DUE):
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "unavailable"
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "renewed"
        assert wire == [("charge", renewal_key(subscription, self.DUE, 1))]
        assert payment_intent_count() == 1

    def test_a_declined_renewal_is_retried_under_the_same_terms_next_attempt_key(self, org, wire):
        from offers.services import subscription_renew

        subscription = self._subscription(org, number=DECLINED_CARD)
        retry_day = self.DUE + datetime.timedelta(days=1)
        with at(self.DUE):
            assert subscription_renew(subscription_id=subscription.pk, today=self.DUE).outcome == "failed"
        with at(retry_day):
            subscription_renew(subscription_id=subscription.pk, today=retry_day)
        # Both attempts pay the same term (its order), each under its own number.
        assert wire == [
            ("charge", renewal_key(subscription, self.DUE, 1)),
            ("charge", renewal_key(subscription, self.DUE, 2)),
        ]
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.PAST_DUE


# --- A refund --------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestRefund:
    def test_a_cancellation_refund_sends_the_decisions_key_and_its_retry_sends_it_again(self, org, global_admin, wire):
        subscription, payment = paid_subscription(org, user=global_admin)
        request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
        staff = StaffFactory()
        del wire[:]  # the purchase made by paid_subscription is not under test here
        # Above the four-eyes threshold (R23): a first approval by someone else sends nothing yet.
        support_services.cancellation_process(
            service_request=request, refund_kind=RefundKind.FULL, actor=StaffFactory(), expected_amount=payment.amount
        )
        assert wire == []
        WireSpy.faults[:] = ["unreached"]
        with pytest.raises(support_services.CancellationError):
            support_services.cancellation_process(
                service_request=request, refund_kind=RefundKind.FULL, actor=staff, expected_amount=payment.amount
            )
        decision = CancellationDecision.objects.get()
        assert decision.status == DecisionStatus.FAILED
        # Staff try again: the same decision, so the same key reaches Stripe.
        support_services.cancellation_process(
            service_request=request, refund_kind=RefundKind.FULL, actor=staff, expected_amount=payment.amount
        )
        key = "cancellation-decision-%d" % decision.pk
        assert wire == [("refund", key), ("refund", key)]
        assert Refund.objects.get().status == RefundStatus.SUCCEEDED and Refund.objects.get().idempotency_key == key
        assert CancellationDecision.objects.get().status == DecisionStatus.COMPLETED
        assert Subscription.objects.get().status == SubscriptionStatus.CANCELLED


# --- Retries inside the gateway ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retry_inside_the_gateway_sends_the_same_key(org, wire, monkeypatch):
    """The gateway leaves retries to its callers (max_network_retries=0); a client that retries by itself
    after a failed connection (the SDK's own retries) sends the request again under the caller's key."""
    from billing.gateways import ChargeRequest, ChargeStatus, RefundRequest, get_gateway

    card = CardFactory(organization=org)
    real_client = stripe.StripeClient
    monkeypatch.setattr(
        stripe, "StripeClient", lambda *args, **kwargs: real_client(*args, **{**kwargs, "max_network_retries": 1})
    )
    gateway = get_gateway()
    WireSpy.faults[:] = ["unreached", None, "unreached", None]  # each call's first try fails, the retry passes
    paid = gateway.charge(
        ChargeRequest(
            customer_id=org.stripe_customer_id,
            payment_method_id=card.stripe_payment_method_id,
            amount=1000,
            currency="USD",
            idempotency_key="order-K-attempt-1",
        )
    )
    assert paid.status == ChargeStatus.SUCCEEDED
    gateway.refund(RefundRequest(payment_intent_id=paid.payment_intent_id, amount=500, idempotency_key="refund-K"))
    assert wire == [("charge", "order-K-attempt-1")] * 2 + [("refund", "refund-K")] * 2
