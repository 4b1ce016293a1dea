"""Writes for service requests: filing, conversation, status transitions, assignment.

The allowed status transitions live in TRANSITIONS below and nowhere else; every status change goes
through ``request_change_status``. E-mails are enqueued with ``transaction.on_commit``.
"""

import logging
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.services import activity_record
from offers.models import LIVE_STATUSES, Subscription, TimelineKind
from offers.services import timeline_add
from partnerportal import page_cache

from ..emails import send_request_email
from ..models import (
    Attachment,
    ClockEventKind,
    ProblemType,
    RequestMessage,
    RequestStatus,
    ServiceRequest,
    StatusChange,
)
from ..validators import cancellation_reason_clean, validate_attachment
from .clock import clock_events_for_status_change, clock_first_response, clock_record

logger = logging.getLogger(__name__)

S = RequestStatus

# The one table of allowed status moves. Closed is final; a resolved request may be reopened.
TRANSITIONS = {
    S.OPEN: {S.IN_PROGRESS, S.WAITING_ON_PARTNER, S.RESOLVED, S.CLOSED},
    S.IN_PROGRESS: {S.OPEN, S.WAITING_ON_PARTNER, S.RESOLVED, S.CLOSED},
    S.WAITING_ON_PARTNER: {S.IN_PROGRESS, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.IN_PROGRESS, S.CLOSED},
    S.CLOSED: set(),
}

REFUND_PERMISSION = "support.process_refund"


class InvalidTransition(ValidationError):
    pass


def transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, set())


