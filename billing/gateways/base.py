"""The gateway interface (after Saleor): dataclass requests and results, two kinds of failure.

``PaymentDeclined`` is the customer's problem (declined card, failed authentication) and is
shown to them; ``GatewayError`` is ours (service unreachable, bad configuration): nothing was
charged as far as we know, and the action can be retried.
"""

import enum
from dataclasses import dataclass, field
from typing import Protocol


class GatewayError(Exception):
    """The payment service could not be reached or answered unexpectedly."""


class PaymentDeclined(Exception):
    """The card was refused; ``code`` is Stripe's decline or error code."""

    def __init__(self, message, code="", payment_intent_id=""):
        super().__init__(message)
        self.code = code
        self.payment_intent_id = payment_intent_id


class ChargeStatus(enum.Enum):
    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    PROCESSING = "processing"


@dataclass(frozen=True)
class CardDetails:
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    customer_id: str


@dataclass(frozen=True)
class SetupResult:
    setup_intent_id: str
    client_secret: str


@dataclass(frozen=True)
class ChargeRequest:
    customer_id: str
    payment_method_id: str
    amount: int
    currency: str
    idempotency_key: str
    off_session: bool = False
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeResult:
    payment_intent_id: str
    status: ChargeStatus
    client_secret: str = ""
    failure_code: str = ""
    failure_message: str = ""
    amount_received: int = 0


@dataclass(frozen=True)
class RefundRequest:
    payment_intent_id: str
    amount: int
    idempotency_key: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: str
    amount: int


class PaymentGateway(Protocol):
    def create_customer(self, *, name: str, email: str, organization_id: int) -> str: ...

    def setup(self, *, customer_id: str) -> SetupResult: ...

    def attach_card(self, *, customer_id: str, payment_method_id: str) -> CardDetails: ...

    def detach_card(self, *, payment_method_id: str) -> None: ...

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def retrieve(self, *, payment_intent_id: str) -> ChargeResult: ...

    def refund(self, request: RefundRequest) -> RefundResult: ...
