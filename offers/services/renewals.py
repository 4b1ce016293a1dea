"""Automatic renewal of one subscription (R6, R7, R10): charge the due term once, or record the failure;
and Pay now (R20), the partner paying a past-due renewal at once through the very same claim and order.

One run per subscription at a time (an advisory lock on PostgreSQL, a file lock beside the SQLite
database); one ``auto_renewal`` order
per (subscription, term start), enforced by a unique constraint; every charge goes through
``order_charge``, which commits the Payment attempt before calling Stripe and refuses a second
charge while one is in flight; a failure is recorded only if the failed-attempt counter has not
moved, so a second run of the same day changes nothing.
"""

import datetime
import fcntl
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from billing import selectors as billing_selectors
from billing import services as billing
from billing.gateways import CARD_MISSING
from membership.permissions import Action, require

from ..models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from ..selectors.lifecycle import as_date, renewal_card
from .charging import (
    STALE_ATTEMPT_AFTER,
    ChargeOutcome,
    OutcomeStatus,
    order_charge,
    order_close_unauthenticated,
    order_confirm_payment,
)
from .notices import email_on_commit
from .orders import order_for_auto_renewal
from .reminders import expired_notice_send, subscription_expire
from .subscriptions import subscription_mark_expired, subscription_mark_past_due, subscription_renew_for_order

