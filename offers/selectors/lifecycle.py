"""What the subscription lifecycle owes, read-only: reminders due (R9), the renewal card, the daily due-selection.

Pure functions of a subscription and a day, shared by the sweep, the tasks and the details page
("when the next reminder goes"). The writes live in ``offers.services.renewals`` and ``reminders``.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from billing.models import PaymentMethod
from partnerportal import sql

from ..models import Order, OrderKind, Reminder, ReminderKind, Subscription, SubscriptionStatus
from ..rules import renewal_price


def as_date(value) -> datetime.date:
    """Today for None, else the date a task received (a date, a datetime or an ISO string)."""
    if value is None:
        return timezone.localdate()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


class SweepAction:
    RENEW = "renew"
    EXPIRE = "expire"
    REMIND = "remind"


# Days before the end of the term on which a reminder is due (R9).
EXPIRY_REMINDERS = ((ReminderKind.EXPIRY_30, 30), (ReminderKind.EXPIRY_7, 7), (ReminderKind.EXPIRY_1, 1))
UPCOMING_RENEWAL_DAYS = 30
# A reminder whose day was missed (beat down for a day or two) is still sent this many days late;
# the window stays a few days wide so the due-selection reads only a few days of end dates.
REMINDER_CATCH_UP_DAYS = 3


# --------------------------------------------------------------------------------------------
# What is owed: pure functions of a subscription and a day, shared by the sweep, the tasks and
# the details page ("when the next reminder goes").
# --------------------------------------------------------------------------------------------


def reminder_schedule(subscription: Subscription, *, check_card: bool = True) -> list[tuple[str, datetime.date]]:
    """The reminders of the current term with the day each one is due, earliest first (R9).

    The card-expiry warning goes with the upcoming-renewal notice; ``check_card=False`` leaves it
    out (the sweep's selection then needs no query per row, and the task decides it).
    """
    end = subscription.current_period_end
    if subscription.status != SubscriptionStatus.ACTIVE:
        return []
    if subscription.auto_renew:
        due = end - datetime.timedelta(days=UPCOMING_RENEWAL_DAYS)
        schedule = [(ReminderKind.UPCOMING_RENEWAL, due)]
        if check_card and _card_missing_or_expiring(subscription):
            schedule.append((ReminderKind.CARD_EXPIRES, due))
        return schedule
    return [(kind, end - datetime.timedelta(days=days)) for kind, days in EXPIRY_REMINDERS]


def _card_missing_or_expiring(subscription: Subscription) -> bool:
    card = renewal_card(subscription)
    return card is None or card.expires_before(subscription.current_period_end)


def reminders_owed(
    subscription: Subscription, *, today: datetime.date, sent_kinds=None, check_card: bool = True
) -> list[str]:
    """Reminder kinds due today (or missed by at most the catch-up days) and not yet sent."""
    if sent_kinds is None:
        sent_kinds = set(
            Reminder.objects.filter(subscription=subscription, term_end=subscription.current_period_end).values_list(
                "kind", flat=True
            )
        )
    owed = []
    for kind, due in reminder_schedule(subscription, check_card=check_card):
        if kind in sent_kinds or subscription.current_period_end <= today:
            continue
        if due <= today <= due + datetime.timedelta(days=REMINDER_CATCH_UP_DAYS):
            owed.append(kind)
    return owed


def next_reminder(subscription: Subscription, *, today: datetime.date | None = None):
    """(kind, day) of the next reminder that will go out for this term, or None.

    Subscription details ask on every request: the reminders sent are read in SQL (the ORM's
    compiler cost several times the query).
    """
    today = as_date(today)
    sent = {
        row["kind"]
        for row in sql.dict_rows(
            "SELECT kind FROM %s WHERE subscription_id = %%s AND term_end = %%s" % Reminder._meta.db_table,
            [subscription.pk, connection.ops.adapt_datefield_value(subscription.current_period_end)],
        )
    }
    for kind, due in reminder_schedule(subscription):
        if kind in sent or due + datetime.timedelta(days=REMINDER_CATCH_UP_DAYS) < today:
            continue
        return kind, max(due, today)
    return None


def renewal_card(subscription: Subscription):
    """The card an automatic renewal will charge: the subscription's own, else the organisation's default."""
    card = subscription.payment_method
    if card is not None and card.is_usable:
        return card
    # Kept on the instance: subscription details ask twice (the card shown, the next reminder),
    # and the answer cannot change while one request holds the instance.
    if "_default_card" not in subscription.__dict__:
        subscription.__dict__["_default_card"] = sql.one(
            PaymentMethod,
            "SELECT %s FROM %s WHERE organization_id = %%s AND is_default = %%s AND removed_at IS NULL LIMIT 1"
            % (", ".join(field.column for field in PaymentMethod._meta.concrete_fields), PaymentMethod._meta.db_table),
            [subscription.organization_id, True],
        )
    return subscription.__dict__["_default_card"]


# --------------------------------------------------------------------------------------------
# The sweep: select what is due, enqueue one action per subscription.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueAction:
    action: str
    subscription_id: int


def due_querysets(today) -> dict:
    """The due-selection queries (also printed with EXPLAIN by bench/sweep_scaling.py)."""
    today = as_date(today)

    # Reminders: terms ending exactly 30, 7 or 1 days from now (or up to REMINDER_CATCH_UP_DAYS
    # less, to catch up a missed run), without the reminder of that kind for this term (an
    # anti-join on reminder_once_per_term's index), mirroring reminders_owed().
    def window(days, *, auto_renew, kind):
        last = today + datetime.timedelta(days=days)
        first = max(last - datetime.timedelta(days=REMINDER_CATCH_UP_DAYS), today + datetime.timedelta(days=1))
        sent = Reminder.objects.filter(subscription=OuterRef("pk"), term_end=OuterRef("current_period_end"), kind=kind)
        return (
            Subscription.objects.filter(
                status=SubscriptionStatus.ACTIVE,
                current_period_end__gte=first,
                current_period_end__lte=last,
                auto_renew=auto_renew,
            )
            .filter(~Exists(sent))
            .order_by()
            .values_list("current_period_end", "id")
        )

    # One range per window, joined with UNION: an OR of ranges would make SQLite read every
    # active row (it uses only the status prefix of the index for an OR).
    windows = [window(UPCOMING_RENEWAL_DAYS, auto_renew=True, kind=ReminderKind.UPCOMING_RENEWAL)]
    windows += [window(days, auto_renew=False, kind=kind) for kind, days in EXPIRY_REMINDERS]
    return {
        # Terms that have ended: renew when auto-renewal is on, otherwise expire.
        "ended": Subscription.objects.filter(status=SubscriptionStatus.ACTIVE, current_period_end__lte=today)
        .order_by("current_period_end", "id")
        .values_list("id", "auto_renew"),
        # Past-due subscriptions whose next retry day has come (R10).
        "retries": Subscription.objects.filter(status=SubscriptionStatus.PAST_DUE, next_renewal_attempt_on__lte=today)
        .order_by("next_renewal_attempt_on", "id")
        .values_list("id", flat=True),
        "reminders": windows[0].union(*windows[1:]).order_by("current_period_end", "id"),
    }


def select_due(today) -> list[DueAction]:
    """Everything due on ``today``, in a fixed number of index range scans (subscription_due_idx).

    The cost follows the number of due subscriptions, not the size of the table: each query is a
    range on (status, current_period_end) — up to today for renewals and expiries, a few days wide
    for reminders — or on the small set of past-due rows for retries.
    """
    today = as_date(today)
    queries = due_querysets(today)
    actions: list[DueAction] = []
    for sub_id, auto_renew in queries["ended"]:
        actions.append(DueAction(SweepAction.RENEW if auto_renew else SweepAction.EXPIRE, sub_id))
    actions.extend(DueAction(SweepAction.RENEW, sub_id) for sub_id in queries["retries"])
    actions.extend(DueAction(SweepAction.REMIND, sub_id) for _end, sub_id in queries["reminders"])
    return actions


def renewal_charge(subscription: Subscription) -> tuple[int, str]:
    """What the term's automatic renewal charges (amount, currency), for the reminder and Pay now (R19).

    The term's renewal order once it exists (its price and tax were set for the renewal day), else
    the price and tax of the renewal day; what the subscription last paid when neither can be known.
    """
    order = (
        Order.objects.filter(
            subscription=subscription, kind=OrderKind.AUTO_RENEWAL, term_start=subscription.current_period_end
        )
        .values_list("amount", "currency")
        .first()
    )
    if order is not None:
        return order
    try:
        price = renewal_price(subscription)
    except ValidationError:  # no longer sold in its currency and nothing kept, or no rate on record
        return subscription.price_amount, subscription.currency
    return price.gross, price.currency
