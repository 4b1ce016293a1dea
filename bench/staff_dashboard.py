#!/usr/bin/env python
"""How long does the staff's admin home (the programme at a glance) take on a big programme?

Creates its own PostgreSQL database (staff_dashboard_bench, dropped at the end), migrates it, fills
it in SQL with generate_series: 200,000 organisations with one subscription each (every state, two
currencies, terms ending over two years), 1,000,000 payments over three years (one in ten failed),
20,000 refunds, 300,000 paid renewal orders and 20,000 service requests (one in ten a cancellation
with its reason); then, as a staff superuser through Django's test client, reads /admin/ (warm-up,
then RUNS timed reads) and prints the median, the queries per read and the sizes, and one read with the chart cache empty. The fill
runs without triggers and then counts the ledger's running totals once (support/programme/tally.py).

    .venv/bin/python bench/staff_dashboard.py [--subscriptions 200000 --payments 1000000 --runs 21 --keep]
    .venv/bin/python bench/staff_dashboard.py --reuse --explain   # a kept database, each query's plan time

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) names the server; the bench
only ever touches its own database. It prints figures and asserts nothing.
"""

import argparse
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "staff_dashboard_bench"


def _admin_connection(parts):
    import psycopg2

    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection


def _recreate(parts):
    connection = _admin_connection(parts)
    with connection.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS %s" % DATABASE)
        cursor.execute("CREATE DATABASE %s" % DATABASE)
    connection.close()


def _drop(parts):
    connection = _admin_connection(parts)
    with connection.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % DATABASE)
    connection.close()


FILL = """
INSERT INTO membership_organization (name, created_at, network_agreement_version, stripe_customer_id)
SELECT 'Bench partner ' || i, now() - interval '3 years', '', '' FROM generate_series(1, %(subscriptions)s) i;

INSERT INTO offers_subscription (organization_id, offer_id, status, auto_renew, started_on, current_period_start,
    current_period_end, price_amount, currency, renewal_attempts, cancelled_at, expired_at, created_at, updated_at)
SELECT o.id,
       CASE WHEN o.id %% 4 = 0 THEN %(euro)s ELSE %(usd)s END,
       s.status,
       o.id %% 5 <> 0,
       s.start - interval '1 year',
       s.start,
       s.start + interval '1 year',
       CASE WHEN o.id %% 4 = 0 THEN 30000 ELSE 47500 END,
       CASE WHEN o.id %% 4 = 0 THEN 'EUR' ELSE 'USD' END,
       0,
       CASE WHEN s.status = 'cancelled' THEN s.start + interval '100 days' END,
       CASE WHEN s.status = 'expired' THEN s.start + interval '1 year' END,
       now(), now()
FROM (SELECT id FROM membership_organization) o
CROSS JOIN LATERAL (
    SELECT (current_date - (o.id %% 730)::int + 30)::date AS start,
           CASE WHEN o.id %% 20 = 1 THEN 'past_due' WHEN o.id %% 20 = 2 THEN 'cancelled'
                WHEN o.id %% 20 = 3 THEN 'expired' ELSE 'active' END AS status
) s;

INSERT INTO billing_payment (reference, organization_id, attempt, idempotency_key, amount, currency, status,
    failure_code, failure_message, created_at, succeeded_at)
SELECT 'B-' || i, 1 + i %% %(subscriptions)s, 1, 'bench-' || i,
       CASE WHEN i %% 4 = 0 THEN 30000 ELSE 47500 END,
       CASE WHEN i %% 4 = 0 THEN 'EUR' ELSE 'USD' END,
       CASE WHEN i %% 10 = 0 THEN 'failed' ELSE 'succeeded' END, '', '',
       now() - (i %% 1095) * interval '1 day' - (i %% 86400) * interval '1 second',
       CASE WHEN i %% 10 = 0 THEN NULL
            ELSE now() - (i %% 1095) * interval '1 day' - (i %% 86400) * interval '1 second' END
FROM generate_series(1, %(payments)s) i;

INSERT INTO billing_refund (payment_id, organization_id, amount, currency, status, idempotency_key, reason,
    failure_message, created_at, succeeded_at)
SELECT p.id, p.organization_id, p.amount / 2, p.currency, 'succeeded', 'bench-refund-' || p.id, '', '',
       p.succeeded_at + interval '20 days', p.succeeded_at + interval '20 days'
FROM billing_payment p WHERE p.status = 'succeeded' AND p.id %% 45 = 0;

INSERT INTO offers_order (number, organization_id, offer_id, kind, status, subscription_id, amount, currency,
    net_amount, tax_amount, tax_rate, tax_reason, term_start, term_end, failure_message, created_at, paid_at)
SELECT 'R-' || i, s.organization_id, s.offer_id, CASE WHEN i %% 3 = 0 THEN 'renewal' ELSE 'auto_renewal' END,
       'paid', s.id, s.price_amount, s.currency, s.price_amount, 0, 0, '',
       s.current_period_start - (i / %(subscriptions)s + 1) * interval '1 year',
       s.current_period_start - (i / %(subscriptions)s) * interval '1 year', '',
       now() - (i %% 1095) * interval '1 day', now() - (i %% 1095) * interval '1 day'
FROM generate_series(0, %(renewals)s - 1) i
JOIN offers_subscription s ON s.id = (SELECT min(id) FROM offers_subscription) + i %% %(subscriptions)s;

INSERT INTO support_servicerequest (number, organization_id, requester_id, problem_type, title, description,
    subscription_id, wants_cancellation, cancellation_reason, cancellation_reason_other, quote_kind, quote_currency,
    severity, status, created_at, updated_at, sla_due_at)
SELECT 'SR-B' || i, s.organization_id, %(requester)s, 'other', 'Bench request', '…',
       CASE WHEN i %% 10 = 0 THEN s.id END, i %% 10 = 0,
       CASE WHEN i %% 10 = 0 THEN (ARRAY['too_expensive', 'not_using_benefits', 'other_programme',
                                         'bought_by_mistake'])[1 + i / 10 %% 4] ELSE '' END,
       '', '', '', 'moderate',
       (ARRAY['open', 'in_progress', 'waiting_on_partner', 'resolved', 'closed'])[1 + i %% 5],
       now() - i * interval '1 hour', now(),
       CASE WHEN i %% 5 IN (0, 1) THEN now() + (i %% 200 - 100) * interval '1 hour' END
FROM generate_series(1, %(requests)s) i
JOIN offers_subscription s ON s.id = (SELECT min(id) FROM offers_subscription) + i %% %(subscriptions)s;
"""


