"""Reads of offers, one module per subject, re-exported here."""

from .catalogue import (  # noqa: F401
    ACTION_PACK_CODE,
    catalogue,
    current_terms,
    lifecycle_email_recipients,
    live_action_pack_subscription,
    offers_page,
    subscription_for_organization,
    subscription_timeline,
)
