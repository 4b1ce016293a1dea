"""Reads for offers and subscriptions."""

from .models import LIVE_STATUSES, Offer, Subscription

ACTION_PACK_CODE = "action-pack"


def live_action_pack_subscription(*, organization):
    """The organisation's live Action Pack subscription, or None."""
    return (
        Subscription.objects.filter(organization=organization, offer__code=ACTION_PACK_CODE, status__in=LIVE_STATUSES)
        .select_related("offer")
        .first()
    )


def active_offers():
    return Offer.objects.filter(is_active=True).prefetch_related("benefits")
