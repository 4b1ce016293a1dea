"""The rules of product.md that decide what may be bought and when, one function each.

Every screen, service, task and admin action asks these functions; none repeats their logic:

* R1 and R3, who may buy an offer: ``purchase_refusal``;
* R6, R8 and R10, the term an order buys: ``purchase_term``, ``renewal_term`` and ``auto_renewal_term``
  (date arithmetic in ``terms``);
* R8, whether a subscription may be renewed by hand today: ``renewal_decision``;
* what an order costs: ``order_price``.

They only decide; wording a refusal for a page or an error is the caller's business, because the
details page explains the window ("Renewal opens 30 days before …") where the wizard refuses.
"""

import datetime
import enum
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import LIVE_STATUSES, Offer, Subscription, SubscriptionStatus
from .terms import add_months, auto_renewal_term, renewal_term, renewal_window

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


from mutmut.mutation.trampoline import wrap_in_trampoline as _mutmut_mutated, MutantDict
mutants_x_purchase_refusal__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_purchase_refusal__mutmut)
def purchase_refusal(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_orig(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_1(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership or not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_2(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_3(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _(None)
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_4(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("XXOnly network members can buy this offer. Join the Microsoft Partner Network first.XX")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_5(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("only network members can buy this offer. join the microsoft partner network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_6(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("ONLY NETWORK MEMBERS CAN BUY THIS OFFER. JOIN THE MICROSOFT PARTNER NETWORK FIRST.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_7(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_8(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _(None)
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_9(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("XXThis offer is no longer available.XX")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_10(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("this offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_11(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("THIS OFFER IS NO LONGER AVAILABLE.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_12(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=None, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_13(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=None, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_14(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=None).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_15(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_16(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_17(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, ).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_18(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _(None)
    return ""


def x_purchase_refusal__mutmut_19(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("XXYour organisation already has this subscription. Renew it from its details instead.XX")
    return ""


def x_purchase_refusal__mutmut_20(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("your organisation already has this subscription. renew it from its details instead.")
    return ""


def x_purchase_refusal__mutmut_21(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("YOUR ORGANISATION ALREADY HAS THIS SUBSCRIPTION. RENEW IT FROM ITS DETAILS INSTEAD.")
    return ""


def x_purchase_refusal__mutmut_22(*, organization, offer: Offer) -> str:
    """Why the organisation may not buy the offer now (R1, R3), or "" when it may."""
    if offer.requires_network_membership and not organization.is_network_member:
        return _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
    if not offer.is_active:
        return _("This offer is no longer available.")
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        return _("Your organisation already has this subscription. Renew it from its details instead.")
    return "XXXX"

mutants_x_purchase_refusal__mutmut['_mutmut_orig'] = x_purchase_refusal__mutmut_orig # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_1'] = x_purchase_refusal__mutmut_1 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_2'] = x_purchase_refusal__mutmut_2 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_3'] = x_purchase_refusal__mutmut_3 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_4'] = x_purchase_refusal__mutmut_4 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_5'] = x_purchase_refusal__mutmut_5 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_6'] = x_purchase_refusal__mutmut_6 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_7'] = x_purchase_refusal__mutmut_7 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_8'] = x_purchase_refusal__mutmut_8 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_9'] = x_purchase_refusal__mutmut_9 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_10'] = x_purchase_refusal__mutmut_10 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_11'] = x_purchase_refusal__mutmut_11 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_12'] = x_purchase_refusal__mutmut_12 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_13'] = x_purchase_refusal__mutmut_13 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_14'] = x_purchase_refusal__mutmut_14 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_15'] = x_purchase_refusal__mutmut_15 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_16'] = x_purchase_refusal__mutmut_16 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_17'] = x_purchase_refusal__mutmut_17 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_18'] = x_purchase_refusal__mutmut_18 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_19'] = x_purchase_refusal__mutmut_19 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_20'] = x_purchase_refusal__mutmut_20 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_21'] = x_purchase_refusal__mutmut_21 # type: ignore # mutmut generated
mutants_x_purchase_refusal__mutmut['x_purchase_refusal__mutmut_22'] = x_purchase_refusal__mutmut_22 # type: ignore # mutmut generated
mutants_x_purchase_term__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_purchase_term__mutmut)
def purchase_term(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(today, months)


def x_purchase_term__mutmut_orig(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(today, months)


def x_purchase_term__mutmut_1(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(None, months)


def x_purchase_term__mutmut_2(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(today, None)


def x_purchase_term__mutmut_3(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(months)


def x_purchase_term__mutmut_4(*, today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """A purchase buys a term from today, ``months`` long (R6)."""
    return today, add_months(today, )

mutants_x_purchase_term__mutmut['_mutmut_orig'] = x_purchase_term__mutmut_orig # type: ignore # mutmut generated
mutants_x_purchase_term__mutmut['x_purchase_term__mutmut_1'] = x_purchase_term__mutmut_1 # type: ignore # mutmut generated
mutants_x_purchase_term__mutmut['x_purchase_term__mutmut_2'] = x_purchase_term__mutmut_2 # type: ignore # mutmut generated
mutants_x_purchase_term__mutmut['x_purchase_term__mutmut_3'] = x_purchase_term__mutmut_3 # type: ignore # mutmut generated
mutants_x_purchase_term__mutmut['x_purchase_term__mutmut_4'] = x_purchase_term__mutmut_4 # type: ignore # mutmut generated


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
mutants_x_renewal_decision__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_renewal_decision__mutmut)
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


def x_renewal_decision__mutmut_orig(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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


def x_renewal_decision__mutmut_1(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = None
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_2(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(None)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_3(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status != SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_4(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = None
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_5(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today <= opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_6(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = None
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_7(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today >= closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_8(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = None
    else:
        verdict = RenewalVerdict.ALLOWED
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_9(subscription: Subscription, today: datetime.date) -> RenewalDecision:
    """R8: renewal by hand from N days before the end of the term until N days after it."""
    opens, closes = renewal_window(subscription.current_period_end)
    if subscription.status == SubscriptionStatus.CANCELLED:
        verdict = RenewalVerdict.CANCELLED
    elif today < opens:
        verdict = RenewalVerdict.TOO_EARLY
    elif today > closes:
        verdict = RenewalVerdict.TOO_LATE
    else:
        verdict = None
    return RenewalDecision(verdict=verdict, opens=opens, closes=closes)


def x_renewal_decision__mutmut_10(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(verdict=None, opens=opens, closes=closes)


def x_renewal_decision__mutmut_11(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(verdict=verdict, opens=None, closes=closes)


def x_renewal_decision__mutmut_12(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(verdict=verdict, opens=opens, closes=None)


def x_renewal_decision__mutmut_13(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(opens=opens, closes=closes)


def x_renewal_decision__mutmut_14(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(verdict=verdict, closes=closes)


def x_renewal_decision__mutmut_15(subscription: Subscription, today: datetime.date) -> RenewalDecision:
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
    return RenewalDecision(verdict=verdict, opens=opens, )

mutants_x_renewal_decision__mutmut['_mutmut_orig'] = x_renewal_decision__mutmut_orig # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_1'] = x_renewal_decision__mutmut_1 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_2'] = x_renewal_decision__mutmut_2 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_3'] = x_renewal_decision__mutmut_3 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_4'] = x_renewal_decision__mutmut_4 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_5'] = x_renewal_decision__mutmut_5 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_6'] = x_renewal_decision__mutmut_6 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_7'] = x_renewal_decision__mutmut_7 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_8'] = x_renewal_decision__mutmut_8 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_9'] = x_renewal_decision__mutmut_9 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_10'] = x_renewal_decision__mutmut_10 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_11'] = x_renewal_decision__mutmut_11 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_12'] = x_renewal_decision__mutmut_12 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_13'] = x_renewal_decision__mutmut_13 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_14'] = x_renewal_decision__mutmut_14 # type: ignore # mutmut generated
mutants_x_renewal_decision__mutmut['x_renewal_decision__mutmut_15'] = x_renewal_decision__mutmut_15 # type: ignore # mutmut generated
