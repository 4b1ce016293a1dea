"""Support's models, one module per concern, re-exported here (``support.models.X`` as before).

``requests``: service requests, their conversation, attachments and status history; ``clock``: the
service-level clock events (R22); ``canned``: canned replies; ``decisions``: cancellation decisions
and the staff approvals a refund needs (R11, R23).
"""

from .canned import CannedReply
from .clock import ClockEvent, ClockEventKind, SlaTarget
from .decisions import CancellationDecision, DecisionStatus, RefundApproval, RefundKind
from .requests import (
    Attachment,
    CancellationReason,
    ProblemType,
    QuoteKind,
    RequestMessage,
    RequestStatus,
    ServiceRequest,
    Severity,
    StatusChange,
    attachment_upload_to,
)

__all__ = [
    "Attachment",
    "CancellationDecision",
    "CancellationReason",
    "CannedReply",
    "ClockEvent",
    "ClockEventKind",
    "DecisionStatus",
    "ProblemType",
    "QuoteKind",
    "RefundApproval",
    "RefundKind",
    "RequestMessage",
    "RequestStatus",
    "ServiceRequest",
    "Severity",
    "SlaTarget",
    "StatusChange",
    "attachment_upload_to",
]
