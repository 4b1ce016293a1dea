"""Subscriptions made in bulk for the benchmarks (bulk_create): one row builder for every bench.

Import it once Django is set up: it reads the models.
"""

from membership.dates import add_months
from offers.models import Subscription, SubscriptionStatus


def subscription_row(offer, organization, end, *, status=SubscriptionStatus.ACTIVE, auto_renew=True, **extra):
    """An unsaved subscription to ``offer`` whose current 12-month term ends on ``end``."""
    return Subscription(
        organization=organization,
        offer=offer,
        status=status,
        auto_renew=auto_renew,
        started_on=add_months(end, -12),
        current_period_start=add_months(end, -12),
        current_period_end=end,
        price_amount=offer.price_amount,
        currency=offer.currency,
        **extra,
    )