def check_transition(from_status: str, to_status: str) -> None:
    if not transition_allowed(from_status, to_status):
        raise InvalidTransition(
            _("A request cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(from_status).label, "to": S(to_status).label},
            code="invalid_transition",
        )


def request_email_on_commit(service_request_id: int, event: str, **extra) -> None:
    transaction.on_commit(lambda: send_request_email.delay(service_request_id, event, **extra))


def request_locked(service_request: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update().get(pk=service_request.pk)


def _attach(*, service_request, message, uploads, user) -> list[Attachment]:
    saved = []
    for upload in uploads:
        content_type = validate_attachment(upload)
        attachment = Attachment(
            request=service_request,
            message=message,
            original_name=os.path.basename(upload.name)[:200],
            size=upload.size,
            content_type=content_type,
            uploaded_by=user,
        )
        attachment.file.save(os.path.basename(upload.name), upload, save=False)
        attachment.full_clean()
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def request_file(
    *,
    user,
    problem_type: str,
    title: str,
    description: str,
    severity: str,
    subscription: Subscription | None = None,
    order=None,
    wants_cancellation: bool = False,
    cancellation_reason: str = "",
    cancellation_reason_other: str = "",
    uploads=(),
) -> ServiceRequest:
    """File a service request for the user's organisation; a named subscription gets a timeline entry.

    A cancellation is filed through ``cancellation_request_file``, which also records the refund quote.
    """
    organization = user.organization
    if subscription is not None and subscription.organization_id != organization.pk:
        raise ValidationError(_("That subscription does not belong to your organisation."))
    if order is not None and order.organization_id != organization.pk:
        raise ValidationError(_("That order does not belong to your organisation."))
    if wants_cancellation and problem_type != ProblemType.INVOICE_PAYMENT:
        # Cancellation is filed under the seed's invoice and payment type only.
        wants_cancellation = False
    if wants_cancellation and (subscription is None or subscription.status not in LIVE_STATUSES):
        raise ValidationError(_("Choose the live subscription you want cancelled."))
    cancellation_reason, cancellation_reason_other = cancellation_reason_clean(
        wants_cancellation=wants_cancellation, reason=cancellation_reason, other=cancellation_reason_other
    )
    service_request = ServiceRequest(
        organization=organization,
        requester=user,
        problem_type=problem_type,
        title=title,
        description=description,
        severity=severity,
        subscription=subscription,
        order=order,
        wants_cancellation=wants_cancellation,
        cancellation_reason=cancellation_reason,
        cancellation_reason_other=cancellation_reason_other,
        status=S.OPEN,
    )
    service_request.full_clean(exclude=["number"])
    service_request.save()
    service_request.number = f"SR-{service_request.pk:06d}"
    service_request.save(update_fields=["number"])
    StatusChange.objects.create(request=service_request, from_status="", to_status=S.OPEN, changed_by=user)
    # The clocks run from the filing, even outside business hours (they then count from the next opening).
    clock_record(
        service_request=service_request, kind=ClockEventKind.STARTED, actor=user, at=service_request.created_at
    )
    _attach(service_request=service_request, message=None, uploads=uploads, user=user)
    if subscription is not None:
        timeline_add(
            subscription=subscription,
            kind=TimelineKind.REQUEST_FILED,
            actor=user,
            data={"request": service_request.number, "title": title, "cancellation": wants_cancellation},
        )
    activity_record(
        actor=user,
        organization=organization,
        verb="service_request.filed",
        obj=service_request,
        data={"request": service_request.number, "title": title},
    )
    return service_request


@transaction.atomic
def message_add(
    *, service_request: ServiceRequest, author, body: str, is_internal: bool = False, uploads=(), notify: bool = True
) -> RequestMessage:
    """Add a reply or an internal note; a staff public reply e-mails the requester."""
    service_request = request_locked(service_request)
    from_staff = bool(author and author.is_staff)
    if is_internal and not from_staff:
        raise PermissionDenied(_("Only staff can write internal notes."))
    if not from_staff and service_request.status == S.CLOSED:
        raise ValidationError(_("This request is closed. File a new request if you still need help."))
    message = RequestMessage(request=service_request, author=author, body=body, is_internal=is_internal)
    message.full_clean()
    message.save()
    _attach(service_request=service_request, message=message, uploads=uploads, user=author)
    if not is_internal:  # internal notes stay out of the log the partner's admin can read
        activity_record(
            actor=author, organization=service_request.organization, verb="service_request.replied", obj=service_request
        )
    if from_staff and not is_internal:
        clock_first_response(service_request=service_request, actor=author, at=message.created_at)
    if from_staff and not is_internal and notify:
        request_email_on_commit(service_request.pk, "reply", message_id=message.pk)
    if not from_staff and service_request.status in (S.WAITING_ON_PARTNER, S.RESOLVED):
        # The partner answered (or came back to a resolved request): the ball is back with staff.
        request_change_status(service_request=service_request, to_status=S.IN_PROGRESS, actor=author, notify=False)
    else:
        ServiceRequest.objects.filter(pk=service_request.pk).update(updated_at=timezone.now())
        page_cache.organization_changed(service_request.organization_id)  # update() sends no post_save
    return message


@transaction.atomic
def request_change_status(
    *, service_request: ServiceRequest, to_status: str, actor, note: str = "", notify: bool = True
) -> ServiceRequest:
    """Move the request to another status if TRANSITIONS allows it; record it and tell the requester."""
    service_request = request_locked(service_request)
    from_status = service_request.status
    if from_status == to_status:
        return service_request
    check_transition(from_status, to_status)
    now = timezone.now()
    service_request.status = to_status
    if to_status == S.RESOLVED:
        service_request.resolved_at = now
    elif to_status == S.CLOSED:
        service_request.closed_at = now
    else:
        service_request.resolved_at = None
    service_request.save(update_fields=["status", "resolved_at", "closed_at", "updated_at"])
    change = StatusChange.objects.create(
        request=service_request, from_status=from_status, to_status=to_status, changed_by=actor, note=note[:500]
    )
    for kind in clock_events_for_status_change(from_status, to_status):
        clock_record(service_request=service_request, kind=kind, actor=actor, at=now)
    activity_record(
        actor=actor,
        organization=service_request.organization,
        verb="service_request.status_changed",
        obj=service_request,
        data={"from": from_status, "to": to_status},
    )
    if notify:
        request_email_on_commit(service_request.pk, "status", status_change_id=change.pk)
    return service_request


@transaction.atomic
def request_assign(*, service_request: ServiceRequest, assignee, actor) -> ServiceRequest:
    """Give the request to a staff member; an open request is then in progress."""
    if assignee is not None and not assignee.is_staff:
        raise ValidationError(_("Only staff can be assigned to a service request."))
    service_request = request_locked(service_request)
    service_request.assignee = assignee
    service_request.save(update_fields=["assignee", "updated_at"])
    activity_record(
        actor=actor,
        organization=service_request.organization,
        verb="service_request.assigned",
        obj=service_request,
        data={"assignee": str(assignee or "")},
    )
    if assignee is not None and service_request.status == S.OPEN:
        request_change_status(service_request=service_request, to_status=S.IN_PROGRESS, actor=actor)
        service_request.refresh_from_db()
    return service_request


@transaction.atomic
def request_change_severity(*, service_request: ServiceRequest, severity: str, actor) -> ServiceRequest:
    """Set the severity; its targets apply to the whole request, so the deadlines are recomputed."""
    service_request = request_locked(service_request)
    old = service_request.severity
    if old == severity:
        return service_request
    service_request.severity = severity
    service_request.full_clean(exclude=["number"])
    service_request.save(update_fields=["severity", "updated_at"])
    clock_record(
        service_request=service_request,
        kind=ClockEventKind.SEVERITY_CHANGED,
        actor=actor,
        data={"from": old, "to": severity},
    )
    return service_request
