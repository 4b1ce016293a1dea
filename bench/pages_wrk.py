#!/usr/bin/env python3
"""Signed-in pages against a bare Django view, measured with wrk on one gunicorn in one run.

    .venv/bin/python bench/pages_wrk.py [--duration 5] [--rounds 3] [--orders 20]

1. Builds the SQLite bench server (bench/sqlite_server.py: fresh database, demo data, a paid
   subscription and a few orders for Contoso Partners) and starts gunicorn (2 sync workers,
   127.0.0.1) on bench.bare:application: the portal, plus /__bench/raw (a plain WSGI function,
   one query), /__bench/bare (the bare Django view: one query, a tiny response, no middleware)
   and /__bench/bare-mw (the same view through all middleware), all in the same workers.
2. Signs in as the demo Billing admin; counts the queries of one warm request per target (a
   separate process, the same settings and the same WSGI application, the same session cookie).
3. Runs wrk (2 threads, 8 connections, --duration seconds, --latency) against every target in
   --rounds alternating rounds, the cookie passed with -H, and prints one table: req/s (all
   rounds' requests over all rounds' seconds), p50 and p99 (median of the rounds, p99's range),
   queries per request, and the ratios to the bare view and to the bare view through all
   middleware.

run_all.py calls measure() on the production-like stack too. Not a test: nothing is asserted.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402
import sqlite_server  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"
LOOPBACK = ("http://127.0.0.1:", "http://localhost:")
RAW, BARE, BARE_MW = "plain WSGI function", "bare Django view", "bare view, all middleware"
TARGETS = [
    (RAW, "/__bench/raw"),
    (BARE, "/__bench/bare"),
    (BARE_MW, "/__bench/bare-mw"),
    ("Offers", "/partnership/offers/"),
    ("subscription details", None),  # the organisation's newest subscription, found by count_queries
    ("billing history", "/billing/"),
    ("requests list", "/support/requests/"),
    ("dashboard", "/membership/dashboard/"),
]

# Runs in a separate process with the server's environment: per path, one cold request (the
# organisation's data version replaced first, as any change to its data does: the user snapshot
# and the page's cached parts miss) and one warm request through bench.bare:application (what
# gunicorn serves), queries counted at the cursor (the handler's request_started signal empties
# connection.queries).
COUNT = r"""
import json, sys
from io import BytesIO
import bench.bare
from django.db import connection
from django.urls import reverse
from membership.models import User
from offers.models import Subscription
from partnerportal import page_cache

email, cookie, host, paths = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
user = User.objects.get(email=email)
subscription = Subscription.objects.filter(organization=user.organization).order_by("-pk").first()
detail = reverse("subscriptions:detail", args=[subscription.pk]) if subscription else None
result = {"detail": detail, "queries": {}, "cold_queries": {}, "status": {}}
for path in paths:
    path = path or detail
    if path is None:
        continue
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": host, "SERVER_PORT": "80",
               "HTTP_HOST": host, "HTTP_COOKIE": cookie, "wsgi.input": BytesIO(), "wsgi.url_scheme": "http",
               "wsgi.errors": sys.stderr}
    page_cache.organization_changed(user.organization_id)
    counts = []
    for attempt in ("cold", "warm"):
        executed = []
        status = []
        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)
        with connection.execute_wrapper(count):
            b"".join(bench.bare.application(dict(environ), lambda s, h, e=None: status.append(s)))
        counts.append(len(executed))
    result["cold_queries"][path], result["queries"][path] = counts
    result["status"][path] = status[0]
