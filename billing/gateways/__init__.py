"""The payment gateway behind an interface; ``get_gateway()`` returns the configured one."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (  # noqa: F401
    CARD_MISSING,
    CardDetails,
    ChargeRecord,
    ChargeRecordStatus,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentDeclined,
    PaymentGateway,
    RefundOutcome,
    RefundRecord,
    RefundRequest,
    RefundResult,
    SetupResult,
    WebhookSignatureInvalid,
)


def get_gateway() -> "PaymentGateway":
    return import_string(settings.PAYMENT_GATEWAY)()
