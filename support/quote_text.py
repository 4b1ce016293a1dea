"""How a refund quote and its changes read (R21), in the active language with the locale's money and dates.

The request keeps facts (support.services.refund_quote); these functions turn them into sentences at
render time, so a quote filed in English reads in Russian on a Russian page.
"""

import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerportal.money import format_money

from .models import QuoteKind
from .services import QuoteChange, RefundQuote


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def quote_sentence(quote: RefundQuote) -> str:
    """What cancelling would refund and why: the sentence the partner reads before Submit."""
    amount = format_money(quote.amount, quote.currency)
    if quote.kind == QuoteKind.FULL:
        # What was charged comes back whole, so the amount is the gross one (R11, R19).
        return _("Day %(day)d of %(window)d, no benefit activated: full refund of %(amount)s, tax included.") % {
            "day": quote.day,
            "window": quote.window_days,
            "amount": amount,
        }
    if quote.kind == QuoteKind.STAFF_DECIDE and quote.benefits_activated:
        if quote.benefits_activated_on:
            why = _("Benefits were activated on %(date)s") % {"date": _date(quote.benefits_activated_on)}
        else:
            why = _("Benefits were activated")
        return _("%(why)s: staff decide between a prorated refund (%(amount)s) and no refund.") % {
            "why": why,
            "amount": amount,
        }
    if quote.kind == QuoteKind.STAFF_DECIDE:
        return _(
            "Day %(day)d of %(window)d: the %(window)d-day window for a full refund has passed; "
            "staff decide between a prorated refund (%(amount)s) and no refund."
        ) % {"day": quote.day, "window": quote.window_days, "amount": amount}
    return _("No payment for this subscription was found: there is nothing to refund.")


def quote_short(quote: RefundQuote) -> str:
    """The quote in a few words, for staff's side-by-side comparison."""
    if quote.kind == QuoteKind.FULL:
        return _("full refund of %(amount)s (day %(day)d of %(window)d)") % {
            "amount": format_money(quote.amount, quote.currency),
            "day": quote.day,
            "window": quote.window_days,
        }
    if quote.kind == QuoteKind.STAFF_DECIDE:
        facts = {
            "amount": format_money(quote.amount, quote.currency),
            "day": quote.day,
            "window": quote.window_days,
        }
        if quote.benefits_activated:
            return _("prorated (%(amount)s) or none (day %(day)d of %(window)d, benefits activated)") % facts
        return _("prorated (%(amount)s) or none (day %(day)d of %(window)d)") % facts
    return _("nothing to refund (no payment)")


def quote_computed_on(quote: RefundQuote) -> str:
    return _date(timezone.localdate(quote.computed_at))


def change_sentence(change: QuoteChange) -> str:
    """One reason why today's eligibility differs from the quote."""
    data = change.data
    if change.code == "window_passed":
        return _("the %(window)d-day window has passed since (today is day %(day)d).") % data
    if change.code == "benefits_activated":
        if data.get("on"):
            return _("benefits were activated on %(date)s, after the quote.") % {"date": _date(data["on"])}
        return _("benefits were activated after the quote.")
    if change.code == "paid_since":
        return _("a payment on %(date)s (a renewal) came after the quote: the days count from it.") % {
            "date": _date(data["paid_on"])
        }
    if change.code == "days_used":
        return ngettext(
            "%(days)d day of the term was used since: the prorated amount is smaller.",
            "%(days)d days of the term were used since: the prorated amount is smaller.",
            data["days"],
        ) % {"days": data["days"]}
    return _("the payment or the term changed since the quote (a refund, or new dates).")
