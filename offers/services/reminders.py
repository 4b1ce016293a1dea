"""Expiry and reminders (R9): each reminder once per term, the after-expiry notice once.

One ``Reminder`` row per (subscription, kind, term end), enforced by a unique constraint; the
e-mail goes out only when this run inserted the row, so a second run sends nothing.
"""

from django.db import IntegrityError, transaction

from ..models import Reminder, ReminderKind, Subscription, SubscriptionStatus, TimelineKind
from ..selectors.lifecycle import as_date, reminders_owed
from .notices import email_on_commit
from .subscriptions import subscription_mark_expired, timeline_add


@transaction.atomic
def subscription_expire(*, subscription_id: int, today=None, reason: str = "auto_renew_off") -> bool:
    """Expire a live subscription whose term has ended without renewal; True when this call did it."""
    today = as_date(today)
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None or not subscription.is_live or subscription.current_period_end > today:
        return False
    if subscription.status == SubscriptionStatus.ACTIVE and subscription.auto_renew:
        return False  # the renewal action owns this one
    subscription_mark_expired(subscription=subscription, reason=reason)
    expired_notice_send(subscription)
    return True


def expired_notice_send(subscription: Subscription) -> None:
    """The after-expiry reminder (R9): once per term thanks to the Reminder constraint."""
    if _claim_reminder(subscription, ReminderKind.EXPIRED):
        email_on_commit("expired", subscription.pk, {})


def _claim_reminder(subscription: Subscription, kind: str) -> bool:
    """Insert the Reminder row; False when it exists already (sent by an earlier or a rival run)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(subscription=subscription, kind=kind, term_end=subscription.current_period_end)
    except IntegrityError:
        return False
    timeline_add(
        subscription=subscription, kind=TimelineKind.REMINDER_SENT, data={"reminder": ReminderKind(kind).value}
    )
    return True


REMINDER_EMAILS = {
    ReminderKind.EXPIRY_30: "expiry_reminder",
    ReminderKind.EXPIRY_7: "expiry_reminder",
    ReminderKind.EXPIRY_1: "expiry_reminder",
    ReminderKind.UPCOMING_RENEWAL: "upcoming_renewal",
    ReminderKind.CARD_EXPIRES: "card_expires",
}


@transaction.atomic
def subscription_remind(*, subscription_id: int, today=None) -> list[str]:
    """Send the reminders owed today; returns the kinds this call sent (none on a second run)."""
    today = as_date(today)
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("payment_method")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return []
    sent = []
    for kind in reminders_owed(subscription, today=today):
        if _claim_reminder(subscription, kind):
            days_left = (subscription.current_period_end - today).days
            email_on_commit(REMINDER_EMAILS[kind], subscription.pk, {"kind": kind, "days_left": days_left})
            sent.append(kind)
    return sent
