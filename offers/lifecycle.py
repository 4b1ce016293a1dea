"""The subscription lifecycle: the daily sweep and the per-subscription actions (R6, R8–R10, R13).

The sweep only *selects* what is due and hands one action per subscription to an ``enqueue``
callable (a Celery task in production, a plain call in the management command's eager mode).
Each action re-reads its subscription under a row lock and checks a state guard, so running it
twice, or from two sweeps at once, changes nothing the second time:

* renewal: one run per subscription at a time (an advisory lock on PostgreSQL); one
  ``auto_renewal`` order per (subscription, term start), enforced by a unique constraint; every
  charge goes through ``billing.services.order_charge``, which commits the Payment attempt before
  calling Stripe and refuses a second charge while one is in flight; an attempt whose worker died
  is reconciled from Stripe (by PaymentIntent id, or by the attempt id in its metadata) instead
  of being charged again; a failure is recorded only if the failed-attempt counter has not moved;
* expiry: only a live subscription whose term has ended moves to ``expired``;
* reminders: one ``Reminder`` row per (subscription, kind, term end), enforced by a unique
  constraint; the e-mail goes out only when this run inserted the row.
"""

import datetime
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import Reminder, ReminderKind, Subscription, SubscriptionStatus, TimelineKind
from .services import subscription_expire, subscription_mark_past_due, timeline_add
from .terms import add_months

logger = logging.getLogger(__name__)


class SweepAction:
    RENEW = "renew"
    EXPIRE = "expire"
    REMIND = "remind"


# Days before the end of the term on which a reminder is due (R9).
EXPIRY_REMINDERS = ((ReminderKind.EXPIRY_30, 30), (ReminderKind.EXPIRY_7, 7), (ReminderKind.EXPIRY_1, 1))
UPCOMING_RENEWAL_DAYS = 30
# A reminder whose day was missed (beat down for a day or two) is still sent this many days late;
# the window stays a few days wide so the due-selection reads only a few days of end dates.
REMINDER_CATCH_UP_DAYS = 3


def _as_date(value) -> datetime.date:
    if value is None:
        return timezone.localdate()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


# --------------------------------------------------------------------------------------------
# What is owed: pure functions of a subscription and a day, shared by the sweep, the tasks and
# the details page ("when the next reminder goes").
# --------------------------------------------------------------------------------------------


def reminder_schedule(subscription: Subscription, *, check_card: bool = True) -> list[tuple[str, datetime.date]]:
    """The reminders of the current term with the day each one is due, earliest first (R9).

    The card-expiry warning goes with the upcoming-renewal notice; ``check_card=False`` leaves it
    out (the sweep's selection then needs no query per row, and the task decides it).
    """
    end = subscription.current_period_end
    if subscription.status != SubscriptionStatus.ACTIVE:
        return []
    if subscription.auto_renew:
        due = end - datetime.timedelta(days=UPCOMING_RENEWAL_DAYS)
        schedule = [(ReminderKind.UPCOMING_RENEWAL, due)]
        if check_card and _card_missing_or_expiring(subscription):
            schedule.append((ReminderKind.CARD_EXPIRES, due))
        return schedule
    return [(kind, end - datetime.timedelta(days=days)) for kind, days in EXPIRY_REMINDERS]


def _card_missing_or_expiring(subscription: Subscription) -> bool:
    card = renewal_card(subscription)
    return card is None or card.expires_before(subscription.current_period_end)


def reminders_owed(
    subscription: Subscription, *, today: datetime.date, sent_kinds=None, check_card: bool = True
) -> list[str]:
    """Reminder kinds due today (or missed by at most the catch-up days) and not yet sent."""
    if sent_kinds is None:
        sent_kinds = set(
            Reminder.objects.filter(subscription=subscription, term_end=subscription.current_period_end).values_list(
                "kind", flat=True
            )
        )
    owed = []
    for kind, due in reminder_schedule(subscription, check_card=check_card):
        if kind in sent_kinds or subscription.current_period_end <= today:
            continue
        if due <= today <= due + datetime.timedelta(days=REMINDER_CATCH_UP_DAYS):
            owed.append(kind)
    return owed


