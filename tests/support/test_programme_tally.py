"""The ledger's running totals (support/programme/tally.py) equal the rows they count, whoever writes them.

The totals are kept by database triggers, so each test writes the ledger the ways code can
(factories through save(), QuerySet.update(), delete, a rolled-back transaction) and compares the
totals with what the rows say, counted here in Python. The staff's months are then checked at
their edges in time zones whose months start at midnight UTC, at 23:00 UTC (Dublin in summer),
and off the hour (India, Nepal, Newfoundland), against the rows their links list.
"""

import datetime
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from billing.models import Payment, PaymentStatus, Refund, RefundStatus
from membership.dates import add_months
from offers.models import Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from support.programme import charts, tally
from support.programme.selectors import month_start, programme_at_a_glance
from tests.factories.billing import PaymentFactory, RefundFactory
from tests.factories.membership import OrganizationFactory
from tests.factories.offers import OfferFactory, OrderFactory, SubscriptionFactory
from tests.factories.support import StaffFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def _totals():
    """Both tallies as stored, leaving out the rows a removal brought back to zero."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT grain, bucket, source, currency, n, amount FROM %s WHERE n <> 0 OR amount <> 0" % tally.TALLY
        )
        flows = sorted(cursor.fetchall())
        cursor.execute("SELECT status, currency, n, amount FROM %s WHERE n <> 0 OR amount <> 0" % tally.SUBSCRIPTIONS)
        subscriptions = sorted(cursor.fetchall())
    return flows, subscriptions


def _ledger():
    """The same totals, counted here from the rows themselves."""
    flows = defaultdict(lambda: [0, 0])
    sources = {
        "payment": Payment.objects.filter(status=PaymentStatus.SUCCEEDED).values_list(
            "currency", "succeeded_at", "amount"
        ),
        "refund": Refund.objects.filter(status=RefundStatus.SUCCEEDED).values_list(
            "currency", "succeeded_at", "amount"
        ),
        "renewal": Order.objects.filter(
            status=OrderStatus.PAID, kind__in=[OrderKind.RENEWAL, OrderKind.AUTO_RENEWAL]
        ).values_list("currency", "paid_at", "amount"),
    }
    for source, rows in sources.items():
        for currency, moment, amount in rows:
            if moment is None:
                continue
            for grain in tally.GRAINS:
                total = flows[(grain, int(moment.timestamp()) // grain, source, currency)]
                total[0] += 1
                total[1] += amount
    subscriptions = defaultdict(lambda: [0, 0])
    for status, currency, price in Subscription.objects.values_list("status", "currency", "price_amount"):
        subscriptions[(status, currency)][0] += 1
        subscriptions[(status, currency)][1] += price
    return (
        sorted((*key, n, amount) for key, (n, amount) in flows.items()),
        sorted((*key, n, amount) for key, (n, amount) in subscriptions.items()),
    )


def test_the_totals_follow_every_write_to_the_ledger():
    org = OrganizationFactory()
    euro = OfferFactory(price_amount=30000, currency="EUR")
    paid = PaymentFactory(organization=org, amount=47500)
    PaymentFactory(organization=org, amount=12000, succeeded_at=datetime.datetime(2026, 3, 31, 23, 10, tzinfo=UTC))
    pending = PaymentFactory(organization=org, status=PaymentStatus.PENDING)
    PaymentFactory(organization=org, status=PaymentStatus.FAILED)
    assert _totals() == _ledger()

    # A pending payment that succeeds (save()), amounts, currencies and dates changed in bulk.
    pending.status, pending.succeeded_at = PaymentStatus.SUCCEEDED, datetime.datetime(2026, 1, 5, 9, tzinfo=UTC)
    pending.save()
    Payment.objects.filter(pk=paid.pk).update(amount=50000)
    Payment.objects.filter(pk=paid.pk).update(currency="EUR", succeeded_at=datetime.datetime(2025, 12, 1, tzinfo=UTC))
    assert _totals() == _ledger()
    # One that no longer counts, and one removed.
    Payment.objects.filter(pk=pending.pk).update(status=PaymentStatus.FAILED)
    Payment.objects.filter(pk=paid.pk).delete()
    # A change that touches nothing counted leaves the totals alone.
    Payment.objects.update(failure_message="noted")
    assert _totals() == _ledger()

    refund = RefundFactory(payment=PaymentFactory(organization=org, amount=30000, currency="EUR"), amount=10000)
    RefundFactory(payment=refund.payment, amount=5000, status=RefundStatus.FAILED, succeeded_at=None)
    Refund.objects.filter(pk=refund.pk).update(amount=20000)
    assert _totals() == _ledger()

    subscription = SubscriptionFactory()
    SubscriptionFactory(offer=euro)
    renewal = OrderFactory(
        organization=subscription.organization,
        subscription=subscription,
        kind=OrderKind.AUTO_RENEWAL,
        status=OrderStatus.PAID,
        paid_at=datetime.datetime(2026, 2, 2, 12, tzinfo=UTC),
        term_start=subscription.current_period_end,
    )
    OrderFactory(
        organization=subscription.organization,
        kind=OrderKind.PURCHASE,
        status=OrderStatus.PAID,
        paid_at=datetime.datetime(2026, 2, 2, 13, tzinfo=UTC),
    )
    OrderFactory(organization=subscription.organization, kind=OrderKind.RENEWAL, status=OrderStatus.FAILED)
    assert _totals() == _ledger()
    Order.objects.filter(pk=renewal.pk).update(
        kind=OrderKind.RENEWAL, paid_at=datetime.datetime(2026, 2, 3, tzinfo=UTC)
    )
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.PAST_DUE, price_amount=50000)
    assert _totals() == _ledger()
    Order.objects.filter(pk=renewal.pk).update(status=OrderStatus.FAILED)
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.EXPIRED)
    assert _totals() == _ledger()


def test_a_write_rolled_back_takes_its_totals_with_it():
    PaymentFactory(amount=47500)
    before = _totals()
    with pytest.raises(RuntimeError), transaction.atomic():
        PaymentFactory(amount=10000)
        SubscriptionFactory()
        assert _totals() != before
        raise RuntimeError("the writer fails after its rows")
    assert _totals() == before == _ledger()


def test_counting_afresh_finds_what_the_triggers_kept():
    org = OrganizationFactory()
    for day in (1, 15, 28):
        PaymentFactory(organization=org, amount=1000 * day, succeeded_at=datetime.datetime(2026, 3, day, tzinfo=UTC))
    RefundFactory(payment=PaymentFactory(organization=org), amount=500)
    SubscriptionFactory()
    kept = _totals()
    tally.rebuild(connection)
    assert _totals() == kept == _ledger()


def test_a_month_boundary_off_a_quarter_hour_is_refused():
    with pytest.raises(ValueError):
        tally.months_sql([0, 900 * 4 + 60])


@pytest.mark.parametrize("zone", ["Europe/Dublin", "Asia/Kolkata", "Asia/Kathmandu", "America/St_Johns", "UTC"])
def test_each_month_holds_exactly_the_payments_between_its_edges(zone):
    """Payments a second either side of every month's start land in the month the staff's zone says."""
    now = datetime.datetime(2026, 6, 10, 12, tzinfo=UTC)
    org = OrganizationFactory()
    with override_settings(STAFF_TIME_ZONE=zone):
        today = now.astimezone(ZoneInfo(zone)).date()
        first = add_months(today.replace(day=1), -11)
        edges = [month_start(add_months(first, i)) for i in range(13)]
        for i, edge in enumerate(edges):
            for offset, amount in ((-1, 100 + i), (0, 10_000 + i), (1, 1_000_000 + i)):
                PaymentFactory(organization=org, amount=amount, succeeded_at=edge + datetime.timedelta(seconds=offset))
        glance = programme_at_a_glance(now=now)
        revenue = glance.revenue["USD"]
        assert sorted(revenue) == glance.months
        for i, month in enumerate(glance.months):
            in_month = Payment.objects.filter(
                status=PaymentStatus.SUCCEEDED, succeeded_at__gte=edges[i], succeeded_at__lt=edges[i + 1]
            ).aggregate(total=Sum("amount"))["total"]
            # The month's own start and the second after it, and the second before the next one.
            assert revenue[month].value == in_month == (10_000 + i) + (1_000_000 + i) + (100 + i + 1)


def test_a_chart_is_drawn_once_for_the_same_figures_and_again_when_one_changes(monkeypatch):
    cache.clear()
    drawn = []
    draw = charts._draw

    def counting(**kwargs):
        drawn.append(kwargs["series"])
        return draw(**kwargs)

    monkeypatch.setattr(charts, "_draw", counting)
    with translation.override("en"):
        first = charts.bar_chart(title="Subscriptions", labels=["Active", "Expired"], series=[("n", [3, 1])])
        again = charts.bar_chart(title="Subscriptions", labels=["Active", "Expired"], series=[("n", [3, 1])])
        changed = charts.bar_chart(title="Subscriptions", labels=["Active", "Expired"], series=[("n", [4, 1])])
    with translation.override("ru"):
        charts.bar_chart(title="Subscriptions", labels=["Active", "Expired"], series=[("n", [3, 1])])
    assert first == again and "<svg" in first and changed != first
    assert len(drawn) == 3


def test_a_count_chart_has_whole_number_guides_and_a_money_chart_keeps_its_own():
    cache.clear()
    counts = charts.bar_chart(title="Requests", labels=["Open", "Closed"], series=[("Requests", [2, 1])])
    assert ">1<" in counts and ">2<" in counts
    assert ">0.5<" not in counts and ">1.5<" not in counts and ">0.4<" not in counts
    money = charts.bar_chart(title="Revenue", labels=["01.2026"], series=[("Revenue", [0.5])])
    assert "<svg" in money


def test_no_cancellation_yet_reads_none_rather_than_an_empty_table(client):
    client.force_login(StaffFactory(superuser=True))
    body = client.get(reverse("admin:index")).content.decode()
    section = body[body.index('id="glance-reasons"') :]
    section = section[: section.index("</section>")]
    assert '<th scope="row">None</th>' in section
