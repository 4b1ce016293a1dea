"""Writes of support, re-exported here: ``requests`` (filing, conversation, status, assignment) and
``cancellation`` (R11: the quote staff see, and processing their decision), ``clock`` (R22: the
service-level clocks' events, stored deadlines and breach warnings)."""

from .cancellation import (
    CancellationError,
    CancellationQuote,
    benefits_activated,
    cancellation_process,
    cancellation_quote,
    last_term_payment,
    prorated_amount,
)
from .clock import (
    clock_events_for_status_change,
    clock_first_response,
    clock_record,
    sla_recompute,
    sla_warn,
    sla_warnings_send,
)
from .requests import (
    REFUND_PERMISSION,
    TRANSITIONS,
    InvalidTransition,
    S,
    check_transition,
    message_add,
    request_assign,
    request_change_severity,
    request_change_status,
    request_email_on_commit,
    request_file,
    request_locked,
    transition_allowed,
)

__all__ = [
    "CancellationError",
    "CancellationQuote",
    "InvalidTransition",
    "REFUND_PERMISSION",
    "S",
    "TRANSITIONS",
    "benefits_activated",
    "cancellation_process",
    "cancellation_quote",
    "check_transition",
    "clock_events_for_status_change",
    "clock_first_response",
    "clock_record",
    "last_term_payment",
    "message_add",
    "prorated_amount",
    "request_assign",
    "request_change_severity",
    "request_change_status",
    "request_email_on_commit",
    "request_file",
    "request_locked",
    "sla_recompute",
    "sla_warn",
    "sla_warnings_send",
    "transition_allowed",
]
