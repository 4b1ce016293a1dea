"""R5 under failure: the charge attempt is committed before Stripe is called, and a crash leaves a trace."""

import threading

import pytest
from django.db import connections

from billing.gateways.stripe_gateway import StripeGateway
from billing.models import Payment, PaymentStatus
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order, OrderStatus, Subscription
from offers.services import order_charge
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.helpers.checkout import buy, payment_intent_count, step, to_review

SEEN = {}


def _read_from_another_connection(order_id):
    """What a concurrent request would see while Stripe is being called."""
    try:
        SEEN["order_status"] = Order.objects.get(pk=order_id).status
        SEEN["payments"] = list(Order.objects.get(pk=order_id).payments.values_list("status", flat=True))
    finally:
        connections.close_all()


class PeekingGateway(StripeGateway):
    def charge(self, request):
        thread = threading.Thread(target=_read_from_another_connection, args=(request.metadata["order_id"],))
        thread.start()
        thread.join(10)
        return super().charge(request)


class CrashingGateway(StripeGateway):
    """The worker dies right after Stripe took the money, before anything is written back."""

    def charge(self, request):
        super().charge(request)
        raise SystemExit("worker killed")


@pytest.fixture
def ready_order(client, stripe_settings):
    offer = load_demo_catalogue()
    buyer = UserFactory(organization=OrganizationFactory(name="Contoso"), roles=[Role.BILLING_ADMIN])
    client.force_login(buyer)
    return client, to_review(client, offer)


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_stripe_is_called(ready_order, settings):
    client, order = ready_order
    SEEN.clear()
    settings.PAYMENT_GATEWAY = "tests.offers.test_purchase_crash.PeekingGateway"
    assert buy(client, order)["Location"] == step("done", order)
    assert SEEN == {"order_status": OrderStatus.PROCESSING, "payments": [PaymentStatus.PENDING]}


@pytest.mark.django_db(transaction=True)
def test_a_crash_after_the_charge_leaves_a_trace_and_no_second_charge(ready_order, settings):
    client, order = ready_order
    settings.PAYMENT_GATEWAY = "tests.offers.test_purchase_crash.CrashingGateway"
    with pytest.raises(SystemExit):
        order_charge(order_id=order.pk)
    settings.PAYMENT_GATEWAY = "billing.gateways.stripe_gateway.StripeGateway"
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert Payment.objects.get().status == PaymentStatus.PENDING
    # Buy again (another tab, a reload): in progress, not a second PaymentIntent.
    assert order_charge(order_id=order.pk).status == "in_progress"
    assert buy(client, order)["Location"] == step("review", order)
    assert payment_intent_count() == 1 and not Subscription.objects.exists()


class CrashingBeforeStripeGateway(StripeGateway):
    """The worker dies after committing the attempt and before Stripe hears of it."""

    def charge(self, request):
        raise SystemExit("worker killed")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("reached_stripe", [True, False])
def test_a_stale_attempt_is_reconciled_at_the_next_buy(ready_order, settings, reached_stripe):
    import datetime

    from django.utils import timezone

    client, order = ready_order
    settings.PAYMENT_GATEWAY = "tests.offers.test_purchase_crash.%s" % (
        "CrashingGateway" if reached_stripe else "CrashingBeforeStripeGateway"
    )
    with pytest.raises(SystemExit):
        order_charge(order_id=order.pk)
    settings.PAYMENT_GATEWAY = "billing.gateways.stripe_gateway.StripeGateway"
    # Still fresh: another request may be charging it right now.
    assert buy(client, order)["Location"] == step("review", order)
    # Older than any request could take: the next Buy looks at Stripe before doing anything.
    Payment.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=10))
    assert buy(client, order)["Location"] == step("done", order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and Subscription.objects.count() == 1
    assert payment_intent_count() == 1
    expected = [("succeeded",)] if reached_stripe else [("failed",), ("succeeded",)]
    assert list(order.payments.order_by("attempt").values_list("status")) == expected


class LostAnswerGateway(StripeGateway):
    """Stripe charges the card, then the answer times out on the way back."""

    def charge(self, request):
        from billing.gateways import GatewayError

        super().charge(request)
        raise GatewayError("Read timed out")


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_lost_answer_does_not_charge_again(ready_order, settings):
    client, order = ready_order
    settings.PAYMENT_GATEWAY = "tests.offers.test_purchase_crash.LostAnswerGateway"
    response = buy(client, order)
    assert response["Location"] == step("review", order)  # "unavailable; you were not charged"
    settings.PAYMENT_GATEWAY = "billing.gateways.stripe_gateway.StripeGateway"
    assert buy(client, order)["Location"] == step("done", order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and Subscription.objects.count() == 1
    assert payment_intent_count() == 1
    assert list(order.payments.values_list("attempt", "status")) == [(1, "succeeded")]
