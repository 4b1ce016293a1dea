"""The subscription lifecycle's entry points: the daily sweep and one action per subscription (R6, R8–R10).

The sweep only *selects* what is due (``offers.selectors.lifecycle``) and hands one action per
subscription to an ``enqueue`` callable (a Celery task in production, a plain call in the
management command's eager mode). Each action re-reads its subscription under a row lock and
checks a state guard, so running it twice, or from two sweeps at once, changes nothing the second
time: renewals in ``offers.services.renewals``, expiry and reminders in ``offers.services.reminders``.
"""

import logging

from .selectors.lifecycle import (
    EXPIRY_REMINDERS,
    REMINDER_CATCH_UP_DAYS,
    UPCOMING_RENEWAL_DAYS,
    DueAction,
    SweepAction,
    as_date,
    due_querysets,
    next_reminder,
    reminder_schedule,
    reminders_owed,
    renewal_card,
    select_due,
)
from .services.reminders import expire_subscription, remind_subscription
from .services.renewals import RenewalResult, renew_subscription

__all__ = [
    "ACTIONS",
    "EXPIRY_REMINDERS",
    "REMINDER_CATCH_UP_DAYS",
    "UPCOMING_RENEWAL_DAYS",
    "DueAction",
    "RenewalResult",
    "SweepAction",
    "as_date",
    "due_querysets",
    "expire_subscription",
    "next_reminder",
    "remind_subscription",
    "reminder_schedule",
    "reminders_owed",
    "renew_subscription",
    "renewal_card",
    "run_action",
    "select_due",
    "sweep",
]

logger = logging.getLogger(__name__)


def sweep(*, today=None, enqueue) -> list[DueAction]:
    """Select what is due on ``today`` and hand each action to ``enqueue(action, subscription_id, today_iso)``."""
    today = as_date(today)
    actions = select_due(today)
    for item in actions:
        enqueue(item.action, item.subscription_id, today.isoformat())
    logger.info("Subscription sweep for %s: %d action(s) due", today, len(actions))
    return actions


ACTIONS = {
    SweepAction.RENEW: renew_subscription,
    SweepAction.EXPIRE: expire_subscription,
    SweepAction.REMIND: remind_subscription,
}


def run_action(action: str, subscription_id: int, today) -> object:
    """Run one action in this process (the command's eager mode and the tests)."""
    return ACTIONS[action](subscription_id=subscription_id, today=today)