def next_reminder(subscription: Subscription, *, today: datetime.date | None = None):
    """(kind, day) of the next reminder that will go out for this term, or None."""
    today = _as_date(today)
    sent = set(
        Reminder.objects.filter(subscription=subscription, term_end=subscription.current_period_end).values_list(
            "kind", flat=True
        )
    )
    for kind, due in reminder_schedule(subscription):
        if kind in sent or due + datetime.timedelta(days=REMINDER_CATCH_UP_DAYS) < today:
            continue
        return kind, max(due, today)
    return None


def renewal_card(subscription: Subscription):
    """The card an automatic renewal will charge: the subscription's own, else the organisation's default."""
    from billing.models import PaymentMethod

    card = subscription.payment_method
    if card is not None and card.is_usable:
        return card
    return (
        PaymentMethod.objects.filter(
            organization_id=subscription.organization_id, is_default=True, removed_at__isnull=True
        ).first()
    )


# --------------------------------------------------------------------------------------------
# The sweep: select what is due, enqueue one action per subscription.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueAction:
    action: str
    subscription_id: int


def due_querysets(today) -> dict:
    """The due-selection queries (also printed with EXPLAIN by bench/sweep_scaling.py)."""
    today = _as_date(today)
    # Reminders: terms ending exactly 30, 7 or 1 days from now (or up to REMINDER_CATCH_UP_DAYS
    # less, to catch up a missed run), without the reminder of that kind for this term (an
    # anti-join on reminder_once_per_term's index), mirroring reminders_owed().
    def window(days, *, auto_renew, kind):
        last = today + datetime.timedelta(days=days)
        first = max(last - datetime.timedelta(days=REMINDER_CATCH_UP_DAYS), today + datetime.timedelta(days=1))
        sent = Reminder.objects.filter(subscription=OuterRef("pk"), term_end=OuterRef("current_period_end"), kind=kind)
        return (
            Subscription.objects.filter(
                status=SubscriptionStatus.ACTIVE,
                current_period_end__gte=first,
                current_period_end__lte=last,
                auto_renew=auto_renew,
            )
            .filter(~Exists(sent))
            .order_by()
            .values_list("current_period_end", "id")
        )

    # One range per window, joined with UNION: an OR of ranges would make SQLite read every
    # active row (it uses only the status prefix of the index for an OR).
    windows = [window(UPCOMING_RENEWAL_DAYS, auto_renew=True, kind=ReminderKind.UPCOMING_RENEWAL)]
    windows += [window(days, auto_renew=False, kind=kind) for kind, days in EXPIRY_REMINDERS]
    return {
        # Terms that have ended: renew when auto-renewal is on, otherwise expire.
        "ended": Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, current_period_end__lte=today)
        .order_by("current_period_end", "id")
        .values_list("id", "auto_renew"),
        # Past-due subscriptions whose next retry day has come (R10).
        "retries": Subscription.objects.filter(status=SubscriptionStatus.PAST_DUE, next_renewal_attempt_on__lte=today)
        .order_by("next_renewal_attempt_on", "id")
        .values_list("id", flat=True),
        "reminders": windows[0].union(*windows[1:]).order_by("current_period_end", "id"),
    }


def select_due(today) -> list[DueAction]:
    """Everything due on ``today``, in a fixed number of index range scans (subscription_due_idx).

    The cost follows the number of due subscriptions, not the size of the table: each query is a
    range on (status, current_period_end) — up to today for renewals and expiries, a few days wide
    for reminders — or on the small set of past-due rows for retries.
    """
    today = _as_date(today)
    queries = due_querysets(today)
    actions: list[DueAction] = []
    for sub_id, auto_renew in queries["ended"]:
        actions.append(DueAction(SweepAction.RENEW if auto_renew else SweepAction.EXPIRE, sub_id))
    actions.extend(DueAction(SweepAction.RENEW, sub_id) for sub_id in queries["retries"])
    actions.extend(DueAction(SweepAction.REMIND, sub_id) for _end, sub_id in queries["reminders"])
    return actions


def sweep(*, today=None, enqueue) -> list[DueAction]:
    """Select what is due on ``today`` and hand each action to ``enqueue(action, subscription_id, today_iso)``."""
    today = _as_date(today)
    actions = select_due(today)
    for item in actions:
        enqueue(item.action, item.subscription_id, today.isoformat())
    logger.info("Subscription sweep for %s: %d action(s) due", today, len(actions))
    return actions


