"""A 429 (Stripe's rate limit) or a 5xx is retried by the gateway with exponential backoff and jitter, under the
same idempotency key, within bounds; it is never taken for a declined card.

The payment service is the suite's localstripe behind ``Limited``, the gateway's HTTP client answering the next
money calls with Stripe's 429 or a 503 before letting them through. The waits are counted, not waited.
After the last retry the call is "unavailable": a renewal then changes nothing (not past due, no failed
attempt counted, no e-mail) and the next sweep charges it.
"""

import datetime
import json
from urllib.parse import urlsplit

import pytest
import stripe
from django.core import mail

from billing.gateways import ChargeRequest, ChargeStatus, GatewayError, PaymentDeclined, get_gateway, stripe_gateway
from billing.models import PaymentStatus
from offers.models import Order, OrderKind, OrderStatus, SubscriptionStatus, TimelineKind
from offers.selectors import subscription_timeline
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.checkout import payment_intent_count
from tests.helpers.lifecycle import at, sweep

MONEY_CALLS = {("post", "/v1/payment_intents"), ("post", "/v1/refunds")}

# What Stripe answers above its rate limit (docs: rate limits, error codes "rate_limit").
RATE_LIMITED = {
    "error": {
        "type": "invalid_request_error",
        "code": "rate_limit",
        "message": "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
    }
}
SERVER_ERROR = {"error": {"type": "api_error", "message": "An unknown error occurred"}}


class Limited(stripe.RequestsClient):
    """The gateway's HTTP client; ``answers`` holds the statuses (429, 503) the next money calls get instead."""

    sent: list = []
    answers: list = []

    def request(self, method, url, headers, post_data=None):
        if (method.lower(), urlsplit(url).path) not in MONEY_CALLS:
            return super().request(method, url, headers, post_data)
        Limited.sent.append(dict(headers or {}).get("Idempotency-Key"))
        status = Limited.answers.pop(0) if Limited.answers else None
        if status is None:
            return super().request(method, url, headers, post_data)
        body = RATE_LIMITED if status == 429 else SERVER_ERROR
        return json.dumps(body), status, {"Request-Id": "req_limited", "Content-Type": "application/json"}


@pytest.fixture
def limited(stripe_settings, monkeypatch):
    """Every gateway of the test sends through Limited; returns the list of keys its money calls carried."""
    monkeypatch.setattr(stripe, "RequestsClient", Limited)
    monkeypatch.setattr(Limited, "sent", [])
    monkeypatch.setattr(Limited, "answers", [])
    return Limited.sent


@pytest.fixture
def waits(monkeypatch):
    """The gateway's backoff waits, recorded instead of slept."""
    slept = []
    monkeypatch.setattr(stripe_gateway, "_sleep", slept.append)
    return slept


def charge_request(org, card, key="charge-under-test"):
    return ChargeRequest(
        customer_id=org.stripe_customer_id,
        payment_method_id=card.stripe_payment_method_id,
        amount=1000,
        currency="USD",
        idempotency_key=key,
        off_session=True,
    )


