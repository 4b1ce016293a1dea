"""Writes of billing, one module per job, re-exported here.

``payment_methods``: the Stripe customer and saved cards; ``payments``: charge attempts and their
outcomes; ``settlement``: the hook that tells a payment's owner it settled; ``webhooks``: Stripe
events; ``profile``: the billing profile; ``documents``: invoices and credit notes. Refunds are in ``billing.refunds``.
"""

from .common import UNAVAILABLE_CODE, decline_message, require_any, unavailable_message
from .documents import InvoiceLine, credit_note_issue, document_number_next, invoice_issue
from .payment_methods import (
    customer_ensure,
    payment_method_add,
    payment_method_remove,
    payment_method_set_default,
    payment_method_setup_start,
)
from .payments import (
    AttemptResult,
    AttemptStatus,
    attempt_result,
    payment_attempt_open,
    payment_attempt_send,
    payment_intent_cancel,
    payment_intent_find,
    payment_intent_read,
    payment_is_latest,
    payment_last,
    payment_last_with_intent,
    payment_locked,
    payment_mark_duplicate,
    payment_mark_failed,
    payment_mark_requires_action,
    payment_mark_succeeded,
    payment_mark_unavailable,
    payment_note_intent,
    payment_pending,
    payment_reference,
    payment_settle_alone,
)
from .profile import billing_currency_set, billing_profile_save
from .settlement import Settlement, announce, register_handler
from .webhooks import webhook_event_process, webhook_event_record

__all__ = [
    "UNAVAILABLE_CODE",
    "AttemptResult",
    "AttemptStatus",
    "InvoiceLine",
    "Settlement",
    "announce",
    "attempt_result",
    "billing_currency_set",
    "billing_profile_save",
    "credit_note_issue",
    "customer_ensure",
    "decline_message",
    "document_number_next",
    "invoice_issue",
    "payment_attempt_open",
    "payment_attempt_send",
    "payment_intent_cancel",
    "payment_intent_find",
    "payment_intent_read",
    "payment_is_latest",
    "payment_last",
    "payment_last_with_intent",
    "payment_locked",
    "payment_mark_duplicate",
    "payment_mark_failed",
    "payment_mark_requires_action",
    "payment_mark_succeeded",
    "payment_mark_unavailable",
    "payment_method_add",
    "payment_method_remove",
    "payment_method_set_default",
    "payment_method_setup_start",
    "payment_note_intent",
    "payment_pending",
    "payment_reference",
    "payment_settle_alone",
    "register_handler",
    "require_any",
    "unavailable_message",
    "webhook_event_process",
    "webhook_event_record",
]
