"""The gateway interface (after Saleor): dataclass requests and results, enum statuses, typed failures.

``PaymentDeclined`` is the customer's problem (declined card, failed authentication) and is
shown to them; ``GatewayError`` is ours (service unreachable, bad configuration): nothing was
charged as far as we know, and the action can be retried. ``WebhookSignatureInvalid`` is a
webhook that the payment service did not sign (or whose body is not an event).

Only the implementations (``stripe_gateway.py``) know the payment service's SDK; everything else
talks to ``PaymentGateway`` and reads these dataclasses.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class GatewayError(Exception):
    """The payment service could not be reached or answered unexpectedly."""


# The decline code of a charge on a customer or card the payment service does not know (Stripe 404
# ``resource_missing``): permanent, the partner has to add a new card; not an outage.
CARD_MISSING = "card_missing"


class PaymentDeclined(Exception):
    """The card was refused; ``code`` is Stripe's decline or error code (or CARD_MISSING)."""

    def __init__(self, message, code="", payment_intent_id=""):
        super().__init__(message)
        self.code = code
        self.payment_intent_id = payment_intent_id


class WebhookSignatureInvalid(Exception):
    """A webhook whose signature does not verify, or whose body is not an event: refuse it."""


class ChargeStatus(enum.Enum):
    """Where a PaymentIntent stands (anything that is neither paid nor on its way counts as failed)."""

    SUCCEEDED = "succeeded"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    PROCESSING = "processing"


class ChargeRecordStatus(enum.Enum):
    """A charge as the payment service lists it (one PaymentIntent may have several charges)."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


class RefundOutcome(enum.Enum):
    """A refund at the payment service. PENDING means accepted and on its way to the card."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def refused(self) -> bool:
        """No money goes back: the service refused the refund or it was cancelled."""
        return self in (RefundOutcome.FAILED, RefundOutcome.CANCELED)


@dataclass(frozen=True)
class CardDetails:
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    customer_id: str
    # Stripe's fingerprint of the card number (localstripe gives one too); "" when the service has none.
    fingerprint: str = ""


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
    status: RefundOutcome
    amount: int


@dataclass(frozen=True)
class ChargeRecord:
    """One charge as listed for reconciliation; ``currency`` is upper case, like ours."""

    charge_id: str
    payment_intent_id: str  # "" for a charge made without a PaymentIntent
    amount: int
    currency: str
    status: ChargeRecordStatus
    created: datetime
    refunded: bool = False  # refunded in full
    amount_refunded: int = 0
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundRecord:
    """One refund as listed for reconciliation; ``currency`` is upper case, like ours."""

    refund_id: str
    payment_intent_id: str  # may be "" when the service names only the charge
    charge_id: str
    amount: int
    currency: str
    status: RefundOutcome
    created: datetime


class PaymentGateway(Protocol):
    """Everything the project asks of the payment service.

    Every method raises ``GatewayError`` when the service cannot be reached or answers
    unexpectedly; the ones that move money or attach cards also raise ``PaymentDeclined``.

    - ``create_customer``: the customer record an organisation's cards and payments hang on;
      idempotent per organisation.
    - ``setup``: a SetupIntent whose client secret lets the browser save a card.
    - ``attach_card``: checks the browser's new card belongs to the customer (attaching it when
      needed) and returns its brand, last four digits and expiry.
    - ``detach_card``: removes a card from the customer.
    - ``charge``: creates and confirms a PaymentIntent (on or off session), once per idempotency key.
    - ``retrieve``: the PaymentIntent's state now, e.g. after the browser's 3-D Secure step.
    - ``find_intent``: the PaymentIntent of a customer whose metadata holds all the given
      key/values (compared as strings), or None: how an attempt whose answer was lost is found.
    - ``cancel``: cancels a PaymentIntent nobody will confirm any more.
    - ``refund``: refunds part or all of a PaymentIntent, once per idempotency key.
    - ``list_charges`` / ``list_refunds``: every charge and refund, all pages, for reconciliation.
    - ``parse_webhook``: verifies a webhook's signature and returns the event as a plain dict;
      raises ``WebhookSignatureInvalid`` when it does not verify.
    - ``ping``: raises ``GatewayError`` unless the service answers (the demo data checks first).
    - ``customer_exists``: whether the service still knows a customer (a restarted test service
      forgets everything).

    Cards are made by the browser; making one on the server from a test number is a test-mode
    helper outside this interface (``billing.gateways.testmode``).
    """

    def create_customer(self, *, name: str, email: str, organization_id: int) -> str: ...

    def setup(self, *, customer_id: str) -> SetupResult: ...

    def attach_card(self, *, customer_id: str, payment_method_id: str) -> CardDetails: ...

    def detach_card(self, *, payment_method_id: str) -> None: ...

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def retrieve(self, *, payment_intent_id: str) -> ChargeResult: ...

    def find_intent(self, *, customer_id: str, metadata: dict) -> ChargeResult | None: ...

    def cancel(self, *, payment_intent_id: str) -> None: ...

    def refund(self, request: RefundRequest) -> RefundResult: ...

    def list_charges(self, *, page_size: int = 100) -> list[ChargeRecord]: ...

    def list_refunds(self, *, page_size: int = 100) -> list[RefundRecord]: ...

    def parse_webhook(self, *, payload: bytes, signature: str) -> dict: ...

    def ping(self) -> None: ...

    def customer_exists(self, *, customer_id: str) -> bool: ...
