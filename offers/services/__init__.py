"""Writes of offers, one module per job, re-exported here.

``subscriptions``: the one place a subscription changes state; ``orders``: Subscribe now, Renew
and the wizard's steps; ``charging``: charging an order once; ``renewals``: automatic renewal;
``reminders``: expiry and reminders; ``sweep``: the daily sweep and the service of each of its
actions; ``notices``: lifecycle e-mails on commit; ``benefits``: the Action Pack benefits (keys,
seats, monthly credits); ``currency``: staff change a billing currency (R19).
"""

from .benefits import (
    benefit_activate,
    credit_grant_month,
    credits_grant_monthly,
    license_key_issue,
    month_start,
    seat_assign,
    seat_release,
)
from .charging import (
    STALE_ATTEMPT_AFTER,
    ChargeOutcome,
    OutcomeStatus,
    order_charge,
    order_close_unauthenticated,
    order_confirm_payment,
    order_payment_settled,
)
from .currency import billing_currency_change
from .orders import (
    CHARGEABLE_STATUSES,
    OPEN_STATUSES,
    check_can_buy,
    check_can_renew,
    check_chargeable,
    order_accept_terms,
    order_for_auto_renewal,
    order_reprice,
    order_set_payment_method,
    order_start_purchase,
    order_start_renewal,
)
from .reminders import subscription_expire, subscription_remind
from .renewals import RenewalResult, subscription_pay_now, subscription_pay_now_confirm, subscription_renew
from .subscriptions import (
    subscription_cancel,
    subscription_create_for_order,
    subscription_mark_expired,
    subscription_mark_past_due,
    subscription_renew_for_order,
    subscription_turn_off_auto_renewal,
    timeline_add,
    timeline_entry_build,
)
from .sweep import SWEEP_ACTIONS, subscriptions_sweep

__all__ = [
    "CHARGEABLE_STATUSES",
    "OPEN_STATUSES",
    "STALE_ATTEMPT_AFTER",
    "SWEEP_ACTIONS",
    "ChargeOutcome",
    "OutcomeStatus",
    "RenewalResult",
    "benefit_activate",
    "billing_currency_change",
    "check_can_buy",
    "check_can_renew",
    "check_chargeable",
    "credit_grant_month",
    "credits_grant_monthly",
    "license_key_issue",
    "month_start",
    "order_accept_terms",
    "order_charge",
    "order_close_unauthenticated",
    "order_confirm_payment",
    "order_for_auto_renewal",
    "order_payment_settled",
    "order_reprice",
    "order_set_payment_method",
    "order_start_purchase",
    "order_start_renewal",
    "seat_assign",
    "seat_release",
    "subscription_cancel",
    "subscription_create_for_order",
    "subscription_expire",
    "subscription_mark_expired",
    "subscription_mark_past_due",
    "subscription_remind",
    "subscription_pay_now",
    "subscription_pay_now_confirm",
    "subscription_renew",
    "subscription_renew_for_order",
    "subscription_turn_off_auto_renewal",
    "subscriptions_sweep",
    "timeline_add",
    "timeline_entry_build",
]
