"""The programme at a glance: each block one SQL aggregate, each figure with the admin list of its rows.

Every figure carries the changelist URL whose filters select exactly the rows it counts or sums, so
staff (and the ledger test) can open the records behind it. Months are the staff's calendar months
(``STAFF_TIME_ZONE``): the SQL truncates in that zone and the links filter on the same instants.

Sources, chosen so that each figure is a sum of ledger rows:
- revenue and refunds: billing's succeeded payments and refunds, by the month they succeeded;
- new subscriptions: subscriptions by ``started_on``; cancellations and expiries: subscriptions by
  ``cancelled_at`` / ``expired_at`` (set by offers' state changes, the one place they change);
- renewals: paid renewal orders (manual and automatic) by ``paid_at``; each has exactly one
  succeeded payment (R5), so they agree with the payments. The activity log's ``subscription.*``
  entries say the same facts, but a log entry has no amount and no admin filter by subscription state.

Speed (R23: 200 ms on 200,000 subscriptions and 1,000,000 payments, a fixed number of queries):
subscriptions by state, and the months' revenue, refunds and renewals, are read from the totals the
database keeps beside the ledger in the writers' own transactions (``tally.py``); everything else
reads a short range of an index (terms ending within 30 days, the months' new, cancelled and
expired subscriptions, the requests).
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from billing.models import Payment, PaymentStatus, Refund, RefundStatus
from membership.dates import add_months
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus

from .. import sla
from ..models import RequestStatus, ServiceRequest
from . import tally

MONTHS = 12
HORIZON_DAYS = 30
RENEWAL_KINDS = (OrderKind.RENEWAL, OrderKind.AUTO_RENEWAL)
OPEN_REQUEST_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS, RequestStatus.WAITING_ON_PARTNER)
# Written by support when a cancellation request names its reason; read only when the model has it.


@dataclass(frozen=True)
class Figure:
    """A count or an amount (minor units) and the admin list of the rows it counts or sums."""

    value: int
    url: str | None


@dataclass(frozen=True)
class MoneyFigures:
    """Subscriptions of one currency: how many (linked) and the sum of their prices (same link)."""

    currency: str
    count: Figure
    amount: Figure


@dataclass
class Glance:
    today: datetime.date
    horizon: datetime.date
    months: list[datetime.date]
    subscriptions_by_state: dict[str, Figure]
    renewals_due: list[MoneyFigures]
    past_due: list[MoneyFigures]
    expiring: list[MoneyFigures]
    requests_by_state: dict[str, Figure]
    requests_by_sla: dict[str, Figure]
    # currency -> month -> Figure (payments' and refunds' sums)
    revenue: dict[str, dict[datetime.date, Figure]]
    refunds: dict[str, dict[datetime.date, Figure]]
    # "new", "renewed", "cancelled", "expired" -> month -> Figure
    lifecycle: dict[str, dict[datetime.date, Figure]]
    # None when the request model has no cancellation reason yet; value -> Figure otherwise.
    cancellation_reasons: dict[str, Figure] = field(default_factory=dict)

    @property
    def currencies(self) -> list[str]:
        return sorted(set(self.revenue) | set(self.refunds))


def changelist_url(model, **params) -> str:
    """The admin list of ``model`` filtered by ``params`` (field lookups the changelist accepts)."""
    url = _changelist(model._meta.label_lower, get_script_prefix(), get_urlconf())
    return "%s?%s" % (url, urlencode(sorted(params.items()))) if params else url


@functools.lru_cache(maxsize=64)
def _changelist(label: str, prefix: str, urlconf) -> str:
    # About a hundred figures link to six lists: reverse each list once per prefix and URLconf.
    return reverse("admin:%s_changelist" % label.replace(".", "_"))


def staff_zone() -> ZoneInfo:
    return ZoneInfo(settings.STAFF_TIME_ZONE)


def month_start(month: datetime.date) -> datetime.datetime:
    """The instant a calendar month starts for the staff."""
    return datetime.datetime.combine(month, datetime.time.min, tzinfo=staff_zone())


def _month_of(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, staff_zone()).date() if timezone.is_aware(value) else value.date()
    return value


def _iso(value) -> str:
    return value.isoformat()


def programme_at_a_glance(*, now: datetime.datetime | None = None) -> Glance:
    """Every figure of the staff's admin home, in a fixed number of queries whatever the data size."""
    now = now or timezone.now()
    today = timezone.localtime(now, staff_zone()).date()
    first = add_months(today.replace(day=1), -(MONTHS - 1))
    months = [add_months(first, i) for i in range(MONTHS)]
    end = add_months(months[-1], 1)
    glance = Glance(
        today=today,
        horizon=today + datetime.timedelta(days=HORIZON_DAYS),
        months=months,
        subscriptions_by_state={},
        renewals_due=[],
        past_due=[],
        expiring=[],
        requests_by_state={},
        requests_by_sla={},
        revenue={},
        refunds={},
        lifecycle={},
    )
    _subscriptions(glance)
    _due(glance)
    _requests(glance, now)
    flows = _flows_by_month(months)
    glance.revenue = flows["payment"]
    glance.refunds = flows["refund"]
    glance.lifecycle = _lifecycle(first, end)
    glance.lifecycle["renewed"] = flows["renewal"]
    glance.lifecycle = {key: glance.lifecycle[key] for key in ("new", "renewed", "cancelled", "expired")}
    glance.cancellation_reasons = _cancellation_reasons()
    return glance


