"""Support's e-mails, each a task the services enqueue after commit: to the requester of a service
request (in the requester's language, text and HTML) and the staff's breach warning."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from billing import selectors as billing_selectors
from billing.emails import document_attachments, with_billing_contact
from membership.models import User
from partnerportal.notifications import notify, site_url

from .models import CancellationDecision, ClockEvent, ClockEventKind, RequestMessage, ServiceRequest, StatusChange

logger = logging.getLogger(__name__)


# Registered under its first module's name: messages already queued refer to it.
@shared_task(name="support.tasks.send_request_email", soft_time_limit=30, time_limit=60)
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
        "url": site_url(reverse("support:request_detail", args=[service_request.pk])),
    }
    # What happened, so that a task run twice (or redelivered) tells it once: the id of the row it describes.
    key = "request:%d:%s:%s" % (service_request.pk, event, ",".join("%s" % ids[name] for name in sorted(ids)))
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
        context["credit_note_url"] = site_url(credit_note.get_pdf_url()) if credit_note else ""
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
        event=key,
    )


@shared_task(soft_time_limit=30, time_limit=60)
def sla_warning_email(clock_event_id):
    """E-mail the recipients the warning event names, each in their language."""
    event = (
        ClockEvent.objects.select_related("request__organization")
        .filter(pk=clock_event_id, kind=ClockEventKind.WARNING_SENT)
        .first()
    )
    if event is None:
        return 0
    recipients = list(User.objects.filter(pk__in=event.data.get("recipients", []), is_active=True))
    if not recipients:
        logger.warning("Breach warning for %s has nobody to tell", event.request.number)
        return 0
    context = {
        "service_request": event.request,
        "event": event,
        "due_at": datetime.datetime.fromisoformat(event.data["due_at"]) if event.data.get("due_at") else None,
        "share": round(settings.SLA_WARNING_SHARE * 100),
        "staff_time_zone": settings.STAFF_TIME_ZONE,
        "url": site_url(reverse("admin:support_servicerequest_change", args=[event.request_id])),
    }
    return notify(
        template="support/email/sla_warning", recipients=recipients, context=context, event="sla_warning:%d" % event.pk
    )
