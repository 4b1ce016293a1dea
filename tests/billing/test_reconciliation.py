"""The nightly reconciliation compares local payments and refunds with Stripe (localstripe)."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing import reconciliation
from billing.gateways import ChargeRequest, GatewayError, PaymentDeclined, RefundRequest, get_gateway
from billing.models import Payment, PaymentStatus, RefundStatus
from billing.reconciliation import Kind, reconcile, reconciliation_run
from membership.models import User
from offers.models import OrderStatus
from tests.factories.billing import RefundFactory, stripe_card
from tests.factories.membership import OrganizationFactory
from tests.factories.offers import OfferFactory, OrderFactory, OrderPaymentFactory

pytestmark = pytest.mark.django_db

OK_CARD = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"


@pytest.fixture
def world(stripe_settings):
    """An organisation with a Stripe customer and a saved card, an offer, and a staff user."""
    org = OrganizationFactory(name="Contoso")
    gateway = get_gateway()
    org.stripe_customer_id = gateway.create_customer(
        name=org.name, email="billing@contoso.example", organization_id=org.pk
    )
    org.save(update_fields=["stripe_customer_id"])
    offer = OfferFactory(code="action-pack", name="Action Pack", price_amount=47500, currency="USD")
    staff = User.objects.create_user(
        email="staff@partner.example", password="x-very-long-pass-1", is_staff=True, first_name="Sam", last_name="Staff"
    )
    return {"org": org, "offer": offer, "gateway": gateway, "staff": staff}


_numbers = iter(range(1, 10_000))


def _charge_at_stripe(world, amount=47500, number=OK_CARD):
    """Charge at localstripe only (nothing recorded here); returns the ChargeResult."""
    gateway = world["gateway"]
    pm_id = stripe_card(number, customer_id=world["org"].stripe_customer_id)
    return gateway.charge(
        ChargeRequest(
            customer_id=world["org"].stripe_customer_id,
            payment_method_id=pm_id,
            amount=amount,
            currency="USD",
            idempotency_key="recon-%d" % next(_numbers),
        )
    )


def _record_payment(world, *, payment_intent_id, amount=47500, status=PaymentStatus.SUCCEEDED):
    succeeded = status == PaymentStatus.SUCCEEDED
    return OrderPaymentFactory(
        order=OrderFactory(
            organization=world["org"],
            offer=world["offer"],
            amount=amount,
            currency="USD",
            status=OrderStatus.PAID if succeeded else OrderStatus.FAILED,
            paid_at=timezone.now() if succeeded else None,
        ),
        stripe_payment_intent_id=payment_intent_id,
        status=status,
    )


def _paid(world, amount=47500):
    """A payment charged at Stripe and recorded here: the normal, matching case."""
    result = _charge_at_stripe(world, amount=amount)
    return _record_payment(world, payment_intent_id=result.payment_intent_id, amount=amount)


def _refund_at_stripe(world, payment, amount):
    return world["gateway"].refund(
        RefundRequest(
            payment_intent_id=payment.stripe_payment_intent_id, amount=amount, idempotency_key="r-%d" % next(_numbers)
        )
    )


def _record_refund(world, payment, *, stripe_refund_id, amount, status=RefundStatus.SUCCEEDED):
    return RefundFactory(payment=payment, amount=amount, status=status, stripe_refund_id=stripe_refund_id)


def _kinds(report):
    return sorted((d.kind, d.object_type) for d in report.differences)


def test_matching_payments_and_refunds_report_nothing_and_send_no_email(world, caplog):
    first = _paid(world)
    _paid(world, amount=12000)
    refund = _refund_at_stripe(world, first, 10000)
    _record_refund(world, first, stripe_refund_id=refund.refund_id, amount=10000)
    # A declined charge moved no money: it is no difference even though nothing records it here.
    with pytest.raises(PaymentDeclined):
        _charge_at_stripe(world, number=DECLINED_AT_CHARGE)

    with caplog.at_level(logging.INFO, logger="billing.reconciliation"):
        report = reconciliation_run(grace_seconds=0)

    assert report.clean, [d.as_log() for d in report.differences]
    assert (report.payments_checked, report.refunds_checked) == (2, 1)
    assert report.stripe_refunds == 1
    assert mail.outbox == []
    assert "Reconciliation clean: 2 payments and 1 refunds" in caplog.text


def test_each_injected_difference_is_reported_to_staff_by_email_and_in_the_log(world, caplog):
    matching = _paid(world)
    # 1. Charged at Stripe, never recorded here (e.g. the worker died before writing it).
    lost = _charge_at_stripe(world, amount=47500)
    # 2. Recorded with another amount than Stripe charged.
    edited = _paid(world)
    Payment.objects.filter(pk=edited.pk).update(amount=40000)
    # 3. Recorded as succeeded, unknown to Stripe.
    _record_payment(world, payment_intent_id="pi_doesnotexist0001")
    # 4. Succeeded at Stripe, recorded here as failed (a duplicate charge nobody refunded).
    duplicate = _charge_at_stripe(world, amount=47500)
    _record_payment(world, payment_intent_id=duplicate.payment_intent_id, status=PaymentStatus.FAILED)
    # 5. A refund made in Stripe's dashboard, unknown here.
    dashboard_refund = _refund_at_stripe(world, matching, 5000)
    # 6. A refund recorded here that Stripe never made.
    _record_refund(world, matching, stripe_refund_id="re_doesnotexist0001", amount=3000)
    # Not staff, or inactive: no e-mail.
    User.objects.create_user(email="partner@contoso.example", password="x-very-long-pass-1", organization=world["org"])
    User.objects.create_user(
        email="gone@partner.example", password="x-very-long-pass-1", is_staff=True, is_active=False
    )

    with caplog.at_level(logging.INFO, logger="billing.reconciliation"):
        report = reconciliation_run(grace_seconds=0)

    assert _kinds(report) == sorted(
        [
            (Kind.MISSING_LOCALLY, "payment"),
            (Kind.AMOUNT_MISMATCH, "payment"),
            (Kind.MISSING_AT_STRIPE, "payment"),
            (Kind.STATUS_MISMATCH, "payment"),
            (Kind.MISSING_LOCALLY, "refund"),
            (Kind.MISSING_AT_STRIPE, "refund"),
        ]
    )
    by_kind = {(d.kind, d.object_type): d for d in report.differences}
    assert by_kind[(Kind.MISSING_LOCALLY, "payment")].stripe_id == lost.payment_intent_id
    assert by_kind[(Kind.AMOUNT_MISMATCH, "payment")].stripe_amount == 47500
    assert by_kind[(Kind.AMOUNT_MISMATCH, "payment")].local_amount == 40000
    assert by_kind[(Kind.STATUS_MISMATCH, "payment")].local_status == PaymentStatus.FAILED
    assert by_kind[(Kind.MISSING_LOCALLY, "refund")].stripe_id == dashboard_refund.refund_id

    # One e-mail, to the one active staff user, listing every difference (text and HTML).
    assert [m.to for m in mail.outbox] == [["staff@partner.example"]]
    message = mail.outbox[0]
    assert message.subject == "Reconciliation with Stripe: 6 differences"
    html = message.alternatives[0][0]
    for text in (message.body, html):
        for needle in (
            lost.payment_intent_id,
            "pi_doesnotexist0001",
            duplicate.payment_intent_id,
            dashboard_refund.refund_id,
            "re_doesnotexist0001",
            edited.reference,
            "US$400.00",
            "US$475.00",
            "At Stripe, not recorded here",
            "Amounts differ",
        ):
            assert needle in text
    # And a log line naming each difference.
    warning = [r for r in caplog.records if r.levelno == logging.WARNING and "Reconciliation found 6" in r.getMessage()]
    assert len(warning) == 1
    assert lost.payment_intent_id in warning[0].getMessage()


def test_refund_status_and_amount_differences(world):
    payment = _paid(world)
    refund = _refund_at_stripe(world, payment, 10000)
    _record_refund(world, payment, stripe_refund_id=refund.refund_id, amount=9000)
    other = _paid(world)
    other_refund = _refund_at_stripe(world, other, 2000)
    # Made at Stripe, still pending here (the worker died before recording the answer).
    _record_refund(world, other, stripe_refund_id=other_refund.refund_id, amount=2000, status=RefundStatus.PENDING)

    report = reconcile(grace_seconds=0)

    assert _kinds(report) == sorted([(Kind.AMOUNT_MISMATCH, "refund"), (Kind.STATUS_MISMATCH, "refund")])


def test_a_duplicate_charge_refunded_in_full_is_settled(world):
    _paid(world)
    duplicate = _charge_at_stripe(world)
    failed = _record_payment(world, payment_intent_id=duplicate.payment_intent_id, status=PaymentStatus.FAILED)
    refund = _refund_at_stripe(world, failed, 47500)
    _record_refund(world, failed, stripe_refund_id=refund.refund_id, amount=47500)

    assert reconcile(grace_seconds=0).clean


def test_objects_younger_than_the_grace_period_wait_for_the_next_run(world):
    _charge_at_stripe(world)  # in flight: the browser's request has not recorded it yet
    _record_payment(world, payment_intent_id="pi_inflight000001")

    assert reconcile().clean  # default grace: 15 minutes
    later = timezone.now() + timedelta(hours=1)
    assert _kinds(reconcile(now=later)) == sorted(
        [(Kind.MISSING_LOCALLY, "payment"), (Kind.MISSING_AT_STRIPE, "payment")]
    )


def test_every_page_of_stripe_lists_is_read(world, monkeypatch):
    monkeypatch.setattr(reconciliation, "PAGE_SIZE", 2)
    for _ in range(5):
        _paid(world, amount=1000)
    _charge_at_stripe(world, amount=777)

    report = reconcile(grace_seconds=0)

    assert report.stripe_charges == 6
    assert report.payments_checked == 5
    assert [(d.kind, d.stripe_amount) for d in report.differences] == [(Kind.MISSING_LOCALLY, 777)]


def test_stripe_unreachable_raises_a_gateway_error_and_tells_nobody(world, localstripe_down):
    with pytest.raises(GatewayError):
        reconciliation_run(grace_seconds=0)
    assert mail.outbox == []


def test_the_task_runs_the_reconciliation(world, caplog):
    _paid(world)
    with caplog.at_level(logging.INFO, logger="billing.reconciliation"):
        reconciliation.reconcile_payments.apply().get()
    assert reconciliation.reconcile_payments.name == "billing.reconciliation.reconcile_payments"
    assert "Reconciliation clean" in caplog.text