def _fill(subscriptions, payments):
    from django.db import connection

    from membership.models import User
    from offers.demo_catalogue import load_demo_catalogue
    from offers.models import Offer
    from support.programme import tally

    usd = load_demo_catalogue()
    euro = Offer.objects.create(code="bench-eur", name="Bench EUR", price_amount=30000, currency="EUR")
    staff = User.objects.create_superuser(email="bench-staff@partner.example", password="bench-pass-2026")
    requester = User.objects.create_user(email="bench-partner@partner.example", password="bench-pass-2026")
    params = {
        "subscriptions": subscriptions,
        "payments": payments,
        "renewals": int(subscriptions * 1.5),
        "requests": 20_000,
        "usd": usd.pk,
        "euro": euro.pk,
        "requester": requester.pk,
    }
    with connection.cursor() as cursor:
        # A bulk load as a restore would do it: without the ledger's triggers (support/programme/tally.py),
        # whose totals are then counted once from the rows, as the migration counts an existing ledger.
        cursor.execute("SET session_replication_role = replica")
        for statement in FILL.split(";\n\n"):
            if statement.strip():
                cursor.execute(statement, params)
        cursor.execute("SET session_replication_role = DEFAULT")
    tally.rebuild(connection)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM offers_subscription")
        counted_subscriptions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM billing_payment")
        counted_payments = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        connection.ensure_connection()
        old = connection.connection.autocommit
        connection.connection.autocommit = True
        cursor.execute("VACUUM ANALYZE")
        connection.connection.autocommit = old
    return staff, counted_subscriptions, counted_payments


def _counted():
    """The staff user and the sizes of a database filled by an earlier run (--keep)."""
    from django.db import connection

    from membership.models import User

    staff = User.objects.get(email="bench-staff@partner.example")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT (SELECT count(*) FROM offers_subscription), (SELECT count(*) FROM billing_payment)")
        subscriptions, payments = cursor.fetchone()
    return staff, subscriptions, payments


def _explain(connection, captured):
    """Each query's execution time as PostgreSQL measures it, and the plan of the slow ones."""
    print("EXPLAIN ANALYZE, each query of one read:")
    with connection.cursor() as cursor:
        for query in captured:
            if not query["sql"].startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + query["sql"])
            plan = [row[0] for row in cursor.fetchall()]
            executed = next(line for line in plan if line.startswith("Execution Time"))
            print("  %s  %s" % (executed.split(": ")[1].rjust(12), query["sql"][:100]))
            if float(executed.split()[2]) > 5:
                print("\n".join("      " + line for line in plan))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=200_000)
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="leave the database for EXPLAIN")
    parser.add_argument("--reuse", action="store_true", help="read a kept database again (migrated, not refilled)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE's time of each query")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse

    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    if not args.reuse:
        _recreate(parts)
    os.environ["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path="/" + DATABASE))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    try:
        import django

        django.setup()
        from django.core.cache import cache
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, setup_test_environment

        setup_test_environment()
        call_command("migrate", verbosity=0)
        if args.reuse:
            staff, subscriptions, payments = _counted()
        else:
            started = time.perf_counter()
            staff, subscriptions, payments = _fill(args.subscriptions, args.payments)
            print("filled in %.1f s" % (time.perf_counter() - started))
        client = Client()
        client.force_login(staff)
        for _warm in range(3):
            response = client.get("/admin/")
            assert response.status_code == 200, response.status_code
        times = []
        for _run in range(args.runs):
            started = time.perf_counter()
            client.get("/admin/")
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as capture:
            client.get("/admin/")
        # A copy: the next request empties the log that the capture reads from.
        captured = list(capture.captured_queries)
        # The charts are kept under keys made of their figures; a first read after a change draws them.
        cache.clear()
        started = time.perf_counter()
        client.get("/admin/")
        print("one read with no chart drawn yet: %.0f ms" % ((time.perf_counter() - started) * 1000))
        for query in sorted(captured, key=lambda q: -float(q["time"]))[:12]:
            print("%7.1f ms  %s" % (float(query["time"]) * 1000, query["sql"][:110]))
        if args.explain:
            _explain(connection, captured)
        print("min %.1f ms, max %.1f ms over %d reads" % (min(times), max(times), len(times)))
        connection.close()
        print(
            "staff-dashboard: %.0f ms p50, %d queries, %d subscriptions, %d payments"
            % (statistics.median(times), len(captured), subscriptions, payments)
        )
    finally:
        if not args.keep:
            _drop(parts)


if __name__ == "__main__":
    main()
