"""The rules of product.md that decide what may be bought and when, one function each.

Every screen, service, task and admin action asks these functions; none repeats their logic:

* R1 and R3, who may buy an offer: ``purchase_refusal``;
* R6, R8 and R10, the term an order buys: ``purchase_term``, ``renewal_term`` and ``auto_renewal_term``
  (date arithmetic in ``terms`` and ``membership.dates``);
* R8, whether a subscription may be renewed by hand today: ``renewal_decision``;
* what an order costs: ``order_price``.

They only decide; wording a refusal for a page or an error is the caller's business, because the
details page explains the window ("Renewal opens 30 days before …") where the wizard refuses.
"""

import datetime
import enum
from dataclasses import dataclass

from django.utils.translation import gettext as _

from membership.dates import add_months

from .models import LIVE_STATUSES, Offer, Subscription, SubscriptionStatus
from .terms import auto_renewal_term, renewal_term, renewal_window

__all__ = [
    "RenewalDecision",
    "RenewalVerdict",
    "auto_renewal_term",
    "order_price",
    "purchase_refusal",
    "purchase_term",
    "renewal_decision",
    "renewal_term",
]


def purchase_refusal(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def purchase_term(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(today, months)


def order_price(*, offer: Offer) -> tuple[int, str]:
    """What a purchase or a renewal by hand costs: today's catalogue price, in minor units.

    An automatic renewal charges the price agreed at the last purchase or renewal instead, which
    the subscription keeps (``Subscription.price_amount``).
    """
    return offer.price_amount, offer.currency


class RenewalVerdict(enum.Enum):
    ALLOWED = "allowed"
    CANCELLED = "cancelled"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class RenewalDecision:
    """Whether a subscription may be renewed by hand on a day (R8), and the window's edges."""

    verdict: RenewalVerdict
    opens: datetime.date
    closes: datetime.date

    @property
    def allowed(self) -> bool:
        return self.verdict is RenewalVerdict.ALLOWED


def renewal_decision(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)
