"""The rules of product.md that decide what may be bought and when, one function each.

Every screen, service, task and admin action asks these functions; none repeats their logic:

* R1 and R3, who may buy an offer: ``purchase_refusal``;
* R6, R8 and R10, the term an order buys: ``purchase_term``, ``renewal_term`` and ``auto_renewal_term``
  (date arithmetic in ``terms`` and ``membership.dates``);
* R8, whether a subscription may be renewed by hand today: ``renewal_decision``;
* what an order costs, R19's price of the day in the billing currency and its tax: ``order_price``.

They only decide; wording a refusal for a page or an error is the caller's business, because the
details page explains the window ("Renewal opens 30 days before …") where the wizard refuses.
"""

import datetime
import enum
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import BillingProfile
from billing.tax import TaxRateMissing, tax_amounts, tax_for
from membership.dates import add_months

from .models import LIVE_STATUSES, Offer, Order, OrderStatus, Subscription, SubscriptionStatus
from .prices import price_of
from .terms import auto_renewal_term, renewal_term, renewal_window

__all__ = [
    "OrderPrice",
    "RenewalDecision",
    "RenewalVerdict",
    "auto_renewal_term",
    "order_price",
    "renewal_price",
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


@dataclass(frozen=True)
class OrderPrice:
    """What an order costs (R19): net price of the day, its tax, and the total that is charged."""

    net: int
    tax: int
    gross: int
    currency: str
    rate: Decimal
    reason: str  # billing.models.TaxReason

    def order_fields(self) -> dict:
        """The order's columns for this price (``amount`` is what is charged: the total)."""
        return {
            "amount": self.gross,
            "currency": self.currency,
            "net_amount": self.net,
            "tax_amount": self.tax,
            "tax_rate": self.rate,
            "tax_reason": self.reason,
        }


def order_price(
    *,
    offer: Offer,
    organization=None,
    on_date: datetime.date | None = None,
    currency: str | None = None,
    kept_net: int | None = None,
) -> OrderPrice:
    """What a purchase or a renewal costs on a day (R19), in minor units of the billing currency.

    The currency is ``currency`` (an automatic renewal's: its subscription's) or else the billing
    profile's, or the offer's own while the organisation has no profile. The net is the offer's
    price of that day in it (``price_of``); ``kept_net`` (the subscription's last price) stands in
    when the offer is no longer sold in that currency, else the offer cannot be bought in it. The
    tax is R19's for the profile's country and VAT number on that day, rounded once, half up.
    """
    on_date = on_date or timezone.localdate()
    profile = None
    if organization is not None:
        profile = BillingProfile.objects.filter(organization_id=getattr(organization, "pk", organization)).first()
    currency = currency or (profile.currency if profile else offer.currency)
    net = price_of(offer=offer, currency=currency, on_date=on_date)
    if net is None:
        net = kept_net
    if net is None:
        raise ValidationError(
            _("This offer is not sold in %(currency)s, your billing currency.") % {"currency": currency},
            code="not_sold_in_currency",
        )
    try:
        decision = tax_for(
            buyer_country=str(profile.country) if profile else "",
            vat_number=profile.tax_id if profile else "",
            on_date=on_date,
        )
    except TaxRateMissing as exc:
        raise ValidationError(
            _("The VAT rate of your country is not available yet. Please try again later or contact support."),
            code="tax_rate_missing",
        ) from exc
    amounts = tax_amounts(net, decision.rate)
    return OrderPrice(
        net=amounts.net,
        tax=amounts.tax,
        gross=amounts.gross,
        currency=currency,
        rate=decision.rate,
        reason=decision.reason,
    )


def renewal_price(subscription: Subscription, on_date: datetime.date | None = None) -> OrderPrice:
    """What the automatic renewal on ``on_date`` (the term's end by default) charges: R19's price and tax
    of that day in the subscription's currency. When the offer is no longer sold in that currency, the
    net of the last paid order stands in (a subscription from before R19: what it last paid)."""
    last = (
        Order.objects.filter(subscription=subscription, status=OrderStatus.PAID)
        .order_by("-paid_at", "-id")
        .values_list("net_amount", "amount", "tax_reason")
        .first()
    )
    kept_net = subscription.price_amount if last is None else (last[0] if last[2] else last[1])
    return order_price(
        offer=subscription.offer,
        organization=subscription.organization_id,
        on_date=on_date or subscription.current_period_end,
        currency=subscription.currency,
        kept_net=kept_net,
    )


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
