"""Celery tasks of the subscription lifecycle and the monthly credits: each calls the service of its name.

The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs ``subscriptions_sweep`` every hour (a later
run of the day enqueues again what is still due, e.g. a renewal whose message was lost) and
``credits_grant_monthly`` once a day. The sweep only selects what is due and enqueues one task per
subscription and action. Every task re-reads its rows and calls a service whose state guard (row
lock, unique constraint) makes a second run a no-op, so ``acks_late`` is safe: a message
redelivered after a worker died is simply run again. Arguments are ids and ISO dates (JSON
serialisation). The order confirmation e-mail's task lives in offers.emails, where the charging
service can enqueue it.

Each task keeps the registered ``name`` it was first deployed with, although its function is named
after its service: the beat schedule and messages already queued refer to that name.
"""

import logging
import random
import time

from celery import shared_task
from django.conf import settings

from . import services
from .selectors.lifecycle import SweepAction

logger = logging.getLogger(__name__)

# A renewal makes one Stripe call (STRIPE_TIMEOUT_SECONDS, 10 s by default) plus a few queries.
ACTION_LIMITS = {"soft_time_limit": 60, "time_limit": 90}
IDEMPOTENT = {"acks_late": True, "serializer": "json", "ignore_result": True}


@shared_task(name="offers.tasks.sweep_subscriptions", soft_time_limit=300, time_limit=360, **IDEMPOTENT)
def subscriptions_sweep(today=None):
    """Enqueue today's renewals, retries, expiries and reminders; ``today`` is an ISO date or None."""
    actions = services.subscriptions_sweep(today=today, enqueue=enqueue_action)
    return len(actions)


# "in_progress" (another run holds the renewal, or a dead run's attempt is too fresh to settle) and
# "unavailable" (Stripe timed out or kept answering 429, e.g. the look-up of a killed run's attempt on
# a loaded machine) pass, so the task looks again rather than leaving the renewal to tomorrow's sweep:
# this is how a renewal whose worker was killed is still charged the same day. It keeps looking for a
# time, not a number of tries, because what it waits for is a time: a live run holds the claim at
# most the task's time limit, and a dead run's attempt is settled once older than the gateway's
# timeout (services.renewals._claimed_stale_after); past both the blocker has ended, so the patience
# is bounded. After it an outage is left to the next sweep, as before. Each look is a try-lock or a
# few reads; a retry resolved by another run finds the renewal "not_due".
def renewal_patience_seconds():
    return ACTION_LIMITS["time_limit"] + settings.STRIPE_TIMEOUT_SECONDS


TRANSIENT_OUTCOMES = ("in_progress", "unavailable")


# max_retries=None: the patience above bounds the retries, not Celery's default count of three.
@shared_task(name="offers.tasks.renew_subscription", bind=True, max_retries=None, **ACTION_LIMITS, **IDEMPOTENT)
def subscription_renew(self, subscription_id, today, first_tried_at=None):
    """Charge a due automatic renewal (or its retry) off-session.

    ``first_tried_at``: when the first run of this renewal today began (epoch seconds), carried by
    its retries so that their patience counts from there.
    """
    started = time.time()
    first_tried_at = started if first_tried_at is None else first_tried_at
    outcome = services.subscription_renew(subscription_id=subscription_id, today=today).outcome
    if (
        outcome in TRANSIENT_OUTCOMES
        and not self.request.is_eager
        and started - first_tried_at < renewal_patience_seconds()
    ):
        countdown = settings.STRIPE_TIMEOUT_SECONDS * random.uniform(0.5, 1.0)
        raise self.retry(args=[subscription_id, today], kwargs={"first_tried_at": first_tried_at}, countdown=countdown)
    return outcome


@shared_task(name="offers.tasks.expire_subscription", **ACTION_LIMITS, **IDEMPOTENT)
def subscription_expire(subscription_id, today):
    """Expire a subscription whose term ended with automatic renewal off."""
    return services.subscription_expire(subscription_id=subscription_id, today=today)


@shared_task(name="offers.tasks.remind_subscription", **ACTION_LIMITS, **IDEMPOTENT)
def subscription_remind(subscription_id, today):
    """Send the reminders owed today (each at most once per term)."""
    return services.subscription_remind(subscription_id=subscription_id, today=today)


@shared_task(name="offers.tasks.grant_monthly_credits", acks_late=True)
def credits_grant_monthly():
    """Add this month's Azure credit to every live subscription whose credit benefit is activated (once a month)."""
    return services.credits_grant_monthly()


TASKS = {
    SweepAction.RENEW: subscription_renew,
    SweepAction.EXPIRE: subscription_expire,
    SweepAction.REMIND: subscription_remind,
}


def enqueue_action(action, subscription_id, today):
    """Send one action to the broker (run inline when CELERY_TASK_ALWAYS_EAGER is on)."""
    TASKS[action].apply_async(args=[subscription_id, today])
