"""Billing's models, one module per job, re-exported here.

``payments``: saved cards, payments, refunds, received Stripe events; ``profile``: the
organisation's billing profile; ``tax``: VAT rates by country and day; ``documents``: invoices and
credit notes with their numbering.
"""

from .documents import CreditNote, DocumentCounter, DocumentSeries, Invoice
from .payments import Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus, WebhookEvent
from .profile import BillingProfile
from .tax import TaxRate, TaxReason

__all__ = [
    "BillingProfile",
    "CreditNote",
    "DocumentCounter",
    "DocumentSeries",
    "Invoice",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "TaxRate",
    "TaxReason",
    "WebhookEvent",
]
