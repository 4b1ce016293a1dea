"""The partner's refund quote (R21): R11 applied before filing, kept on the request, compared with today.

The quote is ``cancellation_quote``'s eligibility reduced to facts (no sentences): the request keeps
the facts of the moment it was filed, and staff see them beside the same facts computed today,
with what changed in between (support.quote_text says it in the reader's language).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from offers.models import Subscription

from ..models import QuoteKind, RefundKind, ServiceRequest
from .cancellation import CancellationQuote, subscription_cancellation_quote
from .requests import request_file

QUOTE_FIELDS = (
    "quote_kind",
    "quote_amount",
    "quote_currency",
    "quote_paid_on",
    "quote_day",
    "quote_window_days",
    "quote_benefits_activated",
    "quote_benefits_activated_on",
    "quote_computed_at",
)


@dataclass(frozen=True)
class RefundQuote:
    """What cancelling would refund at ``computed_at``, and the facts that decide it."""

    kind: str
    amount: int  # minor units: the full amount, or the prorated amount when staff decide
    currency: str
    paid_on: datetime.date | None
    day: int | None  # days since that payment: day 30 is the last day of a 30-day window
    window_days: int
    benefits_activated: bool
    benefits_activated_on: datetime.date | None
    computed_at: datetime.datetime


@dataclass(frozen=True)
class QuoteChange:
    """One reason why today's eligibility differs from the recorded quote (``code`` names the rule)."""

    code: str
    data: dict


def refund_quote_from(quote: CancellationQuote, *, computed_at: datetime.datetime) -> RefundQuote:
    """The facts of staff's eligibility, as the partner is quoted them."""
    if quote.payment is None:
        kind, amount = QuoteKind.NOTHING_PAID, 0
    elif quote.full_eligible:
        kind, amount = QuoteKind.FULL, quote.amount_for(RefundKind.FULL)
    else:
        kind, amount = QuoteKind.STAFF_DECIDE, quote.amount_for(RefundKind.PRORATED)
    return RefundQuote(
        kind=kind,
        amount=amount,
        currency=quote.currency,
        paid_on=quote.paid_on,
        day=quote.days_since_payment,
        window_days=settings.REFUND_FULL_WITHIN_DAYS,
        benefits_activated=quote.benefits_activated,
        benefits_activated_on=quote.benefits_activated_on,
        computed_at=computed_at,
    )


def subscription_refund_quote(*, subscription: Subscription) -> RefundQuote:
    """What cancelling the subscription now would refund, by staff's rule (R11)."""
    return refund_quote_from(subscription_cancellation_quote(subscription=subscription), computed_at=timezone.now())


def recorded_quote(service_request: ServiceRequest) -> RefundQuote | None:
    """The quote kept on the request when it was filed; None for requests filed before quotes were kept."""
    if not service_request.quote_kind:
        return None
    return RefundQuote(
        kind=service_request.quote_kind,
        amount=service_request.quote_amount or 0,
        currency=service_request.quote_currency,
        paid_on=service_request.quote_paid_on,
        day=service_request.quote_day,
        window_days=service_request.quote_window_days or settings.REFUND_FULL_WITHIN_DAYS,
        benefits_activated=bool(service_request.quote_benefits_activated),
        benefits_activated_on=service_request.quote_benefits_activated_on,
        computed_at=service_request.quote_computed_at,
    )


def quote_changes(*, recorded: RefundQuote, current: RefundQuote) -> list[QuoteChange]:
    """Why today's eligibility differs from the recorded quote; empty when both say the same."""
    if (recorded.kind, recorded.amount, recorded.currency) == (current.kind, current.amount, current.currency):
        return []
    changes = []
    same_payment = recorded.paid_on == current.paid_on
    if not same_payment and current.paid_on is not None:
        # A renewal (or a first payment) after the quote: days count from it.
        changes.append(QuoteChange("paid_since", {"paid_on": current.paid_on}))
    if current.benefits_activated and not recorded.benefits_activated:
        changes.append(QuoteChange("benefits_activated", {"on": current.benefits_activated_on}))
    if (
        same_payment
        and recorded.day is not None
        and current.day is not None
        and recorded.day <= recorded.window_days < current.day
    ):
        changes.append(QuoteChange("window_passed", {"day": current.day, "window": recorded.window_days}))
    if (
        not changes
        and same_payment
        and recorded.kind == current.kind == QuoteKind.STAFF_DECIDE
        and current.amount < recorded.amount
    ):
        # The prorated amount shrinks with each day of the term used.
        changes.append(QuoteChange("days_used", {"days": (current.day or 0) - (recorded.day or 0)}))
    if not changes:
        # Never hide a difference: refunds or a changed term explain the rest.
        changes.append(QuoteChange("other", {}))
    return changes


@transaction.atomic
def cancellation_request_file(
    *,
    user,
    subscription: Subscription,
    cancellation_reason: str,
    cancellation_reason_other: str = "",
    **fields,
) -> ServiceRequest:
    """File a cancellation request with its reason, and record the refund quote of this moment on it."""
    service_request = request_file(
        user=user,
        subscription=subscription,
        wants_cancellation=True,
        cancellation_reason=cancellation_reason,
        cancellation_reason_other=cancellation_reason_other,
        **fields,
    )
    if not service_request.wants_cancellation:  # another type of problem: no cancellation, no quote
        return service_request
    quote = subscription_refund_quote(subscription=subscription)
    service_request.quote_kind = quote.kind
    service_request.quote_amount = quote.amount
    service_request.quote_currency = quote.currency
    service_request.quote_paid_on = quote.paid_on
    service_request.quote_day = quote.day
    service_request.quote_window_days = quote.window_days
    service_request.quote_benefits_activated = quote.benefits_activated
    service_request.quote_benefits_activated_on = quote.benefits_activated_on
    service_request.quote_computed_at = quote.computed_at
    service_request.full_clean(exclude=["number"])
    service_request.save(update_fields=[*QUOTE_FIELDS, "updated_at"])
    return service_request
