"""The Stripe webhook: verify the signature, store the event once, then apply it (dj-stripe's habit)."""

import logging

from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import services
from .gateways import WebhookSignatureInvalid, get_gateway

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    signature = request.META.get("HTTP_STRIPE_SIGNATURE", "")
    try:
        event = get_gateway().parse_webhook(payload=request.body, signature=signature)
    except WebhookSignatureInvalid as exc:
        logger.warning("Refused a Stripe webhook: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    # The event is the verified body as plain JSON, stored as it came in the JSONField.
    record, created = services.webhook_event_record(event_id=event["id"], event_type=event["type"], payload=event)
    if not created and record.processed_at is not None:
        return HttpResponse("duplicate")
    try:
        services.webhook_event_process(event=record)
    except Exception:
        # Stripe retries on a 5xx; the stored row lets the retry (or staff) finish the work.
        logger.exception("Stripe event %s failed", record.stripe_event_id)
        return HttpResponse("error", status=500)
    return HttpResponse("ok")
