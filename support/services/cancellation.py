"""Cancellation through a service request (R11): what staff may refund, and processing their decision.

Staff decide in Django admin; ``cancellation_process`` refunds (once per decision, through
billing.refunds), cancels the subscription, resolves the request and tells the partner, in that order.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentStatus
from billing.refunds import RefundError, refund_create, refundable_amount
from offers.models import LIVE_STATUSES, Order, OrderKind, OrderStatus, Subscription, TimelineKind
from offers.selectors import subscription_benefits_activated, subscription_benefits_first_activated_at
from offers.services import subscription_cancel, timeline_add
from partnerportal import page_cache
from partnerportal.money import format_money

from ..models import (
    CancellationDecision,
    DecisionStatus,
    RefundKind,
    RequestMessage,
    ServiceRequest,
)
from .requests import REFUND_PERMISSION, S, request_change_status, request_email_on_commit, request_locked

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


class CancellationError(Exception):
    """Processing stopped; the message is for staff. The request stays open and can be retried."""


def _start_decision(*, service_request, refund_kind, expected_amount, actor, today):
    """Lock the request and record (or reuse) a pending decision; (request, decision, True) if already completed."""
    with transaction.atomic():
        locked = request_locked(service_request)
        completed = locked.decisions.filter(status=DecisionStatus.COMPLETED).first()
        if completed is not None:
            return locked, completed, True
        if locked.status == S.CLOSED:
            raise CancellationError(_("This request is closed."))
        pending = locked.decisions.filter(status=DecisionStatus.PENDING).first()
        if pending is not None:
            stale = timezone.now() - pending.decided_at > datetime.timedelta(minutes=10)
            if not stale:
                raise CancellationError(_("This cancellation is already being processed."))
            pending.status = DecisionStatus.FAILED
            pending.failure_message = "Abandoned: no answer within 10 minutes."
            pending.save(update_fields=["status", "failure_message"])
        quote = cancellation_quote(service_request=locked, today=today)
        amount = quote.amount_for(refund_kind)
        if expected_amount is not None and amount != expected_amount:
            raise CancellationError(_("The amount has changed since you reviewed it. Review the decision again."))
        if refund_kind != RefundKind.NONE:
            if quote.payment is None:
                raise CancellationError(_("There is no succeeded payment for this subscription to refund."))
            if amount <= 0:
                raise CancellationError(_("Nothing is left of the term to refund; choose no refund."))
        subscription = Subscription.objects.get(pk=locked.subscription_id)
        if subscription.status not in LIVE_STATUSES:
            raise CancellationError(_("Only a live subscription can be cancelled."))
        # A retry of the same decision reuses its key, so the gateway sees the same idempotency key.
        decision = (
            locked.decisions.filter(
                status=DecisionStatus.FAILED, refund_kind=refund_kind, amount=amount, payment=quote.payment
            )
            .order_by("-decided_at")
            .first()
        )
        if decision is None:
            decision = CancellationDecision(
                request=locked,
                subscription=subscription,
                payment=quote.payment if refund_kind != RefundKind.NONE else None,
                refund_kind=refund_kind,
                amount=amount,
                currency=quote.currency,
                decided_by=actor,
            )
        decision.status = DecisionStatus.PENDING
        decision.failure_message = ""
        decision.decided_by = actor
        decision.decided_at = timezone.now()
        decision.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                decision.save()
        except IntegrityError:
            # Another staff member's decision got in first (the partial unique constraint said no).
            raise CancellationError(_("This cancellation is already being processed.")) from None
        return locked, decision, False


def _fail_decision(decision, message, actor):
    with transaction.atomic():
        CancellationDecision.objects.filter(pk=decision.pk).update(
            status=DecisionStatus.FAILED, failure_message=message[:500]
        )
        page_cache.row_changed(decision)  # update() sends no post_save
        RequestMessage.objects.create(
            request_id=decision.request_id,
            author=actor,
            is_internal=True,
            body=f"Cancellation not completed: {message}",
        )


def _post_outcome_reply(*, service_request, decision, refund, actor):
    """Tell the partner in the conversation too, in their language (the e-mail says the same)."""
    with translation.override(service_request.requester.language or settings.LANGUAGE_CODE):
        body = _("“%(offer)s” is cancelled.") % {"offer": decision.subscription.offer.localized("name")}
        if refund is not None:
            body += " " + _("We refunded %(amount)s to the card you paid with.") % {
                "amount": format_money(refund.amount, refund.currency)
            }
        else:
            body += " " + _("No refund was made.")
    RequestMessage.objects.create(request=service_request, author=actor, body=body, is_internal=False)


def cancellation_process(
    *,
    service_request: ServiceRequest,
    refund_kind: str,
    actor,
    expected_amount: int | None = None,
    today: datetime.date | None = None,
) -> CancellationDecision:
    """Refund (if chosen), cancel the subscription, resolve the request, e-mail the partner, in that order.

    Exactly once: a completed decision makes a repeat a no-op, a pending one refuses a concurrent
    start, and the refund is keyed by the decision. A refund failure leaves the subscription and
    the request as they were and raises CancellationError; running it again retries.
    """
    if not actor.has_perm(REFUND_PERMISSION):
        raise PermissionDenied(_("Only staff with the billing permission can process cancellations and refunds."))
    refund_kind = RefundKind(refund_kind)
    service_request, decision, done = _start_decision(
        service_request=service_request,
        refund_kind=refund_kind,
        expected_amount=expected_amount,
        actor=actor,
        today=today,
    )
    if done:
        return decision

    refund = None
    if decision.refund_kind != RefundKind.NONE:
        try:
            refund = refund_create(
                payment=decision.payment,
                amount=decision.amount,
                decision_key=decision.key,
                actor=actor,
                reason=f"Cancellation {service_request.number}",
            )
        except RefundError as exc:
            _fail_decision(decision, str(exc), actor)
            raise CancellationError(str(exc)) from exc

    try:
        with transaction.atomic():
            locked = request_locked(service_request)
            decision = CancellationDecision.objects.select_for_update().get(pk=decision.pk)
            subscription = subscription_cancel(
                subscription=decision.subscription,
                actor=actor,
                facts={"request": locked.number, "refund": decision.refund_kind},
            )
            if refund is not None:
                timeline_add(
                    subscription=subscription,
                    kind=TimelineKind.REFUNDED,
                    actor=actor,
                    # The order number, which the partner knows, not the payment's internal id.
                    data={
                        "amount": refund.amount,
                        "currency": refund.currency,
                        "refund": decision.refund_kind,
                        "request": locked.number,
                        "order": refund.payment.reference,
                    },
                )
            decision.refund = refund
            decision.status = DecisionStatus.COMPLETED
            decision.completed_at = timezone.now()
            decision.save(update_fields=["refund", "status", "completed_at"])
            if locked.status != S.RESOLVED:
                request_change_status(
                    service_request=locked,
                    to_status=S.RESOLVED,
                    actor=actor,
                    note=f"Subscription cancelled ({decision.refund_kind})",
                    notify=False,
                )
            _post_outcome_reply(service_request=locked, decision=decision, refund=refund, actor=actor)
            request_email_on_commit(locked.pk, "cancelled", decision_id=decision.pk)
    except ValidationError as exc:
        # The refund (if any) is made and recorded under this decision's key; a retry reuses it.
        message = "; ".join(exc.messages)
        _fail_decision(decision, message, actor)
        raise CancellationError(message) from exc
    return decision