print("COUNT " + json.dumps(result))
"""


def wrk(url, cookie, duration, threads=2, connections=8):
    """One wrk run: requests/s, p50 and p99 in ms, non-2xx/3xx, socket errors."""
    if not url.startswith(LOOPBACK):
        raise ValueError("loopback only: %s" % url)
    command = [WRK, "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--latency", "--timeout", "10s"]
    command += ["-H", "Cookie: " + cookie, url]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    requests_line = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(requests_line.group(1)),
        "seconds": _ms(requests_line.group(2), requests_line.group(3)) / 1000,
        "p50": _percentile(output, "50"),
        "p99": _percentile(output, "99"),
        "bad": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def _ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _percentile(output, which):
    match = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % which, output, re.MULTILINE)
    return _ms(match.group(1), match.group(2))


def count_queries(env, host, email, cookie):
    paths = [path for _name, path in TARGETS]
    answer = subprocess.run(
        [
            sqlite_server.PYTHON,
            "-c",
            "import django; django.setup()\n" + COUNT,
            email,
            cookie,
            host,
            json.dumps(paths),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = [line for line in answer.stdout.splitlines() if line.startswith("COUNT ")][-1]
    return json.loads(line[len("COUNT ") :])


def measure(base, cookie, counted, duration, rounds, label):
    """wrk against every target in alternating rounds; prints the table and returns its rows."""
    targets = [(name, path or counted["detail"]) for name, path in TARGETS if path or counted["detail"]]
    for name, path in targets:
        status = counted["status"].get(path, "")
        if not status.startswith("200"):
            print("  note: %s (%s) answered %s when counted" % (name, path, status))
        wrk(base + path, cookie, 1)  # warm-up: imports, templates, connections in both workers
    runs = {name: [] for name, _path in targets}
    for _ in range(rounds):
        for name, path in targets:
            runs[name].append(wrk(base + path, cookie, duration))
    rows = {}
    for name, path in targets:
        rounds_of = runs[name]
        rows[name] = {
            "path": path,
            "rps": sum(r["requests"] for r in rounds_of) / sum(r["seconds"] for r in rounds_of),
            "p50": statistics.median(r["p50"] for r in rounds_of),
            "p99": statistics.median(r["p99"] for r in rounds_of),
            "p99_range": (min(r["p99"] for r in rounds_of), max(r["p99"] for r in rounds_of)),
            "queries": counted["queries"].get(path),
            "cold_queries": counted["cold_queries"].get(path),
            "bad": sum(r["bad"] + r["errors"] for r in rounds_of),
        }
    print("\n== %s ==" % label)
    print("queries: per warm request (per cold one: the organisation's data changed just before)")
    print("wrk 2 threads, 8 connections, %d s x %d alternating rounds per target, loopback" % (duration, rounds))
    head = "%-26s %8s %8s %8s %13s %9s %7s %7s %6s"
    print(head % ("target", "req/s", "p50 ms", "p99 ms", "p99 range", "queries", "/bare", "/bare-mw", "bad"))
    for name, row in rows.items():
        print(
            "%-26s %8.0f %8.2f %8.2f %13s %9s %7.2f %8.2f %6d"
            % (
                name,
                row["rps"],
                row["p50"],
                row["p99"],
                "%.1f-%.1f" % row["p99_range"],
                "-" if row["queries"] is None else "%s (%s)" % (row["queries"], row["cold_queries"]),
                row["rps"] / rows[BARE]["rps"],
                row["rps"] / rows[BARE_MW]["rps"],
                row["bad"],
            )
        )
    bare = rows[BARE]
    print("Goals (issue 12): middleware >= 0.7 x bare: %.2f" % (rows[BARE_MW]["rps"] / bare["rps"]), end="; ")
    if "Offers" in rows:
        offers = rows["Offers"]
        print(
            "Offers >= 0.5 x bare: %.2f, p99 <= 4 x bare's: %.1f x"
            % (offers["rps"] / bare["rps"], offers["p99"] / bare["p99"]),
            end="; ",
        )
    others = [n for n in rows if n not in (RAW, BARE, BARE_MW, "Offers")]
    print("other pages >= 0.4 x bare: lowest %.2f" % min(rows[n]["rps"] / bare["rps"] for n in others))
    return rows


def give_subscription(email, orders):
    """In a process where Django is set up (run_all.py, on the production-like stack): a card, a
    paid subscription and `orders` orders (one paid, the others failed) for the organisation of
    `email`, as sqlite_server.py's PREPARE gives Contoso Partners on SQLite."""
    from django.utils import timezone

    from billing.models import Payment, PaymentMethod, PaymentStatus
    from membership.models import User
    from offers.models import Order, OrderStatus, Subscription
    from offers.terms import add_months

    org = User.objects.get(email=email).organization
    offer = load.action_pack()
    today, now, tag = timezone.localdate(), timezone.now(), "%d-%d" % (os.getpid(), org.pk)
    card = PaymentMethod.objects.create(
        organization=org,
        stripe_payment_method_id="pm_bench_" + tag,
        brand="visa",
        last4="4242",
        exp_month=12,
        exp_year=2030,
        is_default=True,
    )
    sub = Subscription.objects.create(
        organization=org,
        offer=offer,
        started_on=today,
        current_period_start=today,
        current_period_end=add_months(today, 12),
        price_amount=47500,
        currency="USD",
        payment_method=card,
    )
    for i in range(orders):
        paid = i == 0
        order = Order.objects.create(
            number="B%s-%04d" % (tag, i),
            organization=org,
            offer=offer,
            amount=47500,
            currency="USD",
            status=OrderStatus.PAID if paid else OrderStatus.FAILED,
            paid_at=now if paid else None,
            payment_method=card,
            subscription=sub if paid else None,
        )
        Payment.objects.create(
            reference=order.number,
            organization=org,
            attempt=1,
            payment_method=card,
            amount=47500,
            currency="USD",
            idempotency_key="bench-%s-%d" % (tag, i),
            status=PaymentStatus.SUCCEEDED if paid else PaymentStatus.FAILED,
        )


def stack_env_for_counting(env, env_file_values):
    """The server's environment on the production-like stack: its env file over the parent's."""
    counting = dict(env)
    counting.update(env_file_values)
    counting["PYTHONPATH"] = str(ROOT)
    counting.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.production")
    return counting


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args(argv)
    if not os.path.exists(WRK):
        print("wrk is not installed (make bench installs Debian's wrk)")
        return 1

    env = sqlite_server.bench_env()
    sqlite_server.prepare_database(env, args.orders)
    process, base = sqlite_server.start_gunicorn(env, sqlite_server.free_port())
    started = time.monotonic()
    try:
        cookies = sqlite_server.login(base)
        cookie = "; ".join("%s=%s" % item for item in sorted(cookies.items()))
        counted = count_queries(env, "127.0.0.1", sqlite_server.EMAIL, cookie)
        measure(
            base,
            cookie,
            counted,
            args.duration,
            args.rounds,
            "SQLite bench server: gunicorn 2 sync workers, signed in as %s" % sqlite_server.EMAIL,
        )
    finally:
        sqlite_server.stop_gunicorn(process)
    print("measured in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