def _subscriptions(glance: Glance) -> None:
    """States, and past due per currency, from the database's running totals by state (one query)."""
    by_state = defaultdict(int)
    past_due_by = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT status, currency, n, amount FROM %s WHERE n <> 0" % tally.SUBSCRIPTIONS)
        for status, currency, count, amount in cursor.fetchall():
            by_state[status] += count
            if status == SubscriptionStatus.PAST_DUE:
                past_due_by[currency] = (count, amount)
    glance.subscriptions_by_state = {
        status: Figure(by_state[status], changelist_url(Subscription, status__exact=status))
        for status in SubscriptionStatus.values
    }
    glance.past_due = _money_figures(past_due_by, status__exact=SubscriptionStatus.PAST_DUE)


def _due(glance: Glance) -> None:
    """Live terms ending within the horizon, automatic renewal on (due) or off (expiring): one index range."""
    rows = (
        Subscription.objects.filter(
            status=SubscriptionStatus.ACTIVE,
            current_period_end__gte=glance.today,
            current_period_end__lte=glance.horizon,
        )
        .order_by()
        .values("auto_renew", "currency")
        .annotate(n=Count("pk"), amount=Sum("price_amount"))
    )
    due_by, expiring_by = {}, {}
    for row in rows:
        (due_by if row["auto_renew"] else expiring_by)[row["currency"]] = (row["n"], row["amount"])
    window_params = {"current_period_end__gte": _iso(glance.today), "current_period_end__lte": _iso(glance.horizon)}
    glance.renewals_due = _money_figures(
        due_by, status__exact=SubscriptionStatus.ACTIVE, auto_renew__exact="1", **window_params
    )
    glance.expiring = _money_figures(
        expiring_by, status__exact=SubscriptionStatus.ACTIVE, auto_renew__exact="0", **window_params
    )


def _money_figures(by_currency: dict, **params) -> list[MoneyFigures]:
    figures = []
    for currency in sorted(by_currency):
        count, amount = by_currency[currency]
        url = changelist_url(Subscription, currency__exact=currency, **params)
        figures.append(MoneyFigures(currency, Figure(count, url), Figure(amount or 0, url)))
    return figures


def _requests(glance: Glance, now: datetime.datetime) -> None:
    """Requests by state and by their earliest running deadline (support's queue filters), one query."""
    within = sla.business_add(sla.calendar_from_settings(), now, datetime.timedelta(hours=1))
    no_clock = Q(sla_due_at__isnull=True, status__in=OPEN_REQUEST_STATUSES)
    rows = (
        ServiceRequest.objects.order_by()
        .values("status")
        # Counting the (never null) state: state and deadline are all it reads, so the
        # (status, sla_due_at) index answers it alone.
        .annotate(
            n=Count("status"),
            breached=Count("status", filter=Q(sla_due_at__lte=now)),
            soon=Count("status", filter=Q(sla_due_at__gt=now, sla_due_at__lte=within)),
            later=Count("status", filter=Q(sla_due_at__gt=within)),
            no_clock=Count("status", filter=no_clock),
        )
    )
    totals = defaultdict(int)
    by_state = defaultdict(int)
    for row in rows:
        by_state[row["status"]] += row["n"]
        for key in ("breached", "soon", "later", "no_clock"):
            totals[key] += row[key]
    glance.requests_by_state = {
        status: Figure(by_state[status], changelist_url(ServiceRequest, status__exact=status))
        for status in RequestStatus.values
    }
    # "breached" and "soon" are the queue's own filters, so the list says what the figure says.
    glance.requests_by_sla = {
        "breached": Figure(totals["breached"], changelist_url(ServiceRequest, sla="breached")),
        "soon": Figure(totals["soon"], changelist_url(ServiceRequest, sla="soon")),
        "later": Figure(totals["later"], changelist_url(ServiceRequest, sla_due_at__gt=_iso(within))),
        "no_clock": Figure(
            totals["no_clock"],
            changelist_url(ServiceRequest, sla_due_at__isnull="True", status__in=",".join(OPEN_REQUEST_STATUSES)),
        ),
    }


