"""Stripe implementation of the payment gateway; in dev and tests it talks to localstripe."""

import json
import logging
import random
import time
from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from .base import (
    CARD_MISSING,
    CardDetails,
    ChargeRecord,
    ChargeRecordStatus,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentDeclined,
    RefundOutcome,
    RefundRecord,
    RefundRequest,
    RefundResult,
    SetupResult,
    WebhookSignatureInvalid,
)

logger = logging.getLogger(__name__)

_STATUS = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
    "requires_source_action": ChargeStatus.REQUIRES_ACTION,
    "processing": ChargeStatus.PROCESSING,
}

# Stripe's refund statuses; an unknown one is taken as accepted and on its way, as "pending" is.
_REFUND_STATUS = {status.value: status for status in RefundOutcome}
_CHARGE_RECORD_STATUS = {status.value: status for status in ChargeRecordStatus}


# time.sleep, named here so that tests can count the waits instead of waiting.
_sleep = time.sleep


class _Retryable(Exception):
    """Stripe answered 429 (rate limit) or 5xx: nothing was done that a resend could repeat."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


def retry_delay(retry: int) -> float:
    """Seconds to wait before retry number ``retry`` (0 for the first): exponential, capped, jittered.

    Stripe asks for exponential backoff on 429s. The jitter (half to all of the step) keeps the
    workers that were refused together from coming back together; its lower half keeps a retry
    from arriving at once, when the limit is surely still reached.
    """
    step = min(settings.STRIPE_RETRY_MAX_DELAY_SECONDS, settings.STRIPE_RETRY_BASE_SECONDS * 2**retry)
    return step * random.uniform(0.5, 1.0)


class StripeGateway:
    def __init__(self):
        self.client = stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            base_addresses={"api": settings.STRIPE_API_BASE},
            # Retries are ours to decide (with idempotency keys), not the SDK's.
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        )

    def _call(self, fn, *args, **kwargs):
        """Call the SDK, retrying a 429 or a 5xx within bounds; translate what is left into our exceptions.

        Retried here rather than by a Celery retry of the task: a retry inside the call sends the
        very same request, so the same idempotency key, while the attempt it belongs to is still
        open, and it works for every caller (a Buy in the wizard as well as a renewal task). Stripe
        did not act on a request it answered 429 to, and a 5xx of a keyed request is replayed by
        its idempotency layer, so resending either cannot charge twice. Connection failures are
        not retried here: whether Stripe saw the request is unknown, and the charging service
        settles those by looking the attempt up at Stripe.
        """
        retry = 0
        while True:
            try:
                return self._translated(fn, *args, **kwargs)
            except _Retryable as exc:
                if retry >= settings.STRIPE_RETRIES:
                    logger.warning("Stripe still answers %s after %d retries: giving up", exc.status, retry)
                    raise GatewayError(str(exc.__cause__)) from exc.__cause__
                delay = retry_delay(retry)
                logger.info("Stripe answered %s; retry %d in %.2f s", exc.status, retry + 1, delay)
                _sleep(delay)
                retry += 1

    def _translated(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.RateLimitError as exc:
            raise _Retryable(429) from exc
        except stripe.APIError as exc:
            if (exc.http_status or 0) >= 500:
                raise _Retryable(exc.http_status) from exc
            logger.error("Stripe error: %s", exc)
            raise GatewayError(str(exc)) from exc
        except stripe.CardError as exc:
            err = exc.error
            intent = getattr(err, "payment_intent", None) or {}
            raise PaymentDeclined(
                exc.user_message or _("Your card was declined."),
                code=(getattr(err, "decline_code", None) or exc.code or "card_declined"),
                payment_intent_id=intent.get("id", "") if hasattr(intent, "get") else "",
            ) from exc
        except stripe.APIConnectionError as exc:
            logger.warning("Stripe unreachable: %s", exc)
            raise GatewayError(str(exc)) from exc
        except stripe.StripeError as exc:
            logger.error("Stripe error: %s", exc)
            raise GatewayError(str(exc)) from exc

    def create_customer(self, *, name, email, organization_id):
        customer = self._call(
            self.client.v1.customers.create,
            params={"name": name, "email": email, "metadata": {"organization_id": str(organization_id)}},
            options={"idempotency_key": f"org-{organization_id}-customer"},
        )
        return customer.id

    def setup(self, *, customer_id):
        intent = self._call(
            self.client.v1.setup_intents.create,
            params={"customer": customer_id, "payment_method_types": ["card"], "usage": "off_session"},
        )
        return SetupResult(setup_intent_id=intent.id, client_secret=intent.client_secret)

    def attach_card(self, *, customer_id, payment_method_id):
        pm = self._call(self.client.v1.payment_methods.retrieve, payment_method_id)
        # localstripe's SetupIntent confirmation leaves the card unattached; Stripe attaches it.
        if not pm.customer:
            pm = self._call(self.client.v1.payment_methods.attach, payment_method_id, params={"customer": customer_id})
        owner = pm.customer if isinstance(pm.customer, str) else getattr(pm.customer, "id", None)
        if owner != customer_id:
            raise PaymentDeclined(_("This card belongs to another customer."), code="customer_mismatch")
        card = pm.card
        return CardDetails(
            payment_method_id=pm.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=int(card.exp_month),
            exp_year=int(card.exp_year),
            customer_id=customer_id,
            fingerprint=getattr(card, "fingerprint", None) or "",
        )

    def detach_card(self, *, payment_method_id):
        self._call(self.client.v1.payment_methods.detach, payment_method_id)

    def charge(self, request: ChargeRequest) -> ChargeResult:
        params = {
            "customer": request.customer_id,
            "payment_method": request.payment_method_id,
            "amount": request.amount,
            "currency": request.currency.lower(),
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": {key: str(value) for key, value in request.metadata.items()},
        }
        if request.off_session:
            params["off_session"] = True

        def create():
            try:
                return self.client.v1.payment_intents.create(
                    params=params, options={"idempotency_key": request.idempotency_key}
                )
            except stripe.InvalidRequestError as exc:
                # Stripe does not know the customer or the card (Stripe: 400 resource_missing, "No such
                # customer/PaymentMethod"; localstripe: 404): nothing was charged and a retry cannot
                # succeed, so it is the partner's to fix with a new card, not an outage to wait out.
                if exc.code == "resource_missing" or exc.http_status == 404:
                    raise PaymentDeclined(
                        _("The card on file can no longer be charged. Add a new one."), code=CARD_MISSING
                    ) from exc
                raise

        return self._result(self._call(create))

    def retrieve(self, *, payment_intent_id):
        return self._result(self._call(self.client.v1.payment_intents.retrieve, payment_intent_id))

    def find_intent(self, *, customer_id, metadata):
        wanted = {key: str(value) for key, value in metadata.items()}
        try:
            intents = self._list_all(
                self.client.v1.payment_intents.list, params={"customer": customer_id}, page_size=100
            )
        except GatewayError:
            # localstripe does not filter lists: read them all (the metadata still has to match).
            intents = self._list_all(self.client.v1.payment_intents.list, page_size=100)
        for intent in intents:
            data = intent.to_dict()
            found = data.get("metadata") or {}
            if _object_id(data.get("customer")) == customer_id and all(
                str(found.get(key, "")) == value for key, value in wanted.items()
            ):
                return self._result(intent)
        return None

    def cancel(self, *, payment_intent_id):
        self._call(self.client.v1.payment_intents.cancel, payment_intent_id)

    def refund(self, request: RefundRequest) -> RefundResult:
        refund = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": request.payment_intent_id, "amount": request.amount},
            options={"idempotency_key": request.idempotency_key},
        )
        return RefundResult(refund_id=refund.id, status=_refund_status(refund.status), amount=refund.amount)

    def list_charges(self, *, page_size=100):
        charges = self._list_all(self.client.v1.charges.list, page_size=page_size)
        return [_charge_record(charge.to_dict()) for charge in charges]

    def list_refunds(self, *, page_size=100):
        refunds = self._list_all(self.client.v1.refunds.list, page_size=page_size)
        return [_refund_record(refund.to_dict()) for refund in refunds]

    def parse_webhook(self, *, payload, signature):
        try:
            stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise WebhookSignatureInvalid(str(exc)) from exc
        return json.loads(payload)  # the verified body, as plain JSON (for a JSONField)

    def ping(self):
        self._call(self.client.v1.customers.list, params={"limit": 1})

    def customer_exists(self, *, customer_id):
        def retrieve():
            try:
                return self.client.v1.customers.retrieve(customer_id)
            except stripe.InvalidRequestError as exc:
                if exc.http_status == 404:  # Stripe: "No such customer"; localstripe: "Not Found"
                    return None
                raise

        customer = self._call(retrieve)
        return customer is not None and not getattr(customer, "deleted", False)

    def _list_all(self, list_method, *, page_size, params=None):
        """Every object of a list endpoint, all pages read inside ``_call`` (the SDK follows starting_after)."""

        def read():
            return list(list_method(params={**(params or {}), "limit": page_size}).auto_paging_iter())

        return self._call(read)

    @staticmethod
    def _result(intent):
        status = _STATUS.get(intent.status, ChargeStatus.FAILED)
        error = getattr(intent, "last_payment_error", None)
        return ChargeResult(
            payment_intent_id=intent.id,
            status=status,
            client_secret=intent.client_secret or "",
            failure_code=(getattr(error, "decline_code", None) or getattr(error, "code", None) or "") if error else "",
            failure_message=(getattr(error, "message", None) or "") if error else "",
            amount_received=getattr(intent, "amount_received", 0) or 0,
        )


def _refund_status(value):
    return _REFUND_STATUS.get(value or "", RefundOutcome.PENDING)


def _object_id(value):
    """An id from a field that may come expanded (localstripe expands some) or as a bare id."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _created(value):
    return datetime.fromtimestamp(value or 0, tz=UTC)


def _charge_record(charge: dict) -> ChargeRecord:
    return ChargeRecord(
        charge_id=charge["id"],
        payment_intent_id=_object_id(charge.get("payment_intent")),
        amount=charge.get("amount") or 0,
        currency=(charge.get("currency") or "").upper(),
        # Stripe's charge statuses are these three; anything else has not moved money.
        status=_CHARGE_RECORD_STATUS.get(charge.get("status") or "", ChargeRecordStatus.FAILED),
        created=_created(charge.get("created")),
        refunded=bool(charge.get("refunded")),
        amount_refunded=charge.get("amount_refunded") or 0,
        metadata=dict(charge.get("metadata") or {}),
    )


def _refund_record(refund: dict) -> RefundRecord:
    return RefundRecord(
        refund_id=refund["id"],
        payment_intent_id=_object_id(refund.get("payment_intent")),
        charge_id=_object_id(refund.get("charge")),
        amount=refund.get("amount") or 0,
        currency=(refund.get("currency") or "").upper(),
        status=_refund_status(refund.get("status")),
        created=_created(refund.get("created")),
    )
