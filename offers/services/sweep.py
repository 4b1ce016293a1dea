"""The sweep (R6, R8–R10), hourly: what is due today, handed on as one action per subscription.

The sweep only *selects* what is due (``offers.selectors.lifecycle``) and hands each action to an
``enqueue`` callable (a Celery task in production, a plain call in the management command's eager
mode). Each action re-reads its subscription under a row lock and checks a state guard, so running
it twice, or from two sweeps at once, changes nothing the second time: ``subscription_renew`` in
``renewals``, ``subscription_expire`` and ``subscription_remind`` in ``reminders``.
"""

import logging

from ..selectors.lifecycle import DueAction, SweepAction, as_date, select_due
from .reminders import subscription_expire, subscription_remind
from .renewals import subscription_renew

logger = logging.getLogger(__name__)

# The service each action of the sweep runs; offers.tasks maps the same actions to their tasks.
SWEEP_ACTIONS = {
    SweepAction.RENEW: subscription_renew,
    SweepAction.EXPIRE: subscription_expire,
    SweepAction.REMIND: subscription_remind,
}


def subscriptions_sweep(*, today=None, enqueue) -> list[DueAction]:
    """Select what is due on ``today`` and hand each action to ``enqueue(action, subscription_id, today_iso)``."""
    today = as_date(today)
    actions = select_due(today)
    for item in actions:
        enqueue(item.action, item.subscription_id, today.isoformat())
    logger.info("Subscription sweep for %s: %d action(s) due", today, len(actions))
    return actions
