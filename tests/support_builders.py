"""Builders for the support tests: real paid subscriptions (a 4242 card charged on localstripe)."""

import datetime
import itertools

from django.contrib.auth.models import Permission
from django.utils import timezone

from billing.gateways import ChargeRequest, ChargeStatus, get_gateway
from billing.models import Payment, PaymentMethod, PaymentStatus
from offers.models import Order, OrderKind, OrderStatus
from membership.models import User
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Offer
from offers.selectors import ACTION_PACK_CODE
from offers.services import subscription_create_for_order
from offers.terms import add_months
from support import services
from support.models import ProblemType, Severity
from tests.factories import PASSWORD

_seq = itertools.count(1)


def action_pack():
    return Offer.objects.filter(code=ACTION_PACK_CODE).first() or load_demo_catalogue()


def saved_card(org, *, user=None, number="4242424242424242"):
    """A card created server-side on localstripe, attached to the organisation's customer."""
    gateway = get_gateway()
    if not org.stripe_customer_id:
        org.stripe_customer_id = gateway.create_customer(
            name=org.name, email=f"billing{org.pk}@example.com", organization_id=org.pk
        )
        org.save(update_fields=["stripe_customer_id"])
    pm = gateway.client.v1.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}
    )
    card = gateway.attach_card(customer_id=org.stripe_customer_id, payment_method_id=pm.id)
    return PaymentMethod.objects.create(
        organization=org,
        stripe_payment_method_id=card.payment_method_id,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        is_default=not PaymentMethod.objects.filter(organization=org, is_default=True).exists(),
        added_by=user,
    )


def paid_subscription(org, *, user=None, days_ago=0, link_order=True):
    """A live Action Pack subscription bought ``days_ago`` days ago with a real localstripe charge.

    Returns (subscription, payment).
    """
    offer = action_pack()
    method = saved_card(org, user=user)
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    paid_at = timezone.now() - datetime.timedelta(days=days_ago)
    n = next(_seq)
    order = Order.objects.create(
        number=f"ORD-T{org.pk:04d}{n:04d}",
        organization=org,
        offer=offer,
        kind=OrderKind.PURCHASE,
        status=OrderStatus.PROCESSING,
        created_by=user,
        payment_method=method,
        amount=offer.price_amount,
        currency=offer.currency,
        term_start=start,
        term_end=add_months(start, offer.term_months),
        created_at=paid_at,
    )
    key = f"order-{order.pk}-attempt-1"
    result = get_gateway().charge(
        ChargeRequest(
            customer_id=org.stripe_customer_id,
            payment_method_id=method.stripe_payment_method_id,
            amount=order.amount,
            currency=order.currency,
            idempotency_key=key,
            metadata={"order": order.number},
        )
    )
    assert result.status == ChargeStatus.SUCCEEDED, result
    payment = Payment.objects.create(
        reference=order.number,
        organization=org,
        payment_method=method,
        stripe_payment_intent_id=result.payment_intent_id,
        idempotency_key=key,
        amount=order.amount,
        currency=order.currency,
        status=PaymentStatus.SUCCEEDED,
        created_at=paid_at,
        succeeded_at=paid_at,
    )
    order.status = OrderStatus.PAID
    order.paid_at = paid_at
    order.save(update_fields=["status", "paid_at"])
    subscription = subscription_create_for_order(order=order, actor=user, today=start)
    if link_order:
        order.subscription = subscription
        order.save(update_fields=["subscription"])
    return subscription, payment


def make_staff(*, email=None, refund=True, superuser=False):
    """A staff member who can work the queue; ``refund`` grants support.process_refund."""
    email = email or f"staff{next(_seq)}@support.example"
    if superuser:
        return User.objects.create_superuser(email=email, password=PASSWORD)
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True)
    codenames = ["view_servicerequest", "change_servicerequest", "view_cancellationdecision"]
    if refund:
        codenames.append("process_refund")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support", codename__in=codenames))
    return User.objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def file_request(user, *, subscription=None, wants_cancellation=False, problem_type=None, title="Help please"):
    return services.request_file(
        user=user,
        problem_type=problem_type
        or (ProblemType.INVOICE_PAYMENT if subscription is not None else ProblemType.OTHER),
        title=title,
        description="Please look into it.",
        severity=Severity.MODERATE,
        subscription=subscription,
        wants_cancellation=wants_cancellation,
    )


def localstripe_refunds(localstripe_process, payment_intent_id):
    """The refunds localstripe holds for a PaymentIntent (what the payment service actually did)."""
    answer = localstripe_process.request("GET", "/v1/refunds?limit=100")
    return [refund for refund in answer["data"] if refund.get("payment_intent") == payment_intent_id]
