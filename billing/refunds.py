"""Refunds through the payment gateway: one refund per decision key, never more than was charged.

The Refund row is written (and committed, when no outer transaction is open) before Stripe is called,
keyed by the caller's decision key, so a double click, a retry or a second staff member finds that
row instead of asking Stripe for another refund. localstripe neither caps refunds nor honours
idempotency keys, so these rules are ours to keep.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerportal import page_cache
from partnerportal.money import format_money

from .gateways import GatewayError, PaymentDeclined, RefundRequest, get_gateway
from .models import Payment, PaymentStatus, Refund, RefundStatus
from .services.documents import credit_note_issue

logger = logging.getLogger(__name__)

# A refund left "pending" this long is taken to be a crashed attempt and may be sent again (with the
# same idempotency key, so real Stripe answers with the refund it already made, if it made one).
STALE_PENDING = datetime.timedelta(minutes=10)


class RefundError(Exception):
    """A refund was not made; the message is safe to show to staff."""


class RefundTooLarge(RefundError):
    """The amount is more than was charged less what was already refunded."""


class RefundFailed(RefundError):
    """The payment service refused the refund or could not be reached; it can be retried."""

    def __init__(self, message, refund=None):
        super().__init__(message)
        self.refund = refund


class RefundInProgress(RefundError):
    """Another attempt with the same key is being sent right now."""


def refundable_amount(*, payment: Payment, exclude: Refund | None = None) -> int:
    """What can still be refunded: the amount charged less succeeded and in-flight refunds."""
    refunds = payment.refunds.filter(status__in=[RefundStatus.SUCCEEDED, RefundStatus.PENDING])
    if exclude is not None and exclude.pk:
        refunds = refunds.exclude(pk=exclude.pk)
    taken = refunds.aggregate(total=Sum("amount"))["total"] or 0
    return max(payment.amount - taken, 0)


def refund_create(*, payment: Payment, amount: int, decision_key: str, actor=None, reason: str = "") -> Refund:
    """Refund ``amount`` of ``payment`` once per ``decision_key``.

    Raises RefundTooLarge (nothing sent), RefundInProgress (another attempt is being sent) or
    RefundFailed (the gateway refused or was unreachable; the row is marked failed and a call with
    the same key tries again).
    """
    if amount <= 0:
        raise RefundTooLarge(_("A refund must be more than zero."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = Refund.objects.select_for_update().filter(idempotency_key=decision_key).first()
        if refund is not None:
            if refund.payment_id != locked.pk or refund.amount != amount:
                raise RefundError(_("This decision already refunded a different payment or amount."))
            if refund.status == RefundStatus.SUCCEEDED:
                return refund
            if refund.status == RefundStatus.PENDING and timezone.now() - refund.created_at < STALE_PENDING:
                raise RefundInProgress(_("This refund is being sent to the payment service; try again in a minute."))
        if locked.status != PaymentStatus.SUCCEEDED or not locked.stripe_payment_intent_id:
            raise RefundError(_("Only a succeeded payment can be refunded."))
        available = refundable_amount(payment=locked, exclude=refund)
        if amount > available:
            raise RefundTooLarge(
                _("The refund (%(amount)s) is more than what can still be refunded on this payment (%(available)s).")
                % {
                    "amount": format_money(amount, locked.currency),
                    "available": format_money(available, locked.currency),
                }
            )
        if refund is None:
            refund = Refund(
                payment=locked,
                organization_id=locked.organization_id,
                amount=amount,
                currency=locked.currency,
                idempotency_key=decision_key,
                reason=reason[:200],
                created_by=actor,
            )
        refund.status = RefundStatus.PENDING
        refund.failure_message = ""
        refund.created_at = timezone.now()
        refund.full_clean()
        refund.save()

    # Outside the lock: the row above is what stops a second refund, not a transaction held open
    # for the length of a network call.
    try:
        result = get_gateway().refund(
            RefundRequest(
                payment_intent_id=locked.stripe_payment_intent_id, amount=amount, idempotency_key=decision_key
            )
        )
    except (GatewayError, PaymentDeclined) as exc:
        logger.warning("Refund %s for payment %s failed: %s", decision_key, locked.pk, exc)
        message = str(exc) or exc.__class__.__name__
        Refund.objects.filter(pk=refund.pk).update(status=RefundStatus.FAILED, failure_message=message[:500])
        page_cache.organization_changed(refund.organization_id)  # update() sends no post_save
        refund.refresh_from_db()
        raise RefundFailed(
            _("The payment service did not make the refund: %(error)s") % {"error": message}, refund
        ) from exc

    failed = result.status.refused
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.stripe_refund_id = result.refund_id or None
        if failed:
            refund.status = RefundStatus.FAILED
            refund.failure_message = _("The payment service answered: %(status)s") % {"status": result.status.value}
        else:
            # "pending" at Stripe means accepted and on its way to the card; ours is the money leaving.
            refund.status = RefundStatus.SUCCEEDED
            refund.succeeded_at = timezone.now()
        refund.save()
        if not failed:
            # R15: the credit note with the refund's success, in one transaction.
            credit_note_issue(refund=refund)
    if failed:
        raise RefundFailed(refund.failure_message, refund)
    return refund