def test_the_backoff_doubles_up_to_its_cap_and_each_wait_is_jittered_within_half_to_all_of_its_step(
    settings, monkeypatch
):
    settings.STRIPE_RETRY_BASE_SECONDS = 0.25
    settings.STRIPE_RETRY_MAX_DELAY_SECONDS = 4.0
    steps = [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    monkeypatch.setattr(stripe_gateway.random, "uniform", lambda low, high: low)
    assert [stripe_gateway.retry_delay(n) for n in range(8)] == [step / 2 for step in steps]
    monkeypatch.setattr(stripe_gateway.random, "uniform", lambda low, high: high)
    assert [stripe_gateway.retry_delay(n) for n in range(8)] == steps


def test_the_default_bounds_keep_every_wait_of_a_call_inside_a_tasks_time_limit(settings):
    from offers.tasks import ACTION_LIMITS

    worst = sum(
        min(settings.STRIPE_RETRY_MAX_DELAY_SECONDS, settings.STRIPE_RETRY_BASE_SECONDS * 2**n)
        for n in range(settings.STRIPE_RETRIES)
    )
    assert settings.STRIPE_RETRIES >= 5  # a burst of 429s is ridden out, not given up on
    assert worst <= ACTION_LIMITS["soft_time_limit"] / 2


@pytest.mark.django_db
class TestGateway:
    @pytest.mark.parametrize("status", [429, 500, 503])
    def test_a_429_or_5xx_is_sent_again_with_the_same_key_after_growing_waits(self, org, limited, waits, status):
        card = CardFactory(organization=org)
        Limited.answers[:] = [status, status, status]
        result = get_gateway().charge(charge_request(org, card))
        assert result.status is ChargeStatus.SUCCEEDED
        assert limited == ["charge-under-test"] * 4
        assert len(waits) == 3
        # Exponential within the jitter: each step doubles, each wait is half to all of its step.
        for n, wait in enumerate(waits):
            step = 0.25 * 2**n
            assert step / 2 <= wait <= step
        assert payment_intent_count() == 1

    def test_after_the_last_retry_the_call_is_unavailable_not_declined(self, org, limited, waits, settings):
        settings.STRIPE_RETRIES = 4
        card = CardFactory(organization=org)
        Limited.answers[:] = [429] * 10
        with pytest.raises(GatewayError) as raised:
            get_gateway().charge(charge_request(org, card))
        assert not isinstance(raised.value, PaymentDeclined)
        assert limited == ["charge-under-test"] * 5  # the first try and four retries, one key
        assert len(waits) == 4
        assert payment_intent_count() == 0

    def test_a_declined_card_is_not_retried(self, org, limited, waits):
        card = CardFactory(organization=org, number=DECLINED_CARD)
        with pytest.raises(PaymentDeclined):
            get_gateway().charge(charge_request(org, card))
        assert limited == ["charge-under-test"]
        assert waits == []


@pytest.mark.django_db
class TestRenewal:
    DUE = datetime.date(2027, 11, 25)

    def _subscription(self, org):
        subscription = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org)
        )
        assert subscription.current_period_end == self.DUE
        return subscription

    def _key(self, subscription, attempt):
        return "order-AR-%06d-%s-attempt-%d" % (subscription.pk, self.DUE.strftime("%Y%m%d"), attempt)

    def test_rate_limited_then_answered_renews_once_under_one_key(self, org, limited, waits):
        from offers import tasks

        subscription = self._subscription(org)
        Limited.answers[:] = [429, 429, 503]
        with at(self.DUE):
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "renewed"
        assert limited == [self._key(subscription, 1)] * 4
        assert len(waits) == 3
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.current_period_end == datetime.date(2028, 11, 25)
        assert subscription.renewal_attempts == 0
        order = Order.objects.get(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)
        assert [p.status for p in order.payments.all()] == [PaymentStatus.SUCCEEDED]
        assert payment_intent_count() == 1

    def test_rate_limited_past_the_bound_is_left_for_the_next_sweep_and_never_recorded_as_declined(
        self, org, limited, waits, settings
    ):
        from offers import tasks

        settings.STRIPE_RETRIES = 3
        subscription = self._subscription(org)
        Limited.answers[:] = [429] * 4
        mail.outbox.clear()
        with at(self.DUE):
            assert tasks.subscription_renew.apply(args=[subscription.pk, self.DUE.isoformat()]).get() == "unavailable"
        assert limited == [self._key(subscription, 1)] * 4
        subscription.refresh_from_db()
        # Not a renewal failure: not past due, no failed attempt counted, no retry day, nobody told.
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.renewal_attempts == 0
        assert subscription.next_renewal_attempt_on is None
        assert subscription.current_period_end == self.DUE
        assert (
            not subscription_timeline(subscription=subscription).filter(verb=TimelineKind.PAYMENT_FAILED.verb).exists()
        )
        assert mail.outbox == []
        order = Order.objects.get(subscription=subscription, kind=OrderKind.AUTO_RENEWAL)
        assert order.status == OrderStatus.DRAFT
        assert payment_intent_count() == 0

        # The next sweep charges it: Stripe holds nothing of attempt 1, so attempt 2 is the one charge.
        with at(self.DUE + datetime.timedelta(days=1)):
            sweep()
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert subscription.current_period_end == datetime.date(2028, 11, 25)
        assert limited[-1] == self._key(subscription, 2)
        assert payment_intent_count() == 1
