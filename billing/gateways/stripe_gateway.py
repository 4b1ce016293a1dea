"""Stripe implementation of the payment gateway; in dev and tests it talks to localstripe."""

import logging

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from .base import (
    CardDetails,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentDeclined,
    RefundRequest,
    RefundResult,
    SetupResult,
)

logger = logging.getLogger(__name__)

_STATUS = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
    "requires_source_action": ChargeStatus.REQUIRES_ACTION,
    "processing": ChargeStatus.PROCESSING,
}


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
        try:
            return fn(*args, **kwargs)
        except stripe.CardError as exc:
            err = exc.error
            intent = getattr(err, "payment_intent", None) or {}
            raise PaymentDeclined(
                exc.user_message or _("Your card was declined."),
                code=(getattr(err, "decline_code", None) or exc.code or "card_declined"),
                payment_intent_id=intent.get("id", "") if hasattr(intent, "get") else "",
            ) from exc
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
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
            pm = self._call(
                self.client.v1.payment_methods.attach, payment_method_id, params={"customer": customer_id}
            )
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
        intent = self._call(
            self.client.v1.payment_intents.create, params=params, options={"idempotency_key": request.idempotency_key}
        )
        return self._result(intent)

    def retrieve(self, *, payment_intent_id):
        return self._result(self._call(self.client.v1.payment_intents.retrieve, payment_intent_id))

    def refund(self, request: RefundRequest) -> RefundResult:
        refund = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": request.payment_intent_id, "amount": request.amount},
            options={"idempotency_key": request.idempotency_key},
        )
        return RefundResult(refund_id=refund.id, status=refund.status, amount=refund.amount)

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