# --------------------------------------------------------------------------------------------
# Per-subscription actions, called by the tasks with ids; each is safe to run twice.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalResult:
    outcome: str  # renewed, failed, expired, unavailable, in_progress, skipped, not_due
    message: str = ""


def _retry_days() -> list[int]:
    return list(settings.RENEWAL_RETRY_DAYS)


def _renewal_due(subscription: Subscription, today: datetime.date) -> bool:
    if subscription.status == SubscriptionStatus.ACTIVE:
        return subscription.auto_renew and subscription.current_period_end <= today
    if subscription.status == SubscriptionStatus.PAST_DUE:
        return subscription.next_renewal_attempt_on is not None and subscription.next_renewal_attempt_on <= today
    return False


def _order_number(subscription: Subscription, term_start: datetime.date) -> str:
    # Deterministic, so even the number cannot be taken twice for one term.
    return "AR-%06d-%s" % (subscription.pk, term_start.strftime("%Y%m%d"))


def _auto_renewal_order(*, subscription: Subscription, card, today: datetime.date):
    """The term's one auto-renewal order: created by the first run, reused by retries and by rivals."""
    from billing.models import Order, OrderKind, OrderStatus

    term_start = subscription.current_period_end
    lookup = {"subscription": subscription, "kind": OrderKind.AUTO_RENEWAL, "term_start": term_start}
    order = Order.objects.filter(**lookup).first()
    if order is None:
        order = Order(
            number=_order_number(subscription, term_start),
            organization_id=subscription.organization_id,
            offer_id=subscription.offer_id,
            kind=OrderKind.AUTO_RENEWAL,
            status=OrderStatus.DRAFT,
            subscription=subscription,
            payment_method=card,
            amount=subscription.price_amount,
            currency=subscription.currency,
            term_start=term_start,
            term_end=add_months(term_start, subscription.offer.term_months),
        )
        # Uniqueness is the database's to decide: a rival insert must end in IntegrityError below.
        order.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            # Another run created it between our read and our insert: it owns the row, we reuse it.
            order = Order.objects.get(**lookup)
    settled = (OrderStatus.DRAFT, OrderStatus.FAILED, OrderStatus.REQUIRES_ACTION)
    if order.status in settled and order.payment_method_id != card.pk:
        # A retry charges the card that is current now (the partner may have replaced it); never
        # while a charge is in flight or after it succeeded.
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status in settled:
                locked.payment_method = card
                locked.save(update_fields=["payment_method"])
            order = locked
    return order


# Namespace of the advisory locks that keep two renewal runs of one subscription apart.
_RENEWAL_LOCK_NAMESPACE = 0x53554252  # "SUBR"


