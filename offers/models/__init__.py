"""Models of offers, one module per subject, re-exported here for ``offers.models.X`` imports."""

from .catalogue import BenefitKind, LocalizedFieldsMixin, Offer, OfferBenefit, OfferTerms, TermsAcceptance
from .orders import Order, OrderKind, OrderStatus
from .subscriptions import (
    LIVE_STATUSES,
    Reminder,
    ReminderKind,
    Subscription,
    SubscriptionStatus,
    TimelineEntry,
    TimelineKind,
)

__all__ = [
    "LIVE_STATUSES",
    "BenefitKind",
    "LocalizedFieldsMixin",
    "Offer",
    "OfferBenefit",
    "OfferTerms",
    "Order",
    "OrderKind",
    "OrderStatus",
    "Reminder",
    "ReminderKind",
    "Subscription",
    "SubscriptionStatus",
    "TermsAcceptance",
    "TimelineEntry",
    "TimelineKind",
]
