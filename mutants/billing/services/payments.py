"""Charge attempts: recorded before Stripe is called, sent through the gateway, then settled (R4, R5).

Billing does not know what a payment buys. The owner of the paid document (offers, for an order)
opens an attempt and records its outcome inside its own transaction, after locking its document:
the document first, then the payment, always in that order, so two paths cannot deadlock. The
functions that change a Payment row therefore expect to run inside the caller's ``atomic`` block.

The gateway calls (``payment_attempt_send``, ``payment_intent_read``, ``payment_intent_find``)
run outside any transaction: the attempt must be committed before Stripe is called, so a crash
leaves a trace that the next run settles instead of charging again.
"""

import enum
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..gateways import ChargeRequest, ChargeResult, ChargeStatus, GatewayError, PaymentDeclined, get_gateway
from ..models import Payment, PaymentMethod, PaymentStatus
from .common import UNAVAILABLE_CODE

logger = logging.getLogger(__name__)


class AttemptStatus(enum.Enum):
    """Where a charge attempt stands after the gateway answered (or did not)."""

    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class AttemptResult:
    status: AttemptStatus
    payment_intent_id: str = ""
    client_secret: str = ""
    failure_code: str = ""
    failure_message: str = ""


_FROM_CHARGE = {
    ChargeStatus.SUCCEEDED: AttemptStatus.SUCCEEDED,
    ChargeStatus.REQUIRES_ACTION: AttemptStatus.REQUIRES_ACTION,
    ChargeStatus.PROCESSING: AttemptStatus.PROCESSING,
    ChargeStatus.FAILED: AttemptStatus.DECLINED,
}


def attempt_result(result: ChargeResult) -> AttemptResult:
    """The gateway's answer about a PaymentIntent, as an attempt's outcome."""
    status = _FROM_CHARGE[result.status]
    return AttemptResult(
        status=status,
        payment_intent_id=result.payment_intent_id,
        client_secret=result.client_secret,
        failure_code=(result.failure_code or "card_declined") if status is AttemptStatus.DECLINED else "",
        failure_message=result.failure_message,
    )


# --- Opening and sending an attempt --------------------------------------------------------------


def payment_attempt_open(
    *,
    organization_id: int,
    reference: str,
    payment_method: PaymentMethod,
    amount: int,
    currency: str,
    key_prefix: str = "",
) -> Payment:
    """Record the next charge attempt of a document; the caller holds the document's row lock.

    The idempotency key is ``<key_prefix>-attempt-<n>``; the prefix names the document for a person
    reading Stripe's logs (the reference itself by default).
    """
    last = Payment.objects.filter(reference=reference).order_by("-attempt").values_list("attempt", flat=True).first()
    attempt = (last or 0) + 1
    payment = Payment(
        reference=reference,
        organization_id=organization_id,
        attempt=attempt,
        payment_method=payment_method,
        idempotency_key="%s-attempt-%d" % (key_prefix or reference, attempt),
        amount=amount,
        currency=currency,
        status=PaymentStatus.PENDING,
    )
    payment.full_clean(validate_constraints=False)
    payment.save()
    return payment


def payment_attempt_send(*, payment: Payment, customer_id: str, off_session: bool, metadata: dict) -> AttemptResult:
    """Ask the gateway to charge a committed attempt; a failure is an outcome, never an exception."""
    request = ChargeRequest(
        customer_id=customer_id,
        payment_method_id=payment.payment_method.stripe_payment_method_id,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=payment.idempotency_key,
        off_session=off_session,
        # The attempt's id and reference let a lost answer be found again (payment_intent_find).
        metadata={**metadata, "payment_id": payment.pk, "reference": payment.reference},
    )
    try:
        result = get_gateway().charge(request)
    except PaymentDeclined as exc:
        logger.info("Payment %s declined: %s", payment, exc.code)
        return AttemptResult(
            AttemptStatus.DECLINED,
            payment_intent_id=exc.payment_intent_id,
            failure_code=exc.code or "card_declined",
            failure_message=str(exc),
        )
    except Exception as exc:  # GatewayError, or anything unexpected: nothing was charged as far as we know
        if isinstance(exc, GatewayError):
            logger.warning("Payment service unavailable for payment %s: %s", payment, exc)
        else:
            logger.exception("Unexpected error charging payment %s", payment)
        return AttemptResult(AttemptStatus.UNAVAILABLE, failure_message=str(exc))
    return attempt_result(result)


def payment_intent_read(*, payment: Payment) -> AttemptResult:
    """Where the attempt's PaymentIntent stands now (after 3-D Secure in the browser)."""
    try:
        return attempt_result(get_gateway().retrieve(payment_intent_id=payment.stripe_payment_intent_id))
    except GatewayError:
        return AttemptResult(AttemptStatus.UNAVAILABLE)


def payment_intent_find(*, payment: Payment, customer_id: str) -> AttemptResult | None:
    """The PaymentIntent Stripe made for this attempt although we never stored its answer, or None.

    Raises GatewayError when Stripe cannot be asked: the caller must not guess then.
    """
    result = get_gateway().find_intent(
        customer_id=customer_id, metadata={"payment_id": payment.pk, "reference": payment.reference}
    )
    return attempt_result(result) if result is not None else None


