"""Subscription state changes: the one place where a subscription moves between states (product.md).

Each function locks the subscription row, checks the state guard (so a second call is a no-op or
an error, never a double change) and logs the fact on its timeline (R13).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.models import ActivityEntry
from membership.services import activity_entry_build

from ..models import LIVE_STATUSES, Subscription, SubscriptionStatus, TimelineKind
from ..rules import purchase_term


def timeline_entry_build(
    *, subscription: Subscription, kind: str, actor=None, data: dict | None = None, detail: str = "", created_at=None
) -> ActivityEntry:
    """The entry timeline_add writes, unsaved: for writers that insert many at once (bulk_create)."""
    return activity_entry_build(
        actor=actor,
        organization=subscription.organization,
        verb=TimelineKind(kind).verb,  # an unknown kind is a ValueError here, never a stored verb
        obj=subscription,
        data=data,
        detail=detail,
        created_at=created_at,
    )


def timeline_add(
    *, subscription: Subscription, kind: str, actor=None, data: dict | None = None, detail: str = ""
) -> ActivityEntry:
    """Log a fact about the subscription (R13): one activity entry, its timeline and the organisation's log.

    ``data`` holds the facts offers.timeline renders per reader (R16); ``detail`` is a person's free
    text (a note), kept as written.
    """
    entry = timeline_entry_build(subscription=subscription, kind=kind, actor=actor, data=data, detail=detail)
    entry.save()
    return entry


def term_facts(*, order, start, end) -> dict:
    """What a purchase or renewal entry keeps: the order number, its amount and the term it bought."""
    return {
        "order": order.number,
        "amount": order.amount,
        "currency": order.currency,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


def _locked(subscription: Subscription) -> Subscription:
    return Subscription.objects.select_for_update().get(pk=subscription.pk)


@transaction.atomic
def subscription_create_for_order(*, order, actor=None, today: datetime.date | None = None) -> Subscription:
    """A new live subscription for a paid purchase order: 12 months from today, auto-renewal on (R6)."""
    start, end = purchase_term(today=order.term_start or today or timezone.localdate(), months=order.offer.term_months)
    end = order.term_end or end
    subscription = Subscription(
        organization=order.organization,
        offer=order.offer,
        status=SubscriptionStatus.ACTIVE,
        auto_renew=True,
        started_on=start,
        current_period_start=start,
        current_period_end=end,
        price_amount=order.amount,
        currency=order.currency,
        payment_method=order.payment_method,
    )
    subscription.full_clean(validate_constraints=False)
    subscription.save()  # the partial unique constraint refuses a second live one (R3)
    timeline_add(
        subscription=subscription,
        kind=TimelineKind.PURCHASED,
        actor=actor,
        data=term_facts(order=order, start=start, end=end),
    )
    return subscription


@transaction.atomic
def subscription_renew_for_order(*, order, actor=None) -> Subscription:
    """Start the term a paid renewal order bought; a renewal turns auto-renewal back on (R7)."""
    subscription = _locked(order.subscription)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise ValidationError(_("A cancelled subscription cannot be renewed."))
    if subscription.current_period_end >= order.term_end:
        return subscription  # this term is already in place: a repeated call changes nothing
    subscription.current_period_start = order.term_start
    subscription.current_period_end = order.term_end
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.auto_renew = True
    subscription.renewal_attempts = 0
    subscription.next_renewal_attempt_on = None
    subscription.expired_at = None
    subscription.price_amount = order.amount
    subscription.currency = order.currency
    if order.payment_method_id:
        subscription.payment_method = order.payment_method
    subscription.full_clean(validate_constraints=False)
    subscription.save()
    kind = TimelineKind.AUTO_RENEWED if order.kind == "auto_renewal" else TimelineKind.RENEWED
    timeline_add(
        subscription=subscription,
        kind=kind,
        actor=actor,
        data=term_facts(order=order, start=order.term_start, end=order.term_end),
    )
    return subscription


@transaction.atomic
def subscription_turn_off_auto_renewal(*, subscription: Subscription, actor) -> Subscription:
    """One-way until the next renewal (R7): there is deliberately no function that turns it on."""
    subscription = _locked(subscription)
    if not subscription.is_live:
        raise ValidationError(_("Automatic renewal can only be changed on a live subscription."))
    if not subscription.auto_renew:
        return subscription
    subscription.auto_renew = False
    subscription.save(update_fields=["auto_renew", "updated_at"])
    timeline_add(subscription=subscription, kind=TimelineKind.AUTO_RENEW_OFF, actor=actor)
    return subscription


@transaction.atomic
def subscription_mark_past_due(
    *, subscription: Subscription, next_attempt_on: datetime.date | None, facts: dict | None = None
) -> Subscription:
    """A failed automatic renewal: benefits kept, retried later (R10)."""
    subscription = _locked(subscription)
    if subscription.status not in LIVE_STATUSES:
        return subscription
    subscription.status = SubscriptionStatus.PAST_DUE
    subscription.renewal_attempts += 1
    subscription.next_renewal_attempt_on = next_attempt_on
    subscription.save(update_fields=["status", "renewal_attempts", "next_renewal_attempt_on", "updated_at"])
    timeline_add(subscription=subscription, kind=TimelineKind.RENEWAL_FAILED, data=facts)
    return subscription


@transaction.atomic
def subscription_mark_expired(*, subscription: Subscription, reason: str) -> Subscription:
    """A live subscription ends (R9, R10); ``reason`` is a code of offers.timeline.EXPIRY_REASONS."""
    subscription = _locked(subscription)
    if subscription.status not in LIVE_STATUSES:
        return subscription
    subscription.status = SubscriptionStatus.EXPIRED
    subscription.expired_at = timezone.now()
    subscription.next_renewal_attempt_on = None
    subscription.save(update_fields=["status", "expired_at", "next_renewal_attempt_on", "updated_at"])
    timeline_add(subscription=subscription, kind=TimelineKind.EXPIRED, data={"reason": reason})
    return subscription


@transaction.atomic
def subscription_cancel(*, subscription: Subscription, actor, facts: dict | None = None) -> Subscription:
    """Staff cancel a subscription through a service request (R11); from any live state.

    ``facts``: the request number and refund kind the timeline shows (offers.timeline).
    """
    subscription = _locked(subscription)
    if subscription.status == SubscriptionStatus.CANCELLED:
        return subscription
    if subscription.status not in LIVE_STATUSES:
        raise ValidationError(_("Only a live subscription can be cancelled."))
    subscription.status = SubscriptionStatus.CANCELLED
    subscription.auto_renew = False
    subscription.cancelled_at = timezone.now()
    subscription.next_renewal_attempt_on = None
    subscription.save(update_fields=["status", "auto_renew", "cancelled_at", "next_renewal_attempt_on", "updated_at"])
    timeline_add(subscription=subscription, kind=TimelineKind.CANCELLED, actor=actor, data=facts)
    return subscription
