"""The staff's admin home (R23): every figure equals the records its link lists, and the ledger behind them.

The test builds subscriptions in every state and two currencies, payments and refunds across months
(with failed ones and ones older than the window), renewal orders, ended subscriptions and service
requests on every side of their deadline; renders /admin/ as staff; follows every link of every
table as staff; and compares the figure with the changelist's own rows (their count, or the sum of
their amounts). It then checks the headline figures against the ledger it built.
"""

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import Payment, PaymentStatus, RefundStatus
from membership.dates import add_months
from membership.models import Role
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from partnerportal.money import format_money
from support.models import CancellationReason, RequestStatus, ServiceRequest
from support.programme.selectors import month_start, programme_at_a_glance, staff_zone
from tests.factories.billing import PaymentFactory, RefundFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import OfferFactory, OrderFactory, OrderPaymentFactory, SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory

pytestmark = pytest.mark.django_db

CELL = re.compile(r'<td class="num">(?:<a href="([^"]+)">([^<]*)</a>|([^<]*))</td>')
ROW = re.compile(r"<tr>\s*<th scope=\"row\">([^<]*)</th>(.*?)</tr>", re.S)


def _glance_html(body: str) -> str:
    start = body.index('id="programme-at-a-glance"')
    return body[start : body.index('class="glance-apps"', start)]


def _months_ago(months: int, day: int = 15) -> datetime.datetime:
    """Noon on ``day`` of the staff's month ``months`` before this one."""
    this_month = timezone.localtime(timezone.now(), staff_zone()).date().replace(day=1)
    return month_start(add_months(this_month, -months)).replace(day=day, hour=12)


def _build_programme():
    """A programme with something in every figure, and rows each figure must leave out."""
    today = timezone.localtime(timezone.now(), staff_zone()).date()
    euro = OfferFactory(price_amount=30000, currency="EUR")
    subscriptions = {
        "due_usd": SubscriptionFactory(end=today + datetime.timedelta(days=10)),
        "due_usd_2": SubscriptionFactory(end=today + datetime.timedelta(days=30)),
        "due_eur": SubscriptionFactory(offer=euro, end=today + datetime.timedelta(days=3)),
        "later": SubscriptionFactory(end=today + datetime.timedelta(days=31)),
        "expiring": SubscriptionFactory(end=today + datetime.timedelta(days=20), auto_renew=False),
        "past_due": SubscriptionFactory(end=today - datetime.timedelta(days=2), status=SubscriptionStatus.PAST_DUE),
        "past_due_eur": SubscriptionFactory(
            offer=euro, end=today - datetime.timedelta(days=5), status=SubscriptionStatus.PAST_DUE
        ),
        "cancelled": SubscriptionFactory(end=today + datetime.timedelta(days=40), status=SubscriptionStatus.CANCELLED),
        "expired": SubscriptionFactory(end=today - datetime.timedelta(days=60), status=SubscriptionStatus.EXPIRED),
        "old_expired": SubscriptionFactory(end=today - datetime.timedelta(days=500), status=SubscriptionStatus.EXPIRED),
    }
    Subscription.objects.filter(pk=subscriptions["cancelled"].pk).update(cancelled_at=_months_ago(1))
    Subscription.objects.filter(pk=subscriptions["expired"].pk).update(expired_at=_months_ago(2))
    Subscription.objects.filter(pk=subscriptions["old_expired"].pk).update(expired_at=_months_ago(16))

    org = OrganizationFactory()
    for months, amount in ((0, 47500), (0, 10000), (1, 47500), (5, 20000), (11, 47500), (13, 99900)):
        PaymentFactory(organization=org, amount=amount, succeeded_at=_months_ago(months))
    for months in (0, 3):
        PaymentFactory(organization=org, amount=30000, currency="EUR", succeeded_at=_months_ago(months))
    PaymentFactory(organization=org, status=PaymentStatus.FAILED, amount=47500)
    refunded = PaymentFactory(organization=org, amount=47500, succeeded_at=_months_ago(2))
    RefundFactory(payment=refunded, amount=20000, succeeded_at=_months_ago(1))
    RefundFactory(payment=refunded, amount=5000, status=RefundStatus.FAILED, succeeded_at=None)
    RefundFactory(
        payment=PaymentFactory(organization=org, amount=30000, currency="EUR", succeeded_at=_months_ago(4)),
        succeeded_at=_months_ago(4),
    )

    renewed = subscriptions["due_usd"]
    for months, kind in ((1, OrderKind.AUTO_RENEWAL), (3, OrderKind.RENEWAL)):
        order = OrderFactory(
            organization=renewed.organization,
            subscription=renewed,
            kind=kind,
            status=OrderStatus.PAID,
            paid_at=_months_ago(months),
            term_start=add_months(renewed.current_period_start, -months),
        )
        OrderPaymentFactory(order=order, succeeded_at=_months_ago(months))
    OrderFactory(organization=renewed.organization, kind=OrderKind.AUTO_RENEWAL, status=OrderStatus.FAILED)

    user = UserFactory()
    now = timezone.now()
    due_at = {
        "breached": now - datetime.timedelta(hours=3),
        "soon": now + datetime.timedelta(minutes=1),
        "later": now + datetime.timedelta(days=30),
        "paused": None,
    }
    for status, deadline in (
        (RequestStatus.OPEN, due_at["breached"]),
        (RequestStatus.IN_PROGRESS, due_at["soon"]),
        (RequestStatus.OPEN, due_at["later"]),
        (RequestStatus.WAITING_ON_PARTNER, due_at["paused"]),
        (RequestStatus.RESOLVED, None),
        (RequestStatus.CLOSED, None),
    ):
        request = ServiceRequestFactory(user=user)
        ServiceRequest.objects.filter(pk=request.pk).update(status=status, sla_due_at=deadline)
    return subscriptions


