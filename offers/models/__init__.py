"""Models of offers, one module per subject, re-exported here for ``offers.models.X`` imports."""

from .benefits import BenefitActivation, CreditGrant, LicenseKey, SeatAssignment
from .catalogue import BenefitKind, LocalizedFieldsMixin, Offer, OfferBenefit, OfferTerms, TermsAcceptance
from .orders import Order, OrderKind, OrderStatus
from .prices import OfferPrice
from .subscriptions import (
    LIVE_STATUSES,
    Reminder,
    ReminderKind,
    Subscription,
    SubscriptionStatus,
    TimelineKind,
)

__all__ = [
    "LIVE_STATUSES",
    "BenefitActivation",
    "BenefitKind",
    "CreditGrant",
    "LicenseKey",
    "LocalizedFieldsMixin",
    "Offer",
    "OfferBenefit",
    "OfferPrice",
    "OfferTerms",
    "Order",
    "OrderKind",
    "OrderStatus",
    "Reminder",
    "ReminderKind",
    "SeatAssignment",
    "Subscription",
    "SubscriptionStatus",
    "TermsAcceptance",
    "TimelineKind",
]