logger = logging.getLogger(__name__)


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
    no such locks (and its single writer does not help: the charge runs between transactions), so
    there an flock on a file beside the database stands in, released as well when the run's process
    dies.
    """
    if connection.vendor == "sqlite":
        with _sqlite_renewal_claim(subscription_id) as claimed:
            yield claimed
        return
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


@contextmanager
def _sqlite_renewal_claim(subscription_id: int):
    """The advisory lock's stand-in on SQLite: a non-blocking flock on var/<database>-locks/renewal-<id>.

    flock (not fcntl's record locks) so that two threads of one process exclude each other too. The
    files are never deleted: removing a lock file while someone may have opened it would let two
    runs hold "the" lock at once.
    """
    if connection.is_in_memory_db():
        yield True  # one process owns an in-memory database: nobody to race with
        return
    folder = Path("%s-locks" % connection.settings_dict["NAME"])
    folder.mkdir(exist_ok=True)
    with open(folder / ("renewal-%d" % subscription_id), "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _claimed_stale_after() -> datetime.timedelta:
    """How old a pending attempt must be, under the claim, to be settled as its dead run's.

    Holding the claim proves that the run which opened the attempt has ended: its advisory lock
    (or flock) went with its connection or process. Only the request it had already sent may
    still be at Stripe, so waiting the gateway's timeout is enough before looking the attempt up,
    rather than the minutes STALE_ATTEMPT_AFTER allows for a live run in another request. A
    message redelivered after a worker was killed is then charged within the run, not the next day.
    """
    if connection.vendor not in ("postgresql", "sqlite"):
        return STALE_ATTEMPT_AFTER  # no claim to prove anything
    return datetime.timedelta(seconds=settings.STRIPE_TIMEOUT_SECONDS)


def subscription_renew(*, subscription_id: int, today=None) -> RenewalResult:
    """Charge the automatic renewal that is due (first attempt or a retry) and apply the outcome."""
    with _renewal_claim(subscription_id) as claimed:
        if not claimed:
            return RenewalResult("in_progress", "Another run is renewing this subscription")
        return _renew_claimed(subscription_id=subscription_id, today=today)


def _renew_claimed(*, subscription_id: int, today) -> RenewalResult:
    today = as_date(today)
    subscription = Subscription.objects.select_related("offer", "payment_method").filter(pk=subscription_id).first()
    if subscription is None or not _renewal_due(subscription, today):
        return RenewalResult("not_due")
    if not subscription.auto_renew:
        # Past due, then the partner turned auto-renewal off: stop retrying, the term has ended.
        subscription_expire(subscription_id=subscription_id, today=today, reason="turned_off_while_past_due")
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
    order = order_for_auto_renewal(subscription=subscription, card=card)
    # Not inside a transaction of ours: order_charge commits the Payment attempt before it calls
    # Stripe, so a crash in the middle leaves a row that the next run's order_charge settles at
    # Stripe (charging._reconcile_stale_attempt) instead of charging again.
    try:
        outcome = order_charge(order_id=order.pk, off_session=True, stale_after=_claimed_stale_after())
    except ValidationError as exc:
        # A rule refused the charge (e.g. a renewal by hand is being paid right now, or has
        # paid this term): change nothing here; the next sweep looks again.
        message = " ".join(exc.messages)
        logger.warning("Renewal of subscription %s not charged: %s", subscription_id, message)
        return RenewalResult("skipped", message)
    status = outcome.status
    if status in (OutcomeStatus.PAID, OutcomeStatus.ALREADY_PAID):
        order.refresh_from_db()
        # order_charge has renewed the term; calling again is a no-op and covers a crash in between.
        subscription_renew_for_order(order=order)
        if status == OutcomeStatus.PAID:
            email_on_commit("renewal_succeeded", subscription_id, {"order_id": order.pk})
        return RenewalResult("renewed", str(outcome.message or ""))
    if status == OutcomeStatus.REQUIRES_ACTION:
        # Off-session nobody can authenticate: close the attempt so that a renewal by hand (which
        # the e-mail offers) is not blocked by an order waiting for authentication.
        order_close_unauthenticated(order_id=order.pk, reason=_AUTHENTICATION_REQUIRED)
        return _record_failure(
            subscription_id=subscription_id,
            attempts_before=attempts_before,
            today=today,
            message=_AUTHENTICATION_REQUIRED,
            order=order,
            reason="authentication_required",
        )
    if status == OutcomeStatus.DECLINED:
        return _record_failure(
            subscription_id=subscription_id,
            attempts_before=attempts_before,
            today=today,
            message=str(outcome.message or status),
            order=order,
            # Stripe no longer knows the card or customer: the e-mail asks for a new card.
            reason="card_missing" if outcome.code == CARD_MISSING else "declined",
            decline_code=outcome.code or "",
        )
    # "unavailable" (payment service unreachable) or "in_progress" (another run is charging right
    # now): change nothing; the next sweep tries again.
    logger.warning("Renewal of subscription %s not charged today: %s %s", subscription_id, status, outcome.message)
    return RenewalResult(
        "unavailable" if status == OutcomeStatus.UNAVAILABLE else "in_progress", str(outcome.message or "")
    )


_AUTHENTICATION_REQUIRED = "The card requires authentication, which an automatic renewal cannot provide"


@transaction.atomic
def _record_failure(
    *, subscription_id, attempts_before, today, message, order, reason, decline_code=""
) -> RenewalResult:
    """R10: past due with the next retry day, or expired after the last retry; the partner is told."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    if subscription.renewal_attempts != attempts_before or not _renewal_due(subscription, today):
        return RenewalResult("in_progress")  # another run has recorded this attempt already
    retry_days = _retry_days()
    due_date = subscription.current_period_end
    # The timeline keeps the facts (R16); the page and the e-mail say them in each reader's language.
    facts = {"attempt": attempts_before + 1, "reason": decline_code or reason}
    if order is not None:
        facts["order"] = order.number
    context = {"reason": reason, "attempt": attempts_before + 1, "order_id": order.pk if order else None}
    if attempts_before < len(retry_days):
        # Never today: a retry made late (the payment service was down on its day) would otherwise be
        # due again at once, and the hourly sweep would charge the declined card again within the hour.
        next_attempt = max(
            due_date + datetime.timedelta(days=retry_days[attempts_before]), today + datetime.timedelta(days=1)
        )
        subscription_mark_past_due(subscription=subscription, next_attempt_on=next_attempt, facts=facts)
        context["next_attempt_on"] = next_attempt.isoformat()
        email_on_commit("renewal_failed", subscription_id, context)
        return RenewalResult("failed", message)
    subscription_mark_past_due(subscription=subscription, next_attempt_on=None, facts=facts)
    subscription_mark_expired(subscription=subscription, reason="retries_exhausted")
    context["final"] = True
    email_on_commit("renewal_failed", subscription_id, context)
    expired_notice_send(subscription)
    return RenewalResult("expired", message)


# --- Pay now (R20): the partner settles a failed renewal at once ----------------------------------


def _pay_now_busy() -> ChargeOutcome:
    return ChargeOutcome(OutcomeStatus.IN_PROGRESS, _("Your payment is being processed. Please wait."))


def _pay_now_paid(order: Order, outcome: ChargeOutcome, actor) -> ChargeOutcome:
    order.refresh_from_db()
    # order_charge has started the new term already; this call is a no-op that covers a crash between.
    subscription_renew_for_order(order=order, actor=actor)
    if outcome.status == OutcomeStatus.PAID:
        email_on_commit("renewal_succeeded", order.subscription_id, {"order_id": order.pk})
    return outcome


def subscription_pay_now(*, subscription_id: int, payment_method_id: int, actor) -> ChargeOutcome:
    """ "Update the card and pay now": charge a past-due subscription's renewal with the chosen card, at once.

    The very path of the automatic renewal of that term: the same claim (so a sweep's retry and
    any number of clicks exclude each other), the term's one ``auto_renewal`` order (so its
    idempotency keys continue the retries' attempt numbers, and a second order for the period
    cannot exist) and ``order_charge``. On-session, so a card that asks for 3-D Secure answers
    ``requires_action`` with the secret the browser confirms (``subscription_pay_now_confirm``).
    Paid: the new term starts and, the subscription being active again, the retries stop. Declined:
    the subscription is left as it was, past due with its next retry; the outcome says why.
    """
    with _renewal_claim(subscription_id) as claimed:
        if not claimed:
            return _pay_now_busy()
        subscription = Subscription.objects.select_related("offer", "organization").get(pk=subscription_id)
        require(actor, Action.RENEW, organization_id=subscription.organization_id)
        if subscription.status != SubscriptionStatus.PAST_DUE:
            raise ValidationError(_("This subscription is not past due: there is nothing to pay now."))
        card = (
            billing_selectors.usable_payment_methods(organization=subscription.organization)
            .filter(pk=payment_method_id)
            .first()
        )
        if card is None:
            raise ValidationError(_("Choose one of your cards, or add a way to pay."))
        order = order_for_auto_renewal(subscription=subscription, card=card)
        if order.status == OrderStatus.REQUIRES_ACTION:
            outcome = _pay_now_leave_pending_attempt(order=order, card=card, actor=actor)
            if outcome is not None:
                return outcome
        outcome = order_charge(order_id=order.pk, off_session=False, actor=actor, stale_after=_claimed_stale_after())
        if outcome.ok:
            return _pay_now_paid(order, outcome, actor)
        return outcome


def _pay_now_leave_pending_attempt(*, order: Order, card, actor) -> ChargeOutcome | None:
    """An earlier Pay now awaits 3-D Secure. Same card: order_charge shows that authentication
    again. Another card: read where the pending PaymentIntent stands first (it may have been
    confirmed in another tab), and only if it still waits, close it, so the new card is charged."""
    pending = billing.payment_last_with_intent(reference=order.number)
    if pending is None or pending.payment_method_id == card.pk:
        return None
    outcome = order_confirm_payment(order_id=order.pk, actor=actor)
    if outcome.ok:
        return _pay_now_paid(order, outcome, actor)
    if outcome.status == OutcomeStatus.REQUIRES_ACTION:
        order_close_unauthenticated(order_id=order.pk, reason="Replaced by another card")
        return None
    if outcome.status == OutcomeStatus.DECLINED:
        return None  # the pending attempt failed meanwhile: the order is chargeable again
    return outcome


def subscription_pay_now_confirm(*, subscription_id: int, actor) -> ChargeOutcome:
    """After the browser's 3-D Secure confirmation of a Pay now: re-read the PaymentIntent and settle it."""
    with _renewal_claim(subscription_id) as claimed:
        if not claimed:
            return _pay_now_busy()
        subscription = Subscription.objects.get(pk=subscription_id)
        require(actor, Action.RENEW, organization_id=subscription.organization_id)
        order = (
            Order.objects.filter(subscription=subscription, kind=OrderKind.AUTO_RENEWAL).order_by("-term_start").first()
        )
        if order is None:
            raise ValidationError(_("This subscription is not past due: there is nothing to pay now."))
        outcome = order_confirm_payment(order_id=order.pk, actor=actor)
        if outcome.ok:
            return _pay_now_paid(order, outcome, actor)
        return outcome
