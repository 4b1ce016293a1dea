"""Reads for service requests; partner reads are always scoped to the user's organisation (R12)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from membership.models import User
from offers.models import LIVE_STATUSES, Order, OrderStatus, Subscription
from partnerportal.i18n import choice_labels
from partnerportal.paging import paged
from partnerportal.sql import dict_rows

from . import sla
from .models import (
    Attachment,
    CannedReply,
    ClockEvent,
    ProblemType,
    RequestMessage,
    RequestStatus,
    ServiceRequest,
    Severity,
)

# Service requests > Partner Center requests shows this many requests a page.
REQUESTS_PER_PAGE = 25


# The list's columns (the model's); its query is SQL because, built by the ORM, it cost five times
# the query itself (the compiler runs on every request).
_REQUEST_COLUMNS = ("id", "number", "title", "problem_type", "severity", "status", "created_at")


@dataclass(frozen=True, slots=True)
class RequestRow:
    """A request as the list shows it: read-only, with its labels in the reader's language."""

    pk: int
    number: str
    title: str
    created_at: datetime.datetime
    problem_type_label: str
    severity_label: str
    status_label: str


def request_list_page(*, organization, status: str | None, page_number):
    """One page of the organisation's requests, newest first: one query whatever their number.

    The list shows a few columns, so only those are read, with no join, and the number of requests
    comes beside them (partnerportal.paging). Each row gets its labels here (partnerportal.i18n:
    get_FOO_display builds a dict of the choices on every call, three times a row).
    """
    meta = ServiceRequest._meta
    columns = ", ".join(meta.get_field(name).column for name in _REQUEST_COLUMNS)
    where, params = "organization_id = %s", [organization.pk]
    if status in RequestStatus.values:
        where, params = where + " AND status = %s", params + [status]
    sql = (
        "SELECT %s, (SELECT COUNT(*) FROM %s WHERE %s) AS paging_total FROM %s WHERE %s "
        "ORDER BY created_at DESC, id DESC LIMIT %%s OFFSET %%s" % (columns, meta.db_table, where, meta.db_table, where)
    )

    def fetch(offset, limit):
        return dict_rows(sql, params + params + [limit, offset], [meta.get_field("created_at")])

    page = paged(fetch, page_number, REQUESTS_PER_PAGE)
    # Translated once per language in a process: a lazy label translates again on every str().
    problem_types, severities, statuses = (choice_labels(choices) for choices in (ProblemType, Severity, RequestStatus))
    page.object_list = [
        RequestRow(
            pk=row["id"],
            number=row["number"],
            title=row["title"],
            created_at=row["created_at"],
            problem_type_label=problem_types.get(row["problem_type"], row["problem_type"]),
            severity_label=severities.get(row["severity"], row["severity"]),
            status_label=statuses.get(row["status"], row["status"]),
        )
        for row in page.object_list
    ]
    return page


def request_for_partner(*, user, pk) -> ServiceRequest:
    """The request if it belongs to the user's organisation; 404 otherwise, whoever asks."""
    return get_object_or_404(
        ServiceRequest.objects.select_related("requester", "subscription__offer", "order", "assignee"),
        pk=pk,
        organization_id=user.organization_id,
    )


def public_conversation(*, service_request):
    """Public replies only: internal staff notes never reach a partner page."""
    return (
        RequestMessage.objects.filter(request=service_request, is_internal=False)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")))
    )


def request_level_attachments(*, service_request):
    return Attachment.objects.filter(request=service_request, message__isnull=True)


def partner_visible_attachment(*, user, request_pk, pk) -> Attachment:
    """An attachment of the user's organisation's request that is not on an internal note."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("request", "message"),
        pk=pk,
        request_id=request_pk,
        request__organization_id=user.organization_id,
    )
    if attachment.message_id and attachment.message.is_internal:
        from django.http import Http404

        raise Http404
    return attachment


def live_subscriptions_for(*, organization):
    return Subscription.objects.filter(organization=organization, status__in=LIVE_STATUSES).select_related("offer")


def paid_orders_for(*, organization):
    return Order.objects.filter(organization=organization, status=OrderStatus.PAID).select_related("offer")


# --- Service levels (R22) ---------------------------------------------------------------------


def request_clocks(*, service_request, now) -> dict[str, sla.Clock]:
    """The request's two clocks at ``now``, computed from its stored events."""
    return sla.clocks(
        ClockEvent.objects.filter(request=service_request),
        budgets=sla.budgets_for(service_request.severity),
        now=now,
        calendar=sla.calendar_from_settings(),
        warn_share=settings.SLA_WARNING_SHARE,
    )


def sla_time_left(*, due_at, now) -> datetime.timedelta | None:
    """Business time from now to a stored deadline; negative once overdue, None without one."""
    if due_at is None:
        return None
    return sla.business_signed_left(sla.calendar_from_settings(), now, due_at)


def queue_staff():
    """Staff who work the queue: active staff allowed to change service requests."""
    can_change = Q(user_permissions__codename="change_servicerequest") | Q(
        groups__permissions__codename="change_servicerequest"
    )
    ids = User.objects.filter(is_staff=True, is_active=True).filter(Q(is_superuser=True) | can_change).values("pk")
    return User.objects.filter(pk__in=ids).order_by("email")


def sla_warning_recipients(*, service_request) -> list:
    """Who hears of a request nearing its target: its assignee, or the whole queue's staff when unassigned."""
    assignee = service_request.assignee
    if assignee is not None and assignee.is_active:
        return [assignee]
    return list(queue_staff())


def canned_replies_offered():
    return CannedReply.objects.filter(is_active=True).order_by("title")
