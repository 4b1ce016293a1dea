"""The one hook through which billing tells the owner of a payment that it settled.

Billing sits below offers and never imports it. Yet a payment can settle outside the request that
started it: Stripe's ``payment_intent.succeeded`` webhook can arrive before (or instead of) the
browser's answer, a 3-D Secure confirmation finishes later, an interrupted attempt is found charged
at Stripe. Whoever owns the paid document (offers, for an order) must then mark it paid and deliver
what was bought, exactly once.

So the owner registers one handler, from its ``AppConfig.ready()``::

    billing.services.settlement.register_handler(order_payment_settled)

and billing calls ``settlement.announce(Settlement(...))`` whenever it learns of a settled payment.
The handler locks its document, records the payment through ``billing.services`` and finishes the
document; it must be idempotent, since Stripe may deliver the same news twice and the browser may
bring it too. Without a handler (a payment nobody claims), billing records the payment alone.
This is the plugin-manager habit of Saleor and django-oscar's ``order_placed`` signal, made explicit.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .payments import AttemptResult, payment_settle_alone


@dataclass(frozen=True)
class Settlement:
    """A PaymentIntent settled (``result.status`` is SUCCEEDED or DECLINED) for a recorded attempt."""

    payment_id: int
    reference: str
    result: AttemptResult


_handler: Callable[[Settlement], object] | None = None


def register_handler(handler: Callable[[Settlement], object]) -> None:
    """Make ``handler`` the owner of settled payments; one owner, registered once at start-up."""
    global _handler
    _handler = handler


def announce(settlement: Settlement) -> object:
    """Hand a settled payment to its owner (or record it alone); returns the owner's answer."""
    if _handler is None:
        return payment_settle_alone(payment_id=settlement.payment_id, result=settlement.result)
    return _handler(settlement)