def _epoch(month: datetime.date) -> int:
    """The instant the staff's ``month`` starts, in seconds (the tally's buckets count from the epoch)."""
    seconds = int(month_start(month).timestamp())
    if seconds % tally.QUARTER_HOUR:
        raise ImproperlyConfigured(
            "STAFF_TIME_ZONE %s starts a month off a quarter-hour; the ledger's totals cannot split it"
            % settings.STAFF_TIME_ZONE
        )
    return seconds


def _flows_by_month(months: list[datetime.date]) -> dict:
    """Succeeded payments and refunds summed, and paid renewal orders counted, per currency and staff month.

    One query over the running totals (``tally.py``): a month is the sum of its days and quarter-hours.
    Payments and refunds map currency -> month -> Figure (the sum of amounts); renewals map
    month -> Figure (the count, all currencies).
    """
    with connection.cursor() as cursor:
        cursor.execute(tally.months_sql([_epoch(month) for month in [*months, add_months(months[-1], 1)]]))
        rows = cursor.fetchall()
    result = {"payment": defaultdict(dict), "refund": defaultdict(dict), "renewal": {}}
    renewals = defaultdict(int)
    for source, currency, index, count, amount in rows:
        # PostgreSQL sums bigints as numeric (Decimal); the figures are whole minor units and counts.
        month, count, amount = months[index], int(count), int(amount)
        if source == "renewal":
            renewals[month] += count
            continue
        model, status = (Payment, PaymentStatus.SUCCEEDED) if source == "payment" else (Refund, RefundStatus.SUCCEEDED)
        result[source][currency][month] = Figure(
            amount,
            changelist_url(
                model,
                status__exact=status,
                currency__exact=currency,
                succeeded_at__gte=_iso(month_start(month)),
                succeeded_at__lt=_iso(month_start(add_months(month, 1))),
            ),
        )
    for month, count in renewals.items():
        result["renewal"][month] = Figure(
            count,
            changelist_url(
                Order,
                status__exact=OrderStatus.PAID,
                kind__in=",".join(RENEWAL_KINDS),
                paid_at__gte=_iso(month_start(month)),
                paid_at__lt=_iso(month_start(add_months(month, 1))),
            ),
        )
    return {"payment": dict(result["payment"]), "refund": dict(result["refund"]), "renewal": result["renewal"]}


def _lifecycle(first: datetime.date, end: datetime.date) -> dict:
    """New, cancelled and expired subscriptions per staff month (three queries, each an index range)."""
    zone = staff_zone()
    sources = {
        "new": (Subscription.objects.all(), "started_on", {}),
        "cancelled": (Subscription.objects.all(), "cancelled_at", {}),
        "expired": (Subscription.objects.all(), "expired_at", {}),
    }
    result = {}
    for key, (queryset, date_field, params) in sources.items():
        is_date = queryset.model._meta.get_field(date_field).get_internal_type() == "DateField"
        low, high = (first, end) if is_date else (month_start(first), month_start(end))
        rows = (
            queryset.filter(**{date_field + "__gte": low, date_field + "__lt": high})
            .annotate(month=TruncMonth(date_field) if is_date else TruncMonth(date_field, tzinfo=zone))
            .order_by()
            .values("month")
            # COUNT(*): the date is all the query reads, so the index alone answers it.
            .annotate(n=Count("*"))
        )
        by_month = {}
        for row in rows:
            month = _month_of(row["month"])
            following = add_months(month, 1)
            bounds = (month, following) if is_date else (month_start(month), month_start(following))
            by_month[month] = Figure(
                row["n"],
                changelist_url(
                    queryset.model,
                    **params,
                    **{date_field + "__gte": _iso(bounds[0]), date_field + "__lt": _iso(bounds[1])},
                ),
            )
        result[key] = by_month
    return result


def _cancellation_reasons() -> dict[str, Figure]:
    """Cancellation requests per reason (the stored choice), each linked to the queue filtered by it."""
    rows = (
        ServiceRequest.objects.exclude(cancellation_reason="")
        .order_by()
        .values("cancellation_reason")
        .annotate(n=Count("*"))
    )
    return {
        row["cancellation_reason"]: Figure(
            row["n"], changelist_url(ServiceRequest, cancellation_reason__exact=row["cancellation_reason"])
        )
        for row in rows
    }
