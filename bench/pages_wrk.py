#!/usr/bin/env python3
"""The six cached pages, page cache on and off, against a bare Django view: wrk, one gunicorn per setting.

    cd <checkout> && .venv/bin/python bench/pages_wrk.py [--duration 5] [--rounds 3] [--orders 20]
                                                           [--cache on|off|both] [--no-big]

(A git worktree without its own .venv: run it with another checkout's, e.g.
``/work/main/.venv/bin/python bench/pages_wrk.py``; it takes gunicorn from beside that python.)

1. Builds the SQLite bench server's database (bench/sqlite_server.py: fresh, demo data, a paid
   subscription and --orders orders for Contoso Partners) and adds a big organisation
   (bench/big_org_data.py: 50 users, 200 paid orders with invoices, 20 refunds with credit notes,
   300 service requests, two years of timeline and activity), unless --no-big.
2. For the page cache ON, then OFF (PAGE_CACHE_SECONDS=0, read when the server starts; that server
   has a cache directory of its own, so it never serves what the first one kept): starts gunicorn
   (2 sync workers, 127.0.0.1) on bench.bare:application over that same database: the portal, plus
   /__bench/raw (a plain WSGI function, one query), /__bench/bare (the bare Django view: one query,
   a tiny response, no middleware; TechEmpower's shape) and /__bench/bare-mw (the same view
   through all middleware), all in the same workers. Signs in the demo Billing admin and the big
   organisation's Global admin (global@big.example), counts the queries of a cold request (the
   organisation's data version replaced just before) and a warm one per page in a separate
   process with that server's settings, then runs wrk (2 threads, 8 connections, --duration
   seconds, --latency, the session cookie with -H) against the three reference targets and each
   user's six pages (Offers, subscription details, billing history, requests list, dashboard,
   membership overview) in --rounds alternating rounds.
3. Prints one table per server: req/s (all rounds' requests over all rounds' seconds), p50 and
   p99 (median of the rounds, p99's range), p99 / the bare view's p99, queries per request warm
   (cold), the ratios to the bare view and to the bare view through all middleware of that same
   server and run, and whether each page meets the issue's goal (cache off: >= 0.35 x bare and
   p99 <= 4 x bare's; cache on: >= 0.6 x bare); then both settings side by side.

A full run (5 s x 3 rounds, 15 targets, two servers) takes about 8 minutes; --duration 3 --rounds 1
about 2. run_all.py calls measure() on the production-like stack too. Not a test: nothing is
asserted.
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
REFERENCES = [
    (RAW, "/__bench/raw"),
    (BARE, "/__bench/bare"),
    (BARE_MW, "/__bench/bare-mw"),
]
# The six cached pages (partnerportal.page_cache.cached_page).
PAGES = [
    ("Offers", "/partnership/offers/"),
    ("subscription details", None),  # the organisation's newest subscription, found by count_queries
    ("billing history", "/billing/"),
    ("requests list", "/support/requests/"),
    ("dashboard", "/membership/dashboard/"),
    ("membership overview", "/membership/overview/"),
]
TARGETS = REFERENCES + PAGES
# The goals, each page against the bare view of the same server and run.
GOAL_ON = 0.6  # page cache on: req/s >= 0.6 x bare
GOAL_OFF = 0.35  # page cache off: req/s >= 0.35 x bare ...
GOAL_OFF_P99 = 4  # ... and p99 <= 4 x bare's
BIG_DOMAIN = "big.example"

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
    return sqlite_server.run_for_json(
        env, ["-c", "import django; django.setup()\n" + COUNT, email, cookie, host, json.dumps(paths)], "COUNT", 120
    )


def page_targets(cookie, counted, prefix=""):
    """The six cached pages of one signed-in user (``count_queries``' answer) as wrk targets."""
    targets = []
    for name, path in PAGES:
        path = path or counted["detail"]
        if path is None:
            continue  # no subscription: no details page
        targets.append(
            {
                "name": prefix + name,
                "path": path,
                "cookie": cookie,
                "page": True,
                "queries": counted["queries"].get(path),
                "cold_queries": counted["cold_queries"].get(path),
                "status": counted["status"].get(path, ""),
            }
        )
    return targets


def reference_targets(cookie, counted=None):
    """The plain WSGI function, the bare view and the bare view through all middleware as wrk targets."""
    counted = counted or {"queries": {}, "cold_queries": {}, "status": {}}
    return [
        {
            "name": name,
            "path": path,
            "cookie": cookie,
            "page": False,
            "queries": counted["queries"].get(path),
            "cold_queries": counted["cold_queries"].get(path),
            "status": counted["status"].get(path, "200 OK"),
        }
        for name, path in REFERENCES
    ]


def goal_of(cache):
    """The issue's goal for each page, as (text, test of a row against the bare view's row)."""
    if cache == "off":
        return (
            ">= %.2f x bare, p99 <= %d x bare's" % (GOAL_OFF, GOAL_OFF_P99),
            lambda row, bare: row["rps"] >= GOAL_OFF * bare["rps"] and row["p99"] <= GOAL_OFF_P99 * bare["p99"],
        )
    return (">= %.2f x bare" % GOAL_ON, lambda row, bare: row["rps"] >= GOAL_ON * bare["rps"])


def run_rounds(base, targets, duration, rounds):
    """wrk against every target in alternating rounds (after a 1 s warm-up each); rows by target name."""
    for target in targets:
        if not target["status"].startswith("200"):
            print("  note: %s (%s) answered %s when counted" % (target["name"], target["path"], target["status"]))
        wrk(base + target["path"], target["cookie"], 1)  # imports, templates, connections in both workers
    runs = {target["name"]: [] for target in targets}
    for _ in range(rounds):
        for target in targets:
            runs[target["name"]].append(wrk(base + target["path"], target["cookie"], duration))
    rows = {}
    for target in targets:
        rounds_of = runs[target["name"]]
        rows[target["name"]] = {
            "path": target["path"],
            "page": target["page"],
            "rps": sum(r["requests"] for r in rounds_of) / sum(r["seconds"] for r in rounds_of),
            "p50": statistics.median(r["p50"] for r in rounds_of),
            "p99": statistics.median(r["p99"] for r in rounds_of),
            "p99_range": (min(r["p99"] for r in rounds_of), max(r["p99"] for r in rounds_of)),
            "queries": target["queries"],
            "cold_queries": target["cold_queries"],
            "bad": sum(r["bad"] + r["errors"] for r in rounds_of),
        }
    return rows


def print_table(rows, label, duration, rounds, cache="on"):
    """One server's table: every row's ratios to the bare view of the same run, and the issue's goals."""
    bare = rows[BARE]
    goal_text, meets = goal_of(cache)
    print("\n== %s ==" % label)
    print(
        "page cache %s; queries: per warm request (per cold one: the organisation's data changed just before)" % cache
    )
    print("wrk 2 threads, 8 connections, %d s x %d alternating rounds per target, loopback" % (duration, rounds))
    print("goal (page cache %s): each page %s" % (cache, goal_text))
    head = "%-34s %7s %7s %7s %12s %8s %9s %6s %8s %5s %4s"
    print(
        head
        % (
            "target",
            "req/s",
            "p50 ms",
            "p99 ms",
            "p99 range",
            "p99/bare",
            "queries",
            "/bare",
            "/bare-mw",
            "goal",
            "bad",
        )
    )
    for name, row in rows.items():
        print(
            "%-34s %7.0f %7.2f %7.2f %12s %8.1f %9s %6.2f %8.2f %5s %4d"
            % (
                name,
                row["rps"],
                row["p50"],
                row["p99"],
                "%.1f-%.1f" % row["p99_range"],
                row["p99"] / bare["p99"],
                "-" if row["queries"] is None else "%s (%s)" % (row["queries"], row["cold_queries"]),
                row["rps"] / bare["rps"],
                row["rps"] / rows[BARE_MW]["rps"],
                ("ok" if meets(row, bare) else "MISS") if row["page"] else "",
                row["bad"],
            )
        )
    pages = [name for name, row in rows.items() if row["page"]]
    missed = [name for name in pages if not meets(rows[name], bare)]
    print(
        "middleware: %.2f x bare (goal >= 0.7); pages: lowest %.2f x bare, highest p99 %.1f x bare's; goal met by %d of %d%s"
        % (
            rows[BARE_MW]["rps"] / bare["rps"],
            min(rows[name]["rps"] / bare["rps"] for name in pages) if pages else float("nan"),
            max(rows[name]["p99"] / bare["p99"] for name in pages) if pages else float("nan"),
            len(pages) - len(missed),
            len(pages),
            (" (missed: %s)" % ", ".join(missed)) if missed else "",
        )
    )


def measure(base, targets, duration, rounds, label, cache="on"):
    """wrk against every target in alternating rounds; prints the table and returns its rows."""
    rows = run_rounds(base, targets, duration, rounds)
    print_table(rows, label, duration, rounds, cache)
    return rows


def print_comparison(by_cache):
    """Each page with the page cache on and off, each ratio from its own server's bare view."""
    if len(by_cache) < 2:
        return
    on, off = by_cache["on"], by_cache["off"]
    print("\n== Page cache on and off (each ratio to the bare view of its own server) ==")
    head = "%-34s %9s %9s %9s %9s %12s %12s"
    print(head % ("page", "on req/s", "on /bare", "off req/s", "off /bare", "on p99/bare", "off p99/bare"))
    for name, row in on.items():
        if not row["page"] or name not in off:
            continue
        print(
            "%-34s %9.0f %9.2f %9.0f %9.2f %12.1f %12.1f"
            % (
                name,
                row["rps"],
                row["rps"] / on[BARE]["rps"],
                off[name]["rps"],
                off[name]["rps"] / off[BARE]["rps"],
                row["p99"] / on[BARE]["p99"],
                off[name]["p99"] / off[BARE]["p99"],
            )
        )
    print(
        "bare view: %.0f req/s, p99 %.2f ms (cache on server); %.0f req/s, p99 %.2f ms (cache off server)"
        % (on[BARE]["rps"], on[BARE]["p99"], off[BARE]["rps"], off[BARE]["p99"])
    )


def give_subscription(email, orders):
    """In a process where Django is set up (run_all.py, on the production-like stack): a card, a
    paid subscription and `orders` orders (one paid, the others failed) for the organisation of
    `email`, as sqlite_server.py's PREPARE gives Contoso Partners on SQLite."""
    from django.utils import timezone

    from billing.models import Payment, PaymentMethod, PaymentStatus
    from membership.dates import add_months
    from membership.models import User
    from offers.models import Order, OrderStatus, Subscription

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


def build_big_org(env, email_domain=BIG_DOMAIN):
    """bench/big_org_data.py's organisation in the bench database; its build()'s answer."""
    script = "import json\nfrom bench import big_org_data\nprint('BIG ' + json.dumps(big_org_data.build(%r)))"
    return sqlite_server.shell_for_json(env, script % email_domain, "BIG", 300)


def cookie_header(cookies):
    return "; ".join("%s=%s" % item for item in sorted(cookies.items()))


def serve_and_measure(cache, users, duration, rounds, keep_database):
    """One gunicorn with the page cache on or off: sign the users in, count, measure; the rows."""
    env = sqlite_server.bench_env(cache)
    process, base = sqlite_server.start_gunicorn(env, sqlite_server.free_port())
    try:
        targets = []
        for prefix, email in users:
            cookie = cookie_header(sqlite_server.login(base, email))
            counted = count_queries(env, "127.0.0.1", email, cookie)
            if not targets:
                targets = reference_targets(cookie, counted)
            targets += page_targets(cookie, counted, prefix)
        label = "SQLite bench server, page cache %s: gunicorn 2 sync workers; %s" % (
            cache.upper(),
            ", ".join("%s= %s" % (prefix, email) for prefix, email in users),
        )
        return measure(base, targets, duration, rounds, label, cache)
    finally:
        sqlite_server.stop_gunicorn(process, keep_database=keep_database)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=20, help="orders of the demo organisation")
    parser.add_argument("--cache", choices=["on", "off", "both"], default="both", help="page cache (default both)")
    parser.add_argument("--no-big", action="store_true", help="the demo organisation only")
    args = parser.parse_args(argv)
    if not os.path.exists(WRK):
        print("wrk is not installed (make bench installs Debian's wrk)")
        return 1

    started = time.monotonic()
    caches = ["on", "off"] if args.cache == "both" else [args.cache]
    users = [("demo: ", sqlite_server.EMAIL)]
    try:
        sqlite_server.prepare_database(sqlite_server.bench_env(), args.orders)
        if not args.no_big:
            built = time.monotonic()
            big = build_big_org(sqlite_server.bench_env())
            print(
                "big organisation: %(users)d users, %(orders)d paid orders with invoices, %(refunds)d refunds with "
                "credit notes, %(requests)d requests, %(timeline)d timeline and %(activity)d activity entries" % big,
                "(built in %.1f s)" % (time.monotonic() - built),
            )
            users.append(("big: ", big["global"]))
        by_cache = {}
        for i, cache in enumerate(caches):
            by_cache[cache] = serve_and_measure(
                cache, users, args.duration, args.rounds, keep_database=i < len(caches) - 1
            )
        print_comparison(by_cache)
    finally:
        sqlite_server.remove_database()
    print("measured in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
