"""Reads for service requests; partner reads are always scoped to the user's organisation (R12)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from offers.models import LIVE_STATUSES, Order, OrderStatus, Subscription

from .models import Attachment, RequestMessage, RequestStatus, ServiceRequest


def requests_for_organization(*, organization, status: str | None = None):
    queryset = ServiceRequest.objects.filter(organization=organization).select_related(
        "requester", "subscription__offer"
    )
    if status in RequestStatus.values:
        queryset = queryset.filter(status=status)
    return queryset


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