@contextmanager
def _renewal_claim(subscription_id: int):
    """Yield True when this run may act on the subscription's renewal, False when another run is.

    The charge cannot sit inside a transaction holding the subscription's row lock (the Payment
    attempt must be committed before Stripe is called), yet two runs must not interleave: after one
    run's charge is declined and before it records the failure, the order is chargeable again and
    a rival run would charge the card a second time. A session-level advisory lock on PostgreSQL
    covers the whole action and is released when the run ends or its connection dies. SQLite has
    a single writer and no such locks; the row locks and constraints still apply there.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = [_RENEWAL_LOCK_NAMESPACE, subscription_id % 2**31]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
        claimed = cursor.fetchone()[0]
    try:
        yield claimed
    finally:
        if claimed:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)


def renew_subscription(*, subscription_id: int, today=None) -> RenewalResult:
    """Charge the automatic renewal that is due (first attempt or a retry) and apply the outcome."""
    with _renewal_claim(subscription_id) as claimed:
        if not claimed:
            return RenewalResult("in_progress", "Another run is renewing this subscription")
        return _renew_claimed(subscription_id=subscription_id, today=today)


def _renew_claimed(*, subscription_id: int, today) -> RenewalResult:
    from billing import services as billing_services

    today = _as_date(today)
    subscription = Subscription.objects.select_related("offer", "payment_method").filter(pk=subscription_id).first()
    if subscription is None or not _renewal_due(subscription, today):
        return RenewalResult("not_due")
    if not subscription.auto_renew:
        # Past due, then the partner turned auto-renewal off: stop retrying, the term has ended.
        expire_subscription(subscription_id=subscription_id, today=today, detail="Automatic renewal turned off while past due")
        return RenewalResult("expired")

    attempts_before = subscription.renewal_attempts
    card = renewal_card(subscription)
    if card is None:
        return _record_failure(
            subscription_id=subscription_id,
            attempts_before=attempts_before,
            today=today,
            message="No card on file for the automatic renewal",
            order=None,
            reason="no_card",
        )
    order = _auto_renewal_order(subscription=subscription, card=card, today=today)
    # Not inside a transaction of ours: order_charge commits the Payment attempt before it calls
    # Stripe, so a crash in the middle leaves a row that the next run's order_charge settles at
    # Stripe (billing.services._reconcile_stale_attempt) instead of charging again.
    try:
        outcome = billing_services.order_charge(order_id=order.pk, off_session=True)
    except ValidationError as exc:
        # A rule refused the charge (e.g. a renewal by hand is being paid right now, or has
        # paid this term): change nothing here; the next sweep looks again.
        message = " ".join(exc.messages)
        logger.warning("Renewal of subscription %s not charged: %s", subscription_id, message)
        return RenewalResult("skipped", message)
    status = outcome.status
    if status in ("paid", "already_paid"):
        from .services import subscription_renew_for_order

        order.refresh_from_db()
        # order_charge has renewed the term; calling again is a no-op and covers a crash in between.
        subscription_renew_for_order(order=order)
        if status == "paid":
            _on_commit_email("renewal_succeeded", subscription_id, {"order_id": order.pk})
        return RenewalResult("renewed", str(outcome.message or ""))
    if status == "requires_action":
        # Off-session nobody can authenticate: close the attempt so that a renewal by hand (which
        # the e-mail offers) is not blocked by an order waiting for authentication.
        _close_unauthenticated_attempt(order_id=order.pk)
        return _record_failure(
            subscription_id=subscription_id,
            attempts_before=attempts_before,
            today=today,
            message=_AUTHENTICATION_REQUIRED,
            order=order,
            reason="authentication_required",
        )
    if status == "declined":
        return _record_failure(
            subscription_id=subscription_id,
            attempts_before=attempts_before,
            today=today,
            message=str(outcome.message or status),
            order=order,
            reason="declined",
        )
    # "unavailable" (payment service unreachable) or "in_progress" (another run is charging right
    # now): change nothing; the next sweep tries again.
    logger.warning("Renewal of subscription %s not charged today: %s %s", subscription_id, status, outcome.message)
    return RenewalResult("unavailable" if status == "unavailable" else "in_progress", str(outcome.message or ""))


_AUTHENTICATION_REQUIRED = "The card requires authentication, which an automatic renewal cannot provide"


@transaction.atomic
def _close_unauthenticated_attempt(*, order_id: int) -> None:
    """Mark an off-session attempt that asks for authentication as failed, and cancel it at Stripe."""
    from billing.models import Order, OrderStatus, PaymentStatus

    # Lock order, then payment: the order billing.services locks in, so the two cannot deadlock.
    order = Order.objects.select_for_update().get(pk=order_id)
    payment = order.payments.select_for_update().filter(status=PaymentStatus.REQUIRES_ACTION).order_by("-attempt").first()
    if payment is not None:
        payment.status = PaymentStatus.FAILED
        payment.failure_code = "authentication_required"
        payment.failure_message = _AUTHENTICATION_REQUIRED
        payment.save(update_fields=["status", "failure_code", "failure_message"])
        intent_id = payment.stripe_payment_intent_id
        if intent_id:
            transaction.on_commit(lambda: _cancel_intent(intent_id))
    if order.status == OrderStatus.REQUIRES_ACTION:
        order.status = OrderStatus.FAILED
        order.failure_message = _AUTHENTICATION_REQUIRED
        order.save(update_fields=["status", "failure_message"])


def _cancel_intent(intent_id: str) -> None:
    from billing.gateways import get_gateway

    gateway = get_gateway()
    client = getattr(gateway, "client", None)
    if client is None:
        return
    try:
        client.v1.payment_intents.cancel(intent_id)
    except Exception as exc:  # best effort: an uncancelled intent can no longer be confirmed by anyone
        logger.warning("Could not cancel PaymentIntent %s: %s", intent_id, exc)


@transaction.atomic
def _record_failure(*, subscription_id, attempts_before, today, message, order, reason) -> RenewalResult:
    """R10: past due with the next retry day, or expired after the last retry; the partner is told."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.renewal_attempts != attempts_before or not _renewal_due(subscription, today):
        return RenewalResult("in_progress")  # another run has recorded this attempt already
    retry_days = _retry_days()
    due_date = subscription.current_period_end
    detail = "Automatic renewal charge failed (attempt %d): %s" % (attempts_before + 1, message)
    if order is not None:
        detail = "Order %s: %s" % (order.number, detail)
    # The e-mail explains the reason in each recipient's language; the timeline keeps English.
    context = {"reason": reason, "attempt": attempts_before + 1, "order_id": order.pk if order else None}
    if attempts_before < len(retry_days):
        next_attempt = due_date + datetime.timedelta(days=retry_days[attempts_before])
        subscription_mark_past_due(subscription=subscription, next_attempt_on=next_attempt, detail=detail)
        context["next_attempt_on"] = next_attempt.isoformat()
        _on_commit_email("renewal_failed", subscription_id, context)
        return RenewalResult("failed", message)
    subscription_mark_past_due(subscription=subscription, next_attempt_on=None, detail=detail)
    subscription_expire(subscription=subscription, detail="Automatic renewal failed after the last retry")
    context["final"] = True
    _on_commit_email("renewal_failed", subscription_id, context)
    _send_expired_notice(subscription)
    return RenewalResult("expired", message)


