"""Cancellation through a service request (R11): what staff may refund today (the one rule).

Processing staff's decision (approvals, the refund, the cancellation) is in ``decisions``.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentStatus
from billing.refunds import refundable_amount
from offers.models import Order, OrderKind, OrderStatus, Subscription
from offers.selectors import subscription_benefits_activated, subscription_benefits_first_activated_at

from ..models import (
    RefundKind,
    ServiceRequest,
)

logger = logging.getLogger(__name__)


def benefits_activated(subscription: Subscription) -> bool:
    """Whether any benefit of the subscription was used; R11 refuses the automatic full refund then."""
    return subscription_benefits_activated(subscription=subscription)


def benefits_activated_on(subscription: Subscription) -> datetime.date | None:
    """The day a benefit was first activated (the partner's quote names it), or None."""
    at = subscription_benefits_first_activated_at(subscription=subscription)
    return timezone.localdate(at) if at else None


def last_term_payment(subscription: Subscription) -> Payment | None:
    """The succeeded payment of the subscription's latest purchase or renewal."""
    paid_orders = Order.objects.filter(status=OrderStatus.PAID).filter(
        Q(subscription=subscription)
        # A purchase order may not point back at the subscription it created.
        | Q(
            subscription__isnull=True,
            kind=OrderKind.PURCHASE,
            organization_id=subscription.organization_id,
            offer_id=subscription.offer_id,
            created_at__lte=subscription.created_at,
        )
    )
    return (
        Payment.objects.filter(status=PaymentStatus.SUCCEEDED, reference__in=paid_orders.values("number"))
        .order_by("-succeeded_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class CancellationQuote:
    """What staff see before deciding: R11 eligibility and the amount of each choice."""

    subscription: Subscription
    payment: Payment | None
    paid_on: datetime.date | None
    days_since_payment: int | None
    within_window: bool
    benefits_activated: bool
    benefits_activated_on: datetime.date | None
    full_eligible: bool
    refundable: int
    remaining_days: int
    term_days: int
    amounts: dict
    currency: str

    def amount_for(self, kind: str) -> int:
        return self.amounts[kind]


def prorated_amount(*, paid: int, period_start: datetime.date, period_end: datetime.date, today: datetime.date) -> int:
    """Remaining days of the term over its length × the amount paid, in minor units, rounded down."""
    term_days = (period_end - period_start).days
    if term_days <= 0:
        return 0
    remaining = (period_end - max(today, period_start)).days
    remaining = min(max(remaining, 0), term_days)
    return paid * remaining // term_days


def cancellation_quote(*, service_request: ServiceRequest, today: datetime.date | None = None) -> CancellationQuote:
    """R11 for the request's subscription: what staff may refund today."""
    if service_request.subscription is None:
        raise ValidationError(_("This request does not name a subscription."))
    return subscription_cancellation_quote(subscription=service_request.subscription, today=today)


def subscription_cancellation_quote(
    *, subscription: Subscription, today: datetime.date | None = None
) -> CancellationQuote:
    """R11, the one rule: staff's eligibility and the partner's quote before filing both come from here."""
    today = today or timezone.localdate()
    payment = last_term_payment(subscription)
    paid = payment.amount if payment else 0
    paid_on = timezone.localdate(payment.succeeded_at) if payment and payment.succeeded_at else None
    days = (today - paid_on).days if paid_on else None
    within = days is not None and days <= settings.REFUND_FULL_WITHIN_DAYS
    activated = benefits_activated(subscription)
    start, end = subscription.current_period_start, subscription.current_period_end
    return CancellationQuote(
        subscription=subscription,
        payment=payment,
        paid_on=paid_on,
        days_since_payment=days,
        within_window=within,
        benefits_activated=activated,
        benefits_activated_on=benefits_activated_on(subscription) if activated else None,
        full_eligible=within and not activated and payment is not None,
        refundable=refundable_amount(payment=payment) if payment else 0,
        remaining_days=min(max((end - max(today, start)).days, 0), (end - start).days),
        term_days=(end - start).days,
        amounts={
            RefundKind.NONE: 0,
            RefundKind.PRORATED: prorated_amount(paid=paid, period_start=start, period_end=end, today=today),
            RefundKind.FULL: paid,
        },
        currency=payment.currency if payment else subscription.currency,
    )
