"""Stripe events: stored once, then applied (dj-stripe's habit); a redelivery changes nothing."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Payment, WebhookEvent
from .payments import AttemptResult, AttemptStatus
from .settlement import Settlement, announce

logger = logging.getLogger(__name__)


def _payment_for_intent(intent: dict) -> Payment | None:
    payment = Payment.objects.filter(stripe_payment_intent_id=intent.get("id")).first()
    if payment is None:
        # The webhook can overtake the browser's request that stores the PaymentIntent id.
        # Ids alone could match another database's rows (a restored copy, a test run): the random
        # reference (an order number) must match too.
        metadata = intent.get("metadata") or {}
        payment_id = metadata.get("payment_id")
        if payment_id and str(payment_id).isdigit():
            payment = Payment.objects.filter(
                pk=int(payment_id), reference=metadata.get("reference", ""), stripe_payment_intent_id=None
            ).first()
    if payment is not None and intent.get("amount") not in (None, payment.amount):
        logger.error("PaymentIntent %s amount differs from payment %s", intent.get("id"), payment.pk)
        return None
    return payment


def webhook_event_record(*, event_id: str, event_type: str, payload: dict):
    """Store an event once; returns (event, created). A redelivery finds the row and does nothing."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(stripe_event_id=event_id, type=event_type, payload=payload), True
    except IntegrityError:
        return WebhookEvent.objects.get(stripe_event_id=event_id), False


def _settled_result(event_type: str, intent: dict) -> AttemptResult | None:
    if event_type == "payment_intent.succeeded":
        return AttemptResult(AttemptStatus.SUCCEEDED, payment_intent_id=intent.get("id", ""))
    if event_type == "payment_intent.payment_failed":
        last_error = intent.get("last_payment_error") or {}
        return AttemptResult(
            AttemptStatus.DECLINED,
            payment_intent_id=intent.get("id", ""),
            failure_code=last_error.get("decline_code") or last_error.get("code") or "card_declined",
            failure_message=last_error.get("message") or "",
        )
    return None


def webhook_event_process(*, event: WebhookEvent) -> bool:
    """Apply a stored event once: True when this call applied it, False when it had been already.

    The event's row is locked and read again for the whole application: a second delivery of the same
    event that arrives while the first is being applied (Stripe retries a slow answer) waits for it,
    then finds the event processed instead of applying it again. A failure rolls the whole application
    back, so the next delivery applies it from the start.
    """
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event.pk)
        if event.processed_at is not None:
            return False
        intent = (event.payload.get("data") or {}).get("object") or {}
        error = ""
        result = _settled_result(event.type, intent)
        if result is not None:
            payment = _payment_for_intent(intent)
            if payment is None:
                error = "no payment for this PaymentIntent"
            else:
                announce(Settlement(payment_id=payment.pk, reference=payment.reference, result=result))
        event.processed_at = timezone.now()
        event.error = error
        event.save(update_fields=["processed_at", "error"])
    return True
