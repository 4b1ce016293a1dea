"""E-mails to the requester of a service request, in the requester's language (text and HTML)."""

import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from billing import selectors as billing_selectors
from billing.emails import document_attachments, with_billing_contact
from partnerportal.notifications import notify

from .models import CancellationDecision, RequestMessage, ServiceRequest, StatusChange

logger = logging.getLogger(__name__)


def _absolute(path):
    """An absolute link; PORTAL_BASE_URL (optional setting, as in offers.emails) names the public address."""
    base = getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")
    return base.rstrip("/") + path


@shared_task(soft_time_limit=30, time_limit=60)
def send_request_email(service_request_id, event, **ids):
    """Render and send one notification; ids name the message, status change or decision to describe."""
    service_request = (
        ServiceRequest.objects.select_related("requester", "organization", "subscription__offer")
        .filter(pk=service_request_id)
        .first()
    )
    if service_request is None:
        return
    recipient = service_request.requester
    if not recipient.is_active or not recipient.email:
        return
    context = {
        "service_request": service_request,
        "recipient": recipient,
        "url": _absolute(reverse("support:request_detail", args=[service_request.pk])),
    }
    if event == "reply":
        message = RequestMessage.objects.filter(pk=ids.get("message_id"), is_internal=False).first()
        if message is None:  # never mail an internal note
            return
        context["message"] = message
    elif event == "status":
        context["change"] = StatusChange.objects.filter(pk=ids.get("status_change_id")).first()
        if context["change"] is None:
            return
    elif event == "cancelled":
        context["decision"] = (
            CancellationDecision.objects.select_related("refund", "subscription__offer")
            .filter(pk=ids.get("decision_id"))
            .first()
        )
        if context["decision"] is None:
            return
        refund_id = context["decision"].refund_id
        credit_note = billing_selectors.credit_note_for_refund(refund_id=refund_id) if refund_id else None
        context["credit_note"] = credit_note
        context["credit_note_url"] = _absolute(credit_note.get_pdf_url()) if credit_note else ""
    else:
        logger.error("Unknown service request e-mail %r", event)
        return

    def offer_name(_recipient):
        # Called under the recipient's language, so the offer's name is theirs too.
        if service_request.subscription_id:
            return {"offer_name": service_request.subscription.offer.localized("name")}
        return {}

    recipients, attachments = [recipient], None
    if event == "cancelled":  # money given back: the billing contact is told too, the credit note attached
        recipients = with_billing_contact(recipients, organization_id=service_request.organization_id)
        attachments = document_attachments(context["credit_note"], credit_note=True)
    notify(
        template=f"support/email/{event}",
        recipients=recipients,
        context=context,
        context_for=offer_name,
        attachments_for=attachments,
    )