def _figure_of_changelist(client, url, text):
    """What the changelist at ``url`` says for a cell showing ``text``: its row count, or its amount."""
    response = client.get(url)
    # An unknown or refused lookup would redirect to "?e=1" (302) instead of listing anything.
    assert response.status_code == 200, url
    rows = response.context["cl"].queryset
    if text.strip().isdigit():
        return text, "%d" % rows.count()
    currency = parse_qs(urlsplit(url).query)["currency__exact"][0]
    column = "price_amount" if rows.model is Subscription else "amount"
    assert set(rows.values_list("currency", flat=True)) <= {currency}
    return text, format_money(rows.aggregate(total=Sum(column))["total"] or 0, currency)


def test_every_figure_equals_the_rows_its_link_lists(client):
    _build_programme()
    client.force_login(StaffFactory(superuser=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    glance = _glance_html(response.content.decode())
    cells = CELL.findall(glance)
    linked = [(html.unescape(url), text) for url, text, _plain in cells if url]
    assert len(linked) >= 35  # states, due, requests, two currencies' months, lifecycle
    for url, text in linked:
        shown, listed = _figure_of_changelist(client, url, text)
        assert shown == listed, url
    # A figure without a link is a zero (nothing to list) or the net revenue (payments less refunds).
    for row_label, row in ROW.findall(glance):
        row_cells = CELL.findall(row)
        if len(row_cells) == 3 and row_cells[2][0] == "" and row_label[:1].isupper():
            continue
        for url, _text, plain in row_cells:
            assert url or plain.strip() in {"0", "—"} or "0.00" in plain, (row_label, plain)


def _net_rows(glance_html, currency_title):
    section = glance_html[glance_html.index(currency_title) :]
    section = section[: section.index("</table>")]
    return [(label, [html.unescape(c[1] or c[2]) for c in CELL.findall(row)]) for label, row in ROW.findall(section)]


def test_the_figures_equal_the_ledger_built(client):
    subscriptions = _build_programme()
    glance = programme_at_a_glance()
    this_month = glance.months[-1]

    usd_revenue = {m: f.value for m, f in glance.revenue["USD"].items()}
    assert usd_revenue[this_month] == 57500
    assert usd_revenue[glance.months[-2]] == 47500 + 47500  # a payment and the automatic renewal's
    assert usd_revenue[glance.months[-4]] == 47500  # the manual renewal's payment
    assert usd_revenue[glance.months[-3]] == 47500  # the refunded payment, its month
    assert usd_revenue[glance.months[0]] == 47500  # eleven months ago; thirteen is outside
    assert (
        sum(usd_revenue.values())
        == Payment.objects.filter(
            status=PaymentStatus.SUCCEEDED, currency="USD", succeeded_at__gte=month_start(glance.months[0])
        ).aggregate(s=Sum("amount"))["s"]
    )
    assert {m: f.value for m, f in glance.refunds["USD"].items()} == {glance.months[-2]: 20000}
    assert {m: f.value for m, f in glance.refunds["EUR"].items()} == {glance.months[-5]: 30000}

    assert {s: f.value for s, f in glance.subscriptions_by_state.items()} == {
        "active": 5,
        "past_due": 2,
        "expired": 2,
        "cancelled": 1,
    }
    due = {f.currency: (f.count.value, f.amount.value) for f in glance.renewals_due}
    assert due == {"USD": (2, 95000), "EUR": (1, 30000)}
    assert {f.currency: (f.count.value, f.amount.value) for f in glance.past_due} == {
        "USD": (1, 47500),
        "EUR": (1, 30000),
    }
    assert [(f.currency, f.count.value) for f in glance.expiring] == [("USD", 1)]
    assert subscriptions["later"].pk not in _listed_ids(client, glance.renewals_due[1].count.url)

    assert {k: f.value for k, f in glance.requests_by_sla.items()} == {
        "breached": 1,
        "soon": 1,
        "later": 1,
        "no_clock": 1,
    }
    assert {m: f.value for m, f in glance.lifecycle["renewed"].items()} == {glance.months[-2]: 1, glance.months[-4]: 1}
    renewal_orders = Order.objects.filter(kind__in=[OrderKind.RENEWAL, OrderKind.AUTO_RENEWAL], status="paid")
    assert Payment.objects.filter(
        status=PaymentStatus.SUCCEEDED, reference__in=renewal_orders.values("number")
    ).count() == sum(f.value for f in glance.lifecycle["renewed"].values())
    assert {m: f.value for m, f in glance.lifecycle["cancelled"].items()} == {glance.months[-2]: 1}
    assert {m: f.value for m, f in glance.lifecycle["expired"].items()} == {glance.months[-3]: 1}

    client.force_login(StaffFactory(superuser=True))
    body = _glance_html(client.get(reverse("admin:index")).content.decode())
    rows = dict(_net_rows(body, "Revenue, refunds and net revenue by month (USD)"))
    with translation.override("en"):
        assert rows[_month_label(glance.months[-2])] == [
            format_money(95000, "USD"),
            format_money(20000, "USD"),
            format_money(75000, "USD"),
        ]


def _month_label(month):
    from django.utils.formats import date_format

    return date_format(month, "YEAR_MONTH_FORMAT")


def _listed_ids(client, url):
    client.force_login(StaffFactory(superuser=True))
    return set(client.get(url).context["cl"].queryset.values_list("pk", flat=True))


def test_the_charts_are_inline_svg_without_scripts_and_each_has_its_table(client):
    _build_programme()
    client.force_login(StaffFactory(superuser=True))
    body = client.get(reverse("admin:index")).content.decode()
    glance = _glance_html(body)
    assert glance.count("<svg") >= 5
    assert "<script" not in glance and "kozea.github" not in body and "//cdn" not in body
    for section in glance.split('<section class="glance-block"')[1:]:
        if "<svg" in section:
            assert "<table>" in section and "<caption>" in section
    # Django admin's own index stays reachable below the dashboard.
    assert 'id="content-main"' in body and reverse("admin:offers_subscription_changelist") in body


def test_the_home_is_in_russian_for_a_russian_reader(client):
    _build_programme()
    staff = StaffFactory(superuser=True)
    staff.language = "ru"
    staff.save(update_fields=["language"])
    client.force_login(staff)
    body = client.get(reverse("admin:index")).content.decode()
    assert "Программа с первого взгляда" in body
    assert "Подписки по состояниям" in body


def test_each_cancellation_reason_counts_the_requests_its_link_lists(client):
    subscriptions = [SubscriptionFactory() for _ in range(3)]
    for subscription, reason in zip(
        subscriptions,
        [CancellationReason.TOO_EXPENSIVE, CancellationReason.TOO_EXPENSIVE, CancellationReason.BOUGHT_BY_MISTAKE],
        strict=True,
    ):
        owner = UserFactory(organization=subscription.organization, roles=[Role.GLOBAL_ADMIN])
        ServiceRequestFactory(
            user=owner, subscription=subscription, wants_cancellation=True, cancellation_reason=reason
        )
    ServiceRequestFactory()  # not a cancellation: no reason, not counted
    reasons = programme_at_a_glance().cancellation_reasons
    assert {reason: figure.value for reason, figure in reasons.items()} == {"too_expensive": 2, "bought_by_mistake": 1}
    for reason, figure in reasons.items():
        listed = _listed_ids(client, figure.url)
        assert len(listed) == figure.value
        assert set(ServiceRequest.objects.filter(pk__in=listed).values_list("cancellation_reason", flat=True)) == {
            reason
        }
    client.force_login(StaffFactory(superuser=True))
    body = _glance_html(client.get(reverse("admin:index")).content.decode())
    assert 'id="glance-reasons"' in body and "It is too expensive" in body and "It was bought by mistake" in body


@pytest.mark.parametrize("size", [1, 4])
def test_the_home_runs_the_same_queries_at_any_size(client, size, django_assert_num_queries):
    for _i in range(size):
        _build_programme()
    client.force_login(StaffFactory(superuser=True))
    client.get(reverse("admin:index"))
    # The session and its user, the recent actions, then the dashboard: subscriptions by state (the
    # running totals), terms ending soon, requests, the months' payments, refunds and renewals (one
    # read of the running totals), three for the months' new, cancelled and expired, and the
    # cancellation reasons.
    with django_assert_num_queries(QUERIES):
        client.get(reverse("admin:index"))


QUERIES = 10
