"""Celery tasks of the subscription lifecycle and the monthly credits: thin wrappers over offers' functions.

The beat schedule (settings.CELERY_BEAT_SCHEDULE) runs ``sweep_subscriptions`` and
``grant_monthly_credits`` once a day. The sweep only selects what is due and enqueues one task per
subscription and action. Every task re-reads its rows and calls a function whose state guard (row
lock, unique constraint) makes a second run a no-op, so ``acks_late`` is safe: a message
redelivered after a worker died is simply run again. Arguments are ids and ISO dates (JSON
serialisation).
"""

import logging

from celery import shared_task

from . import emails, lifecycle, services

logger = logging.getLogger(__name__)

# A renewal makes one Stripe call (STRIPE_TIMEOUT_SECONDS, 10 s by default) plus a few queries.
ACTION_LIMITS = {"soft_time_limit": 60, "time_limit": 90}
IDEMPOTENT = {"acks_late": True, "serializer": "json", "ignore_result": True}


@shared_task(name="offers.tasks.sweep_subscriptions", soft_time_limit=300, time_limit=360, **IDEMPOTENT)
def sweep_subscriptions(today=None):
    """Enqueue today's renewals, retries, expiries and reminders; ``today`` is an ISO date or None."""
    actions = lifecycle.sweep(today=today, enqueue=enqueue_action)
    return len(actions)


@shared_task(name="offers.tasks.renew_subscription", **ACTION_LIMITS, **IDEMPOTENT)
def renew_subscription(subscription_id, today):
    """Charge a due automatic renewal (or its retry) off-session."""
    return lifecycle.renew_subscription(subscription_id=subscription_id, today=today).outcome


@shared_task(name="offers.tasks.expire_subscription", **ACTION_LIMITS, **IDEMPOTENT)
def expire_subscription(subscription_id, today):
    """Expire a subscription whose term ended with automatic renewal off."""
    return lifecycle.expire_subscription(subscription_id=subscription_id, today=today)


@shared_task(name="offers.tasks.remind_subscription", **ACTION_LIMITS, **IDEMPOTENT)
def remind_subscription(subscription_id, today):
    """Send the reminders owed today (each at most once per term)."""
    return lifecycle.remind_subscription(subscription_id=subscription_id, today=today)


@shared_task(name="offers.tasks.send_order_confirmation", soft_time_limit=30, time_limit=60)
def send_order_confirmation(order_id: int) -> None:
    """E-mail the order confirmation (enqueued on commit of the paid order)."""
    emails.order_confirmation_send(order_id=order_id)


@shared_task(name="offers.tasks.grant_monthly_credits", acks_late=True)
def grant_monthly_credits():
    """Add this month's Azure credit to every live subscription whose credit benefit is activated (once a month)."""
    return services.credits_grant_monthly()


TASKS = {
    lifecycle.SweepAction.RENEW: renew_subscription,
    lifecycle.SweepAction.EXPIRE: expire_subscription,
    lifecycle.SweepAction.REMIND: remind_subscription,
}


def enqueue_action(action, subscription_id, today):
    """Send one action to the broker (run inline when CELERY_TASK_ALWAYS_EAGER is on)."""
    TASKS[action].apply_async(args=[subscription_id, today])
