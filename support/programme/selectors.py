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
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment, PaymentStatus, Refund, RefundStatus
from membership.dates import add_months
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus

from .. import sla
from ..models import RequestStatus, ServiceRequest

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
    url = reverse("admin:%s_%s_changelist" % (model._meta.app_label, model._meta.model_name))
    return "%s?%s" % (url, urlencode(sorted(params.items()))) if params else url


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
    _requests(glance, now)
    glance.revenue = _money_by_month(Payment, PaymentStatus.SUCCEEDED, first, end)
    glance.refunds = _money_by_month(Refund, RefundStatus.SUCCEEDED, first, end)
    glance.lifecycle = _lifecycle(first, end)
    glance.cancellation_reasons = _cancellation_reasons()
    return glance


def _subscriptions(glance: Glance) -> None:
    """States, renewals due, past due and expiring, from one pass over subscriptions (one query)."""
    window = {"current_period_end__gte": glance.today, "current_period_end__lte": glance.horizon}
    due = Q(status=SubscriptionStatus.ACTIVE, auto_renew=True, **window)
    expiring = Q(status=SubscriptionStatus.ACTIVE, auto_renew=False, **window)
    rows = (
        Subscription.objects.order_by()
        .values("status", "currency")
        .annotate(
            n=Count("pk"),
            amount=Sum("price_amount"),
            due_n=Count("pk", filter=due),
            due_amount=Sum("price_amount", filter=due),
            expiring_n=Count("pk", filter=expiring),
            expiring_amount=Sum("price_amount", filter=expiring),
        )
    )
    by_state = defaultdict(int)
    due_by, past_due_by, expiring_by = {}, {}, {}
    for row in rows:
        by_state[row["status"]] += row["n"]
        currency = row["currency"]
        if row["due_n"]:
            due_by[currency] = (row["due_n"], row["due_amount"])
        if row["expiring_n"]:
            expiring_by[currency] = (row["expiring_n"], row["expiring_amount"])
        if row["status"] == SubscriptionStatus.PAST_DUE:
            past_due_by[currency] = (row["n"], row["amount"])
    glance.subscriptions_by_state = {
        status: Figure(by_state[status], changelist_url(Subscription, status__exact=status))
        for status in SubscriptionStatus.values
    }
    window_params = {"current_period_end__gte": _iso(glance.today), "current_period_end__lte": _iso(glance.horizon)}
    glance.renewals_due = _money_figures(
        due_by, status__exact=SubscriptionStatus.ACTIVE, auto_renew__exact="1", **window_params
    )
    glance.expiring = _money_figures(
        expiring_by, status__exact=SubscriptionStatus.ACTIVE, auto_renew__exact="0", **window_params
    )
    glance.past_due = _money_figures(past_due_by, status__exact=SubscriptionStatus.PAST_DUE)


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
        .annotate(
            n=Count("pk"),
            breached=Count("pk", filter=Q(sla_due_at__lte=now)),
            soon=Count("pk", filter=Q(sla_due_at__gt=now, sla_due_at__lte=within)),
            later=Count("pk", filter=Q(sla_due_at__gt=within)),
            no_clock=Count("pk", filter=no_clock),
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


def _money_by_month(model, status, first: datetime.date, end: datetime.date) -> dict:
    """Succeeded payments or refunds summed per currency and staff month (one query)."""
    rows = (
        model.objects.filter(status=status, succeeded_at__gte=month_start(first), succeeded_at__lt=month_start(end))
        .annotate(month=TruncMonth("succeeded_at", tzinfo=staff_zone()))
        .order_by()
        .values("month", "currency")
        .annotate(amount=Sum("amount"))
    )
    result = defaultdict(dict)
    for row in rows:
        month = _month_of(row["month"])
        result[row["currency"]][month] = Figure(
            row["amount"],
            changelist_url(
                model,
                status__exact=status,
                currency__exact=row["currency"],
                succeeded_at__gte=_iso(month_start(month)),
                succeeded_at__lt=_iso(month_start(add_months(month, 1))),
            ),
        )
    return dict(result)


def _lifecycle(first: datetime.date, end: datetime.date) -> dict:
    """New, renewed, cancelled and expired subscriptions per staff month (four queries)."""
    zone = staff_zone()
    sources = {
        "new": (Subscription.objects.all(), "started_on", {}),
        "renewed": (
            Order.objects.filter(status=OrderStatus.PAID, kind__in=RENEWAL_KINDS),
            "paid_at",
            {"status__exact": OrderStatus.PAID, "kind__in": ",".join(RENEWAL_KINDS)},
        ),
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
            .annotate(n=Count("pk"))
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
        .annotate(n=Count("pk"))
    )
    return {
        row["cancellation_reason"]: Figure(
            row["n"], changelist_url(ServiceRequest, cancellation_reason__exact=row["cancellation_reason"])
        )
        for row in rows
    }