@transaction.atomic
def expire_subscription(*, subscription_id: int, today=None, detail: str = "") -> bool:
    """Expire a live subscription whose term has ended without renewal; True when this call did it."""
    today = _as_date(today)
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None or not subscription.is_live or subscription.current_period_end > today:
        return False
    if subscription.status == SubscriptionStatus.ACTIVE and subscription.auto_renew:
        return False  # the renewal action owns this one
    subscription_expire(subscription=subscription, detail=detail or "Term ended with automatic renewal off")
    _send_expired_notice(subscription)
    return True


def _send_expired_notice(subscription: Subscription) -> None:
    """The after-expiry reminder (R9): once per term thanks to the Reminder constraint."""
    if _claim_reminder(subscription, ReminderKind.EXPIRED):
        _on_commit_email("expired", subscription.pk, {})


def _claim_reminder(subscription: Subscription, kind: str) -> bool:
    """Insert the Reminder row; False when it exists already (sent by an earlier or a rival run)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(subscription=subscription, kind=kind, term_end=subscription.current_period_end)
    except IntegrityError:
        return False
    timeline_add(subscription=subscription, kind=TimelineKind.REMINDER_SENT, detail=str(ReminderKind(kind).label))
    return True


REMINDER_EMAILS = {
    ReminderKind.EXPIRY_30: "expiry_reminder",
    ReminderKind.EXPIRY_7: "expiry_reminder",
    ReminderKind.EXPIRY_1: "expiry_reminder",
    ReminderKind.UPCOMING_RENEWAL: "upcoming_renewal",
    ReminderKind.CARD_EXPIRES: "card_expires",
}


@transaction.atomic
def remind_subscription(*, subscription_id: int, today=None) -> list[str]:
    """Send the reminders owed today; returns the kinds this call sent (none on a second run)."""
    today = _as_date(today)
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("payment_method")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return []
    sent = []
    for kind in reminders_owed(subscription, today=today):
        if _claim_reminder(subscription, kind):
            days_left = (subscription.current_period_end - today).days
            _on_commit_email(REMINDER_EMAILS[kind], subscription.pk, {"kind": kind, "days_left": days_left})
            sent.append(kind)
    return sent


def _on_commit_email(template: str, subscription_id: int, context: dict) -> None:
    from . import emails

    transaction.on_commit(lambda: emails.send_lifecycle_email(template=template, subscription_id=subscription_id, extra=context))


ACTIONS = {
    SweepAction.RENEW: renew_subscription,
    SweepAction.EXPIRE: expire_subscription,
    SweepAction.REMIND: remind_subscription,
}


def run_action(action: str, subscription_id: int, today) -> object:
    """Run one action in this process (the command's eager mode and the tests)."""
    return ACTIONS[action](subscription_id=subscription_id, today=today)
