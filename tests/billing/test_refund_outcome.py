"""refund_create reads the gateway's RefundOutcome enum, not Stripe's status strings, so a new Stripe status cannot slip through as a success."""

import dataclasses

import pytest

from billing.gateways import RefundOutcome
from billing.gateways.stripe_gateway import StripeGateway
from billing.models import RefundStatus
from billing.refunds import RefundFailed, refund_create
from tests.factories.offers import paid_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(stripe_settings, org, global_admin):
    _, payment = paid_subscription(org, user=global_admin)
    return payment


def _answering(monkeypatch, outcome):
    """The real refund at localstripe, answered with ``outcome`` (localstripe's refunds always succeed)."""
    real_refund = StripeGateway.refund

    def refund(gateway, request):
        return dataclasses.replace(real_refund(gateway, request), status=outcome)

    monkeypatch.setattr(StripeGateway, "refund", refund)


@pytest.mark.parametrize("outcome", [RefundOutcome.FAILED, RefundOutcome.CANCELED])
def test_a_refused_refund_is_recorded_as_failed(payment, monkeypatch, outcome):
    _answering(monkeypatch, outcome)
    with pytest.raises(RefundFailed) as raised:
        refund_create(payment=payment, amount=1000, decision_key="refused")
    refund = raised.value.refund
    assert refund.status == RefundStatus.FAILED and refund.stripe_refund_id
    assert refund.failure_message == "The payment service answered: %s" % outcome.value


@pytest.mark.parametrize("outcome", [RefundOutcome.SUCCEEDED, RefundOutcome.PENDING])
def test_an_accepted_refund_is_recorded_as_succeeded(payment, monkeypatch, outcome):
    _answering(monkeypatch, outcome)
    refund = refund_create(payment=payment, amount=1000, decision_key="accepted")
    assert refund.status == RefundStatus.SUCCEEDED and refund.succeeded_at is not None
