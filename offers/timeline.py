"""What a subscription's facts say (R13, R16): facts stored, sentences rendered per reader.

A subscription's timeline is the activity entries about it (membership.ActivityEntry). Each keeps
its verb and structured data (amounts in minor units with their currency, ISO dates, order and
service request numbers, codes for reasons). The renderers below turn them into one translated
phrase per verb, with money and dates in the reader's locale, so that a Russian reader never sees
an English sentence frozen in at write time, nor "47500 USD" for US$475.00.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.services import decline_message
from partnerportal.formatting import date_text
from partnerportal.i18n import choice_labels, localized_value, texts
from partnerportal.i18n import gettext as _
from partnerportal.money import format_money


class TimelineKind(models.TextChoices):
    """What happened to a subscription; logged as the activity verb "subscription.<kind>"."""

    PURCHASED = "purchased", gettext_lazy("Purchased")
    RENEWED = "renewed", gettext_lazy("Renewed")
    AUTO_RENEWED = "auto_renewed", gettext_lazy("Renewed automatically")
    RENEWAL_FAILED = "renewal_failed", gettext_lazy("Renewal failed")
    PAST_DUE = "past_due", gettext_lazy("Past due")
    EXPIRED = "expired", gettext_lazy("Expired")
    AUTO_RENEW_OFF = "auto_renew_off", gettext_lazy("Automatic renewal turned off")
    REMINDER_SENT = "reminder_sent", gettext_lazy("Reminder sent")
    PAYMENT_FAILED = "payment_failed", gettext_lazy("Payment failed")
    REQUEST_FILED = "request_filed", gettext_lazy("Service request filed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    REFUNDED = "refunded", gettext_lazy("Refunded")
    BENEFIT_ACTIVATED = "benefit_activated", gettext_lazy("Benefit activated")
    NOTE = "note", gettext_lazy("Note")

    @property
    def verb(self) -> str:
        return f"subscription.{self.value}"


class ReminderKind(models.TextChoices):
    EXPIRY_30 = "expiry_30", gettext_lazy("Expires in 30 days")
    EXPIRY_7 = "expiry_7", gettext_lazy("Expires in 7 days")
    EXPIRY_1 = "expiry_1", gettext_lazy("Expires tomorrow")
    UPCOMING_RENEWAL = "upcoming_renewal", gettext_lazy("Upcoming automatic renewal")
    CARD_EXPIRES = "card_expires", gettext_lazy("Card expires before renewal")
    EXPIRED = "expired", gettext_lazy("Subscription expired")


# Why a subscription expired, and why an automatic renewal failed when no card decline says it.
EXPIRY_REASONS = {
    "auto_renew_off": pgettext_lazy("expiry reason", "The term ended with automatic renewal off."),
    "retries_exhausted": pgettext_lazy("expiry reason", "Automatic renewal failed after the last retry."),
    "turned_off_while_past_due": pgettext_lazy("expiry reason", "Automatic renewal was turned off while past due."),
}
RENEWAL_REASONS = {
    "no_card": pgettext_lazy("renewal failure", "No card on file for the automatic renewal."),
    "authentication_required": pgettext_lazy(
        "renewal failure", "The card requires authentication, which an automatic renewal cannot provide."
    ),
}
# support.models.RefundKind's values; support sits above offers, so its labels cannot be imported.
REFUND_KINDS = {
    "none": pgettext_lazy("refund kind", "no refund"),
    "prorated": pgettext_lazy("refund kind", "prorated refund"),
    "full": pgettext_lazy("refund kind", "full refund"),
}


def money(data, key="amount") -> str:
    return format_money(int(data[key]), data["currency"])


def day(value: str) -> str:
    return date_text(datetime.date.fromisoformat(value), "DATE_FORMAT")  # memoised per day and language


def localized_name(data, key="name") -> str:
    """A catalogue name snapshotted in both languages at write time."""
    return localized_value(data.get(key, ""), data.get(f"{key}_ru"))


def _term(data):
    return _("Order %(order)s: %(amount)s, term from %(start)s to %(end)s") % {
        "order": data["order"],
        "amount": money(data),
        "start": day(data["start"]),
        "end": day(data["end"]),
    }


def _failure_reason(data) -> str:
    code = data.get("reason", "")
    if code in RENEWAL_REASONS:
        return texts(RENEWAL_REASONS)[code]
    if code:
        return decline_message(code)
    return data.get("message", "")  # an entry written before reasons were codes


def _renewal_failed(data):
    values = {"attempt": data["attempt"], "reason": _failure_reason(data)}
    if data.get("order"):
        values["order"] = data["order"]
        return _("Order %(order)s: automatic renewal charge failed (attempt %(attempt)s): %(reason)s") % values
    return _("Automatic renewal charge failed (attempt %(attempt)s): %(reason)s") % values


def _expired(data):
    return texts(EXPIRY_REASONS)[data["reason"]]


def _reminder(data):
    return choice_labels(ReminderKind)[data["reminder"]]


def _payment_failed(data):
    return _("Order %(order)s, attempt %(attempt)s: %(reason)s") % {
        "order": data["order"],
        "attempt": data["attempt"],
        "reason": _failure_reason(data),
    }


def _request_filed(data):
    text = _("Service request %(request)s: %(title)s") % {"request": data["request"], "title": data.get("title", "")}
    if data.get("cancellation"):
        text += " " + _("Cancellation requested.")
    return text


def _cancelled(data):
    return _("Cancelled through service request %(request)s (%(refund)s)") % {
        "request": data["request"],
        "refund": texts(REFUND_KINDS)[data["refund"]],
    }


def _refunded(data):
    values = {"amount": money(data), "refund": texts(REFUND_KINDS)[data["refund"]], "request": data["request"]}
    if data.get("order"):
        values["order"] = data["order"]
        return _("%(amount)s refunded (%(refund)s) for order %(order)s, service request %(request)s") % values
    return _("%(amount)s refunded (%(refund)s), service request %(request)s") % values


def _benefit(data):
    values = {"benefit": localized_name(data)}
    action = data.get("action", "activated")
    if action == "license_issued":
        values["key"] = data["key"]
        return _("%(benefit)s: license key %(key)s issued") % values
    if action == "seat_assigned":
        values.update(seat=data["seat"], user=data["user"])
        return _("%(benefit)s: seat %(seat)s assigned to %(user)s") % values
    return _("%(benefit)s activated") % values


def _benefit_with(key):
    return lambda data: "%s: %s" % (localized_name(data), data[key])


def _benefit_action(action):
    return lambda data: _benefit({**data, "action": action})


def _seat_assigned(data):
    # An entry the activity-log migration read from an old sentence knows the user, not the seat.
    return _benefit_action("seat_assigned")(data) if "seat" in data else _benefit_with("user")(data)


# How each subscription fact reads, by its activity verb: membership's registry is the one every page
# renders through (the subscription's timeline, the organisation's activity log, the admin), and
# offers fills it in from OffersConfig.ready(). A kind without a renderer says it all by its label, or
# keeps a person's note (``data["text"]``), which the registry shows as written.
ACTIVITY_RENDERERS = {
    TimelineKind.PURCHASED.verb: _term,
    TimelineKind.RENEWED.verb: _term,
    TimelineKind.AUTO_RENEWED.verb: _term,
    TimelineKind.RENEWAL_FAILED.verb: _renewal_failed,
    TimelineKind.EXPIRED.verb: _expired,
    TimelineKind.REMINDER_SENT.verb: _reminder,
    TimelineKind.PAYMENT_FAILED.verb: _payment_failed,
    TimelineKind.REQUEST_FILED.verb: _request_filed,
    TimelineKind.CANCELLED.verb: _cancelled,
    TimelineKind.REFUNDED.verb: _refunded,
    # Kept for entries written before benefits logged their own verbs (the action is in the data).
    TimelineKind.BENEFIT_ACTIVATED.verb: _benefit,
    # What the benefit services log about a subscription: the action is the verb.
    "benefit.activated": _benefit_action("activated"),
    "benefit.license_issued": _benefit_action("license_issued"),
    "benefit.seat_assigned": _seat_assigned,
    "benefit.seat_released": _benefit_with("user"),
}
