"""Writes of the service-level clocks (R22): clock events, the deadlines stored from them, warnings.

Every clock event is a row (``ClockEvent``); the deadlines on the request are recomputed from all
of its events by ``support.sla`` each time one is written, and from nothing else. The 80 % warning
is a ``WARNING_SENT`` event, unique per (request, target), written under the request's row lock
in the transaction that enqueues its e-mail: a second run, concurrent or not, finds it and sends
nothing.
"""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import sla
from ..emails import sla_warning_email
from ..models import ClockEvent, ClockEventKind, RequestStatus, ServiceRequest
from ..selectors import sla_warning_recipients

logger = logging.getLogger(__name__)

S = RequestStatus
K = ClockEventKind


def clock_events_for_status_change(from_status: str, to_status: str) -> list[str]:
    """The clock events a status move means: waiting on the partner pauses, leaving it resumes, ..."""
    if from_status == to_status:
        return []
    if to_status == S.WAITING_ON_PARTNER:
        return [K.PAUSED]
    if to_status in (S.RESOLVED, S.CLOSED):
        # Closing a resolved request changes nothing: its clocks already stopped.
        return [] if from_status == S.RESOLVED else [K.RESOLVED]
    if from_status == S.RESOLVED:
        return [K.REOPENED]
    if from_status == S.WAITING_ON_PARTNER:
        return [K.RESUMED]
    return []


def _deadlines(service_request: ServiceRequest, events) -> dict:
    """The request's stored deadlines, as a pure function of its events and severity."""
    figures = sla.clocks(
        events,
        budgets=sla.budgets_for(service_request.severity),
        # Deadlines do not depend on now (support.sla.clocks); any instant after the events will do.
        now=max((event.at for event in events), default=timezone.now()),
        calendar=sla.calendar_from_settings(),
        warn_share=settings.SLA_WARNING_SHARE,
    )
    warned = {event.target for event in events if event.kind == K.WARNING_SENT}
    due = {target: clock.due_at for target, clock in figures.items()}
    warn = [clock.warn_at for target, clock in figures.items() if clock.warn_at and target not in warned]
    return {
        "first_response_due_at": due[sla.TARGET_FIRST_RESPONSE],
        "resolution_due_at": due[sla.TARGET_RESOLUTION],
        "sla_due_at": min((value for value in due.values() if value), default=None),
        "sla_warn_at": min(warn, default=None),
    }


def sla_recompute(*, service_request: ServiceRequest) -> ServiceRequest:
    """Store the deadlines the request's events give; the caller holds the request's row lock."""
    values = _deadlines(service_request, list(ClockEvent.objects.filter(request=service_request)))
    # update(), not save(): partner pages show no deadline, so the organisation's pages stay cached.
    ServiceRequest.objects.filter(pk=service_request.pk).update(**values)
    for name, value in values.items():
        setattr(service_request, name, value)
    return service_request


@transaction.atomic
def clock_record(
    *, service_request: ServiceRequest, kind: str, actor=None, at=None, target: str = "", data: dict | None = None
) -> ClockEvent:
    """Write one clock event on the request's history and recompute its deadlines (caller locks the row)."""
    event = ClockEvent(
        request=service_request, kind=kind, actor=actor, at=at or timezone.now(), target=target, data=data or {}
    )
    event.full_clean(exclude=["request"], validate_constraints=False)
    event.save()
    sla_recompute(service_request=service_request)
    return event


def clock_first_response(*, service_request: ServiceRequest, actor, at) -> ClockEvent | None:
    """Stop the first-response clock at the first public staff reply; later replies change nothing."""
    if ClockEvent.objects.filter(request=service_request, kind=K.FIRST_RESPONSE).exists():
        return None
    return clock_record(service_request=service_request, kind=K.FIRST_RESPONSE, actor=actor, at=at)


def sla_warnings_send(*, now=None, limit: int = 500) -> int:
    """Warn about every request past the warning share of a running target; returns the warnings written.

    The scan reads the indexed ``sla_warn_at``; each request is then decided under its row lock.
    """
    now = now or timezone.now()
    due = ServiceRequest.objects.filter(sla_warn_at__lte=now).order_by("sla_warn_at", "pk")
    sent = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        sent += sla_warn(service_request_id=pk, now=now)
    return sent


@transaction.atomic
def sla_warn(*, service_request_id: int, now) -> int:
    """Write the warnings owed on one request (at most one per target, ever) and enqueue their e-mails."""
    # The request's row only: PostgreSQL cannot lock the nullable side of the join to the assignee.
    service_request = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .filter(pk=service_request_id)
        .first()
    )
    if service_request is None:
        return 0
    events = list(ClockEvent.objects.filter(request=service_request))
    warned = {event.target for event in events if event.kind == K.WARNING_SENT}
    figures = sla.clocks(
        events,
        budgets=sla.budgets_for(service_request.severity),
        now=now,
        calendar=sla.calendar_from_settings(),
        warn_share=settings.SLA_WARNING_SHARE,
    )
    written = 0
    for target, clock in figures.items():
        if clock.state != sla.RUNNING or target in warned or clock.warn_at > now:
            continue
        recipients = sla_warning_recipients(service_request=service_request)
        event = ClockEvent(
            request=service_request,
            kind=K.WARNING_SENT,
            target=target,
            at=now,
            data={
                "recipients": [user.pk for user in recipients],
                "to_assignee": service_request.assignee_id is not None,
                "due_at": clock.due_at.isoformat(),
            },
        )
        try:
            # A savepoint: a warning another run wrote meanwhile leaves this transaction usable.
            with transaction.atomic():
                event.save()
        except IntegrityError:
            logger.info("Breach warning for %s (%s) already written", service_request.number, target)
            continue
        events.append(event)
        written += 1
        transaction.on_commit(lambda event_id=event.pk: sla_warning_email.delay(event_id))
    ServiceRequest.objects.filter(pk=service_request.pk).update(**_deadlines(service_request, events))
    return written