def payment_intent_cancel(*, payment_intent_id: str) -> None:
    """Cancel a PaymentIntent nobody will confirm; best effort, an uncancelled one charges no one."""
    try:
        get_gateway().cancel(payment_intent_id=payment_intent_id)
    except Exception as exc:
        logger.warning("Could not cancel PaymentIntent %s: %s", payment_intent_id, exc)


# --- Recording outcomes (inside the caller's transaction, after its document lock) ----------------


def payment_locked(payment_id: int) -> Payment:
    return Payment.objects.select_for_update().get(pk=payment_id)


def payment_reference(payment_id: int) -> str:
    """The document a payment pays, read without a lock, so its owner can lock the document first."""
    return Payment.objects.values_list("reference", flat=True).get(pk=payment_id)


def payment_is_latest(payment: Payment) -> bool:
    """Whether no later attempt of the same document exists (an old attempt must not move the document)."""
    return not Payment.objects.filter(reference=payment.reference, attempt__gt=payment.attempt).exists()


def payment_last(*, reference: str) -> Payment | None:
    return Payment.objects.filter(reference=reference).order_by("-attempt").first()


def payment_last_with_intent(*, reference: str) -> Payment | None:
    return (
        Payment.objects.filter(reference=reference).exclude(stripe_payment_intent_id=None).order_by("-attempt").first()
    )


def payment_pending(*, reference: str) -> Payment | None:
    return Payment.objects.filter(reference=reference, status=PaymentStatus.PENDING).order_by("-attempt").first()


def payment_mark_succeeded(*, payment: Payment, payment_intent_id: str = "") -> None:
    payment.status = PaymentStatus.SUCCEEDED
    payment.succeeded_at = timezone.now()
    payment.failure_code = payment.failure_message = ""
    if payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
    payment.save(
        update_fields=["status", "succeeded_at", "failure_code", "failure_message", "stripe_payment_intent_id"]
    )


def payment_mark_duplicate(*, payment: Payment, payment_intent_id: str = "") -> None:
    """A second success for a document already paid: kept as failed, for staff to refund at Stripe."""
    logger.error("%s already paid; PaymentIntent %s needs a refund", payment.reference, payment_intent_id)
    payment.status = PaymentStatus.FAILED
    payment.failure_code = "duplicate_charge"
    payment.failure_message = "Order already paid by another attempt; refund this PaymentIntent."
    payment.stripe_payment_intent_id = payment_intent_id or payment.stripe_payment_intent_id
    payment.save(update_fields=["status", "failure_code", "failure_message", "stripe_payment_intent_id"])


def payment_mark_requires_action(*, payment: Payment, payment_intent_id: str) -> bool:
    """The bank asks for authentication; True when this call moved the attempt."""
    if payment.status != PaymentStatus.PENDING:
        return False
    payment.status = PaymentStatus.REQUIRES_ACTION
    payment.stripe_payment_intent_id = payment_intent_id
    payment.save(update_fields=["status", "stripe_payment_intent_id"])
    return True


def payment_note_intent(*, payment: Payment, payment_intent_id: str) -> None:
    """Keep the PaymentIntent id of an attempt still processing at Stripe (its webhook settles it)."""
    if payment_intent_id and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
        payment.save(update_fields=["stripe_payment_intent_id"])


def payment_mark_failed(
    *,
    payment: Payment,
    code: str,
    detail: str = "",
    payment_intent_id: str = "",
    from_statuses=(PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION),
) -> bool:
    """Declined, unauthenticated or unanswered: nothing charged; True when this call moved the attempt."""
    if payment.status not in from_statuses:
        return False
    payment.status = PaymentStatus.FAILED
    payment.failure_code = (code or "card_declined")[:64]
    payment.failure_message = (detail or "")[:500]
    if payment_intent_id and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
    payment.save(update_fields=["status", "failure_code", "failure_message", "stripe_payment_intent_id"])
    return True


def payment_mark_unavailable(*, payment: Payment, detail: str = "") -> bool:
    """The service never answered this attempt: closed, so the document can be charged again."""
    return payment_mark_failed(
        payment=payment, code=UNAVAILABLE_CODE, detail=detail, from_statuses=(PaymentStatus.PENDING,)
    )


@transaction.atomic
def payment_settle_alone(*, payment_id: int, result: AttemptResult) -> None:
    """Record a settled PaymentIntent when no owner claims the payment (see billing.settlement)."""
    payment = payment_locked(payment_id)
    if result.status is AttemptStatus.SUCCEEDED:
        if payment.status != PaymentStatus.SUCCEEDED:
            payment_mark_succeeded(payment=payment, payment_intent_id=result.payment_intent_id)
    elif result.status is AttemptStatus.DECLINED:
        payment_mark_failed(
            payment=payment,
            code=result.failure_code,
            detail=result.failure_message,
            payment_intent_id=result.payment_intent_id,
        )
