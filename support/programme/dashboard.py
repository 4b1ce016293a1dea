"""The admin home's blocks: each a chart and its table, drawn from programme_at_a_glance() in the reader's language."""

from dataclasses import dataclass, field

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import SubscriptionStatus
from partnerportal.i18n import choice_labels
from partnerportal.money import format_money, money_decimal

from ..models import CancellationReason, RequestStatus
from .charts import bar_chart
from .selectors import Figure, Glance

SLA_LABELS = {
    "breached": gettext_lazy("Breached"),
    "soon": gettext_lazy("Breaching within 1 h"),
    "later": gettext_lazy("On time"),
    "no_clock": gettext_lazy("Open, clock not running"),
}
LIFECYCLE_LABELS = {
    "new": gettext_lazy("New subscriptions"),
    "renewed": gettext_lazy("Renewals"),
    "cancelled": gettext_lazy("Cancellations"),
    "expired": gettext_lazy("Expiries"),
}


@dataclass(frozen=True)
class Cell:
    text: str
    url: str | None = None


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)


@dataclass
class Block:
    """One section of the home: a heading, an optional chart (SVG) and the table of its figures."""

    key: str
    title: str
    tables: list[Table]
    chart: str = ""
    note: str = ""


def _count(figure: Figure | None) -> Cell:
    if figure is None:
        return Cell("0")
    return Cell("%d" % figure.value, figure.url)


def _money(figure: Figure | None, currency: str) -> Cell:
    if figure is None:
        return Cell(format_money(0, currency))
    return Cell(format_money(figure.value, currency), figure.url)


def _month_label(month) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def _month_short(month) -> str:
    return date_format(month, "m.Y")


def dashboard_blocks(glance: Glance) -> list[Block]:
    """The sections of the staff's admin home, each with its chart and table."""
    return [
        _subscriptions_block(glance),
        _due_block(glance),
        _requests_block(glance),
        *_revenue_blocks(glance),
        _lifecycle_block(glance),
        _reasons_block(glance),
    ]


def _subscriptions_block(glance: Glance) -> Block:
    labels = choice_labels(SubscriptionStatus)
    title = _("Subscriptions by state")
    states = list(glance.subscriptions_by_state.items())
    chart = bar_chart(
        title=title,
        labels=[str(labels[s]) for s, _f in states],
        series=[(_("Subscriptions"), [f.value for _s, f in states])],
    )
    table = Table(title, [_("State"), _("Subscriptions")], [(str(labels[s]), [_count(f)]) for s, f in states])
    return Block("subscriptions", title, [table], chart)


def _due_block(glance: Glance) -> Block:
    title = _("Due in the next %(days)d days") % {"days": (glance.horizon - glance.today).days}
    columns = [_("Currency"), _("Subscriptions"), _("Amount")]

    def money_table(caption, figures):
        rows = [(f.currency, [_count(f.count), _money(f.amount, f.currency)]) for f in figures]
        return Table(caption, columns, rows or [(_("None"), [Cell("0"), Cell("—")])])

    tables = [
        money_table(_("Renewals due (automatic renewal on)"), glance.renewals_due),
        money_table(_("Past due"), glance.past_due),
        money_table(_("Expiring (automatic renewal off)"), glance.expiring),
    ]
    note = _("From %(start)s to %(end)s; past due: every subscription whose renewal payment failed.") % {
        "start": date_format(glance.today, "SHORT_DATE_FORMAT"),
        "end": date_format(glance.horizon, "SHORT_DATE_FORMAT"),
    }
    return Block("due", title, tables, note=note)


def _requests_block(glance: Glance) -> Block:
    labels = choice_labels(RequestStatus)
    title = _("Service requests")
    states = list(glance.requests_by_state.items())
    slas = list(glance.requests_by_sla.items())
    chart = bar_chart(
        title=title,
        labels=[str(labels[s]) for s, _f in states] + [str(SLA_LABELS[k]) for k, _f in slas],
        series=[(_("Requests"), [f.value for _s, f in states] + [f.value for _k, f in slas])],
    )
    tables = [
        Table(_("Requests by state"), [_("State"), _("Requests")], [(str(labels[s]), [_count(f)]) for s, f in states]),
        Table(
            _("Requests by service level"),
            [_("Service level"), _("Requests")],
            [(str(SLA_LABELS[k]), [_count(f)]) for k, f in slas],
        ),
    ]
    return Block("requests", title, tables, chart)


def _revenue_blocks(glance: Glance) -> list[Block]:
    blocks = []
    for currency in glance.currencies or ["USD"]:
        revenue, refunds = glance.revenue.get(currency, {}), glance.refunds.get(currency, {})
        title = _("Revenue, refunds and net revenue by month (%(currency)s)") % {"currency": currency}
        rows, values = [], ([], [], [])
        for month in glance.months:
            paid = revenue[month].value if month in revenue else 0
            returned = refunds[month].value if month in refunds else 0
            rows.append(
                (
                    _month_label(month),
                    [
                        _money(revenue.get(month), currency),
                        _money(refunds.get(month), currency),
                        Cell(format_money(paid - returned, currency)),
                    ],
                )
            )
            for series, amount in zip(values, (paid, returned, paid - returned), strict=True):
                series.append(float(money_decimal(amount, currency)))
        chart = bar_chart(
            title=title,
            labels=[_month_short(m) for m in glance.months],
            series=list(zip((_("Revenue"), _("Refunds"), _("Net revenue")), values, strict=True)),
            formatter=lambda v: number_format(round(v), force_grouping=True),
        )
        table = Table(title, [_("Month"), _("Revenue"), _("Refunds"), _("Net revenue")], rows)
        note = _("Succeeded payments and refunds by the month they succeeded; net revenue is the one minus the other.")
        blocks.append(Block("revenue-%s" % currency.lower(), title, [table], chart, note))
    return blocks


def _lifecycle_block(glance: Glance) -> Block:
    title = _("New subscriptions, renewals, cancellations and expiries by month")
    keys = list(LIFECYCLE_LABELS)
    rows = [(_month_label(month), [_count(glance.lifecycle[k].get(month)) for k in keys]) for month in glance.months]
    chart = bar_chart(
        title=title,
        labels=[_month_short(m) for m in glance.months],
        series=[
            (str(LIFECYCLE_LABELS[k]), [f.value if (f := glance.lifecycle[k].get(m)) else 0 for m in glance.months])
            for k in keys
        ],
    )
    table = Table(title, [_("Month"), *(str(LIFECYCLE_LABELS[k]) for k in keys)], rows)
    note = _(
        "New: subscriptions by the day they were first bought; renewals: paid renewal orders; "
        "cancellations and expiries: subscriptions by the day they ended."
    )
    return Block("lifecycle", title, [table], chart, note)


def _reasons_block(glance: Glance) -> Block:
    title = _("Cancellation reasons")
    labels = choice_labels(CancellationReason)
    reasons = sorted(glance.cancellation_reasons.items(), key=lambda item: -item[1].value)
    rows = [(labels.get(str(value), str(value)), [_count(f)]) for value, f in reasons]
    # No cancellation yet: say so, rather than show a table of headings alone.
    table = Table(title, [_("Reason"), _("Requests")], rows or [(_("None"), [Cell("0")])])
    chart = ""
    if reasons:
        chart = bar_chart(
            title=title,
            labels=[labels.get(str(value), str(value)) for value, _f in reasons],
            series=[(_("Requests"), [f.value for _v, f in reasons])],
        )
    return Block("reasons", title, [table], chart)
