"""Writes of offers, one module per job, re-exported here."""

from .benefits import (  # noqa: F401
    benefit_activate,
    credit_grant_month,
    credits_grant_monthly,
    license_key_issue,
    month_start,
    seat_assign,
    seat_release,
)
from .subscriptions import (  # noqa: F401
    subscription_cancel,
    subscription_create_for_order,
    subscription_expire,
    subscription_mark_past_due,
    subscription_renew_for_order,
    subscription_turn_off_auto_renewal,
    timeline_add,
)
