"""Reads of offers, one module per subject, re-exported here."""

from ..prices import offer_currencies, price_of  # noqa: F401
from .benefits import (  # noqa: F401
    BenefitRow,
    credit_balance,
    organization_seat_assignment,
    organization_subscription_for_benefits,
    subscription_benefit_rows,
    subscription_benefits_activated,
    subscription_benefits_first_activated_at,
)
from .catalogue import (  # noqa: F401
    ACTION_PACK_CODE,
    TIMELINE_PER_PAGE,
    catalogue,
    current_terms,
    lifecycle_email_recipients,
    live_action_pack_subscription,
    offers_page,
    subscription_for_organization,
    subscription_timeline,
    subscription_timeline_page,
)
from .lifecycle import as_date, next_reminder, reminders_owed, renewal_card, renewal_charge, select_due  # noqa: F401
from .orders import order_line_sql, organization_order  # noqa: F401
from .tiers import MembershipOverview, MembershipTiers, membership_overview, organization_tiers  # noqa: F401
