"""Canned replies: a saved text in the partner's language, its placeholders filled from the request.

Placeholders are ``{name}`` with a name from ``PLACEHOLDERS``, replaced by a regular expression from a
fixed dict of plain strings built here. Neither Django's template engine (tags, filters, attribute
lookups) nor ``str.format`` (``{x.__class__}``, ``{x[0]}``, format specs) runs over the text, so a
saved reply can reach nothing but those values; any other braces stay as written. A placeholder the
request has no value for (no subscription, no refund) is left as it is and reported, and the reply
form refuses to send a text that still holds one.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from partnerportal.money import format_money

from .models import CannedReply, DecisionStatus, RefundKind, ServiceRequest
from .services import cancellation_quote

PLACEHOLDERS = {
    "partner_name": _("the partner organisation's name"),
    "contact_name": _("the requester's name"),
    "request_number": _("the request's number"),
    "request_title": _("the request's title"),
    "filed_on": _("the date the request was filed"),
    "today": _("today's date"),
    "subscription": _("the subscription's offer"),
    "subscription_end": _("the end of the subscription's current term"),
    "refund_amount": _("the refund: decided, or else the one the quote offers"),
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class FilledReply:
    text: str
    language: str
    missing: tuple[str, ...]


def fill(text: str, values: dict[str, str]) -> tuple[str, tuple[str, ...]]:
    """Replace each known placeholder that has a value; return the text and the known ones left unfilled."""
    missing = []

    def replace(match):
        name = match.group(1)
        if name in values:
            return values[name]
        if name in PLACEHOLDERS and name not in missing:
            missing.append(name)
        return match.group(0)

    return PLACEHOLDER.sub(replace, text), tuple(missing)


def unfilled_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name in PLACEHOLDERS})


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _refund_text(service_request: ServiceRequest) -> str | None:
    """The refund the partner gets: the completed decision's, else the quote's default choice."""
    if not service_request.is_cancellation:
        return None
    decision = service_request.decisions.filter(status=DecisionStatus.COMPLETED).first()
    if decision is not None:
        amount, currency = decision.amount, decision.currency
    else:
        try:
            quote = cancellation_quote(service_request=service_request)
        except ValidationError:
            return None
        if quote.payment is None:
            return None
        kind = RefundKind.FULL if quote.full_eligible else RefundKind.PRORATED
        amount, currency = quote.amount_for(kind), quote.currency
    return format_money(amount, currency, language=translation.get_language())


def placeholder_values(service_request: ServiceRequest, *, today: datetime.date | None = None) -> dict[str, str]:
    """The values this request has, formatted in the active language; a value it lacks is absent."""
    values = {
        "partner_name": service_request.organization.name,
        "contact_name": service_request.requester.display_name,
        "request_number": service_request.number or "",
        "request_title": service_request.title,
        "filed_on": _date(timezone.localdate(service_request.created_at)),
        "today": _date(today or timezone.localdate()),
    }
    subscription = service_request.subscription
    if subscription is not None:
        values["subscription"] = subscription.offer.localized("name")
        values["subscription_end"] = _date(subscription.current_period_end)
    refund = _refund_text(service_request)
    if refund is not None:
        values["refund_amount"] = refund
    return values


def canned_reply_fill(
    *, canned_reply: CannedReply, service_request: ServiceRequest, today: datetime.date | None = None
) -> FilledReply:
    """The saved reply in the requester's language, its placeholders filled from the request."""
    language = service_request.requester.language or "en"
    with translation.override(language):
        text, missing = fill(canned_reply.body_for(language), placeholder_values(service_request, today=today))
    return FilledReply(text=text, language=language, missing=missing)
