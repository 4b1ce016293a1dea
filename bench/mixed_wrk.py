#!/usr/bin/env python3
"""A mixed run: hundreds of organisations and signed-in sessions on their six cached pages, with wrk.

    cd <checkout> && .venv/bin/python bench/mixed_wrk.py [--duration 5] [--rounds 3] [--organizations 250]
                                                          [--sessions 500] [--connections 8] [--cache on|off|both]

(A git worktree without its own .venv: run it with another checkout's python, as bench/pages_wrk.py.)

1. Builds the SQLite bench server's database (bench/sqlite_server.py) and, in a setup process with
   the server's settings, --organizations organisations from bulk rows: each enrolled, with two
   users (a Global admin and a Billing admin, who may see all six pages); four in five with a card,
   a paid Action Pack subscription (its purchase on the timeline) and three orders with payments
   (one failed); every other one with two service requests. Then --sessions signed-in sessions
   spread over those users, made with ``django.test.Client().force_login(user)`` (whatever the
   session engine is; nobody signs in over HTTP), and writes every (session cookie, page) pair
   (Offers, subscription details where the organisation has a subscription, billing history,
   requests list, dashboard, membership overview), shuffled, into var/bench/mixed-<pid>.tsv.
2. For the page cache ON, then OFF (PAGE_CACHE_SECONDS=0 at server start: nothing is read from or
   kept in the cache), starts gunicorn (2 sync workers) on bench.bare:application over that database and
   runs, in --rounds alternating rounds: wrk on the plain WSGI function, the bare Django view and
   the bare view through all middleware (as bench/pages_wrk.py), and wrk with bench/mixed.lua,
   whose request() rotates over the file's lines, each thread from its own place in it.
3. Prints per server req/s, p50, p99 (median of rounds), p99 / the bare view's p99, the count of
   answers other than 200 (mixed.lua counts them: a session that is not signed in answers 302,
   which wrk itself counts as a success) plus socket errors, and the ratio to the bare view of the
   same server and run; then both settings side by side, with the issue's goals for the pages
   (cache off >= 0.35 x bare, p99 <= 4 x bare's; cache on >= 0.6 x bare).

Before the rounds, each server gets every line of the file once (4 Python threads; --no-warm for
none): the first request of a (session, page) renders and, with the cache on, stores the page
(about 3,000 pages for 500 sessions), and a short run would otherwise measure first visits only.
The table says how many distinct requests the file has and how many each round made. The cache is
the embedded default's (each gunicorn worker's memory, up to 5,000 pages per worker).
A full run (5 s x 3 rounds) takes about 4 minutes, --duration 3 --rounds 1 about 3. Not a test:
nothing is asserted.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import pages_wrk  # noqa: E402
import sqlite_server  # noqa: E402

LUA = ROOT / "bench" / "mixed.lua"
ENTRIES = sqlite_server.BENCH_DIR / ("mixed-%d.tsv" % os.getpid())
MIXED = "mixed: sessions x pages"
PASSWORD = "demo-pass-2026"
THREADS = 2


def prepare(organizations, sessions, entries_path, seed=2026):
    """In a process where Django is set up on the bench database: the organisations, users and
    sessions; writes the (cookie, path) lines to ``entries_path`` and returns counts."""
    import datetime

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from billing.models import Payment, PaymentMethod, PaymentStatus
    from membership.dates import add_months
    from membership.models import ActivityEntry, Organization, Role, User, UserRole
    from membership.services import NETWORK_AGREEMENT_VERSION
    from offers.models import Offer, Order, OrderStatus, Subscription, TimelineKind
    from offers.selectors import ACTION_PACK_CODE
    from offers.services import timeline_entry_build
    from partnerportal import page_cache
    from support.models import ProblemType, RequestStatus, ServiceRequest, StatusChange

    rng = random.Random(seed)
    now = timezone.now()
    offer = Offer.objects.get(code=ACTION_PACK_CODE)
    tag = "M%d" % os.getpid()
    with transaction.atomic():
        orgs = Organization.objects.bulk_create(
            Organization(name="Mixed Partners %04d" % i, created_at=now - datetime.timedelta(days=400))
            for i in range(organizations)
        )
        password = make_password(PASSWORD)
        users = User.objects.bulk_create(
            User(email="%s%04d@mixed.example" % (local, i), password=password, organization=org, first_name=local)
            for i, org in enumerate(orgs)
            for local in ("global", "billing")
        )
        UserRole.objects.bulk_create(
            UserRole(user=user, role=Role.GLOBAL_ADMIN if n % 2 == 0 else Role.BILLING_ADMIN)
            for n, user in enumerate(users)
        )
        for i, org in enumerate(orgs):
            org.network_agreement_version = NETWORK_AGREEMENT_VERSION
            org.network_agreement_accepted_at = now - datetime.timedelta(days=399)
            org.network_agreement_accepted_by = users[2 * i]
        Organization.objects.bulk_update(
            orgs, ["network_agreement_version", "network_agreement_accepted_at", "network_agreement_accepted_by"]
        )
        subscribed = [org for i, org in enumerate(orgs) if i % 5 != 4]
        cards = PaymentMethod.objects.bulk_create(
            PaymentMethod(
                organization=org,
                stripe_payment_method_id="pm_%s_%d" % (tag, org.pk),
                brand="visa",
                last4="4242",
                exp_month=12,
                exp_year=2030,
                is_default=True,
            )
            for org in subscribed
        )
        subscriptions, orders = [], []
        for org, card in zip(subscribed, cards, strict=True):
            started = timezone.localdate() - datetime.timedelta(days=rng.randrange(1, 300))
            subscriptions.append(
                Subscription(
                    organization=org,
                    offer=offer,
                    started_on=started,
                    current_period_start=started,
                    current_period_end=add_months(started, offer.term_months),
                    price_amount=offer.price_amount,
                    currency=offer.currency,
                    payment_method=card,
                )
            )
        subscriptions = Subscription.objects.bulk_create(subscriptions)
        for sub, card in zip(subscriptions, cards, strict=True):
            for n in range(3):
                paid = n < 2
                at = now - datetime.timedelta(days=rng.randrange(1, 300))
                orders.append(
                    Order(
                        number="%s-%d-%d" % (tag, sub.organization_id, n),
                        organization_id=sub.organization_id,
                        offer=offer,
                        status=OrderStatus.PAID if paid else OrderStatus.FAILED,
                        subscription=sub if n == 0 else None,
                        payment_method=card,
                        amount=offer.price_amount,
                        currency=offer.currency,
                        term_start=sub.started_on if n == 0 else None,
                        term_end=sub.current_period_end if n == 0 else None,
                        created_at=at,
                        paid_at=at if paid else None,
                    )
                )
        orders = Order.objects.bulk_create(orders)
        Payment.objects.bulk_create(
            Payment(
                reference=order.number,
                organization_id=order.organization_id,
                attempt=1,
                payment_method=order.payment_method,
                idempotency_key="%s-%s" % (tag, order.number),
                amount=order.amount,
                currency=order.currency,
                status=PaymentStatus.SUCCEEDED if order.status == OrderStatus.PAID else PaymentStatus.FAILED,
                created_at=order.created_at,
                succeeded_at=order.paid_at,
            )
            for order in orders
        )
        ActivityEntry.objects.bulk_create(
            timeline_entry_build(
                subscription=sub,
                kind=TimelineKind.PURCHASED,
                data={
                    "order": "%s-%d-0" % (tag, sub.organization_id),
                    "amount": sub.price_amount,
                    "currency": sub.currency,
                    "start": sub.current_period_start.isoformat(),
                    "end": sub.current_period_end.isoformat(),
                },
            )
            for sub in subscriptions
        )
        requests = ServiceRequest.objects.bulk_create(
            ServiceRequest(
                organization=org,
                requester=users[2 * i],
                problem_type=ProblemType.OTHER,
                title="Question %d" % n,
                description="Please look into it.",
                status=RequestStatus.OPEN,
            )
            for i, org in enumerate(orgs)
            if i % 2 == 0
            for n in range(2)
        )
        for request in requests:
            request.number = "SR-%06d" % request.pk
        ServiceRequest.objects.bulk_update(requests, ["number"])
        StatusChange.objects.bulk_create(
            StatusChange(request=r, to_status=RequestStatus.OPEN, changed_by=r.requester) for r in requests
        )
        # bulk_create sends no post_save: every organisation's cached parts are old.
        for org in orgs:
            page_cache.organization_changed(org.pk)

    # Sessions as a sign-in makes them, through the session engine in the settings.
    subscription_of = {sub.organization_id: sub.pk for sub in subscriptions}
    static_paths = [
        reverse("offers:offer_list"),
        reverse("billing:history"),
        reverse("support:request_list"),
        reverse("dashboard:index"),
        reverse("dashboard:overview"),
    ]
    lines = []
    for n in range(sessions):
        user = users[n % len(users)]
        client = Client()
        client.force_login(user, backend="membership.backends.PortalBackend")
        cookie = "%s=%s; %s=%s" % (
            settings.CSRF_COOKIE_NAME,
            _get_new_csrf_string(),
            settings.SESSION_COOKIE_NAME,
            client.cookies[settings.SESSION_COOKIE_NAME].value,
        )
        paths = list(static_paths)
        if user.organization_id in subscription_of:
            paths.append(reverse("subscriptions:detail", args=[subscription_of[user.organization_id]]))
        lines += ["%s\t%s" % (cookie, path) for path in paths]
    rng.shuffle(lines)
    Path(entries_path).write_text("\n".join(lines) + "\n")
    return {
        "organizations": len(orgs),
        "users": len(users),
        "subscriptions": len(subscriptions),
        "orders": len(orders),
        "requests": len(requests),
        "sessions": sessions,
        "lines": len(lines),
    }


def run_prepare(env, organizations, sessions):
    script = "import json\nfrom bench import mixed_wrk\nprint('PREPARED ' + json.dumps(mixed_wrk.prepare(%d, %d, %r)))"
    return sqlite_server.shell_for_json(env, script % (organizations, sessions, str(ENTRIES)), "PREPARED", 600)


def wrk_mixed(base, duration, connections):
    """One wrk run of bench/mixed.lua: pages_wrk.wrk()'s figures plus the answers other than 200."""
    if not base.startswith(pages_wrk.LOOPBACK):
        raise ValueError("loopback only: %s" % base)
    command = [pages_wrk.WRK, "-t%d" % THREADS, "-c%d" % connections, "-d%ds" % duration, "--latency"]
    command += ["--timeout", "10s", "-s", str(LUA), base, "--", str(ENTRIES), str(THREADS)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True).stdout
    requests_line = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    mixed = re.search(r"MIXED not200=(\d+) errors5xx=\d+ answered=(\d+)", output)
    return {
        "requests": int(requests_line.group(1)),
        "seconds": pages_wrk._ms(requests_line.group(2), requests_line.group(3)) / 1000,
        "p50": pages_wrk._percentile(output, "50"),
        "p99": pages_wrk._percentile(output, "99"),
        "bad": int(mixed.group(1)) if mixed else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def check_sessions(base, count=5):
    """The first lines of the file, one plain request each: a session that is not signed in answers 302."""
    import requests

    statuses = []
    for line in ENTRIES.read_text().splitlines()[:count]:
        cookie, path = line.split("\t")
        answer = requests.get(base + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
        statuses.append(answer.status_code)
    return statuses


def warm_every_line(base, workers=4):
    """Every (session, page) of the file once, so the rounds measure revisits; the statuses counted."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def one(line):
        cookie, path = line.split("\t")
        return requests.get(base + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(workers) as pool:
        statuses = list(pool.map(one, ENTRIES.read_text().splitlines()))
    return {status: statuses.count(status) for status in sorted(set(statuses))}


def serve_and_measure(cache, duration, rounds, connections, lines, keep_database, warm=True):
    env = sqlite_server.bench_env(cache)
    process, base = sqlite_server.start_gunicorn(env, sqlite_server.free_port())
    try:
        statuses = check_sessions(base)
        if any(status != 200 for status in statuses):
            print("  note: the first sessions answered %s (200 expected)" % statuses)
        if warm:
            began = time.monotonic()
            print(
                "  warm-up (page cache %s): every line once: statuses %s in %.0f s"
                % (cache, warm_every_line(base), time.monotonic() - began)
            )
        references = pages_wrk.reference_targets("")
        for target in references:
            pages_wrk.wrk(base + target["path"], "", 1)
        wrk_mixed(base, 1, connections)  # warm-up: imports, templates, connections in both workers
        runs = {target["name"]: [] for target in references}
        runs[MIXED] = []
        for _ in range(rounds):
            for target in references:
                runs[target["name"]].append(pages_wrk.wrk(base + target["path"], "", duration))
            runs[MIXED].append(wrk_mixed(base, duration, connections))
    finally:
        sqlite_server.stop_gunicorn(process, keep_database=keep_database)
    rows = {}
    for name, rounds_of in runs.items():
        rows[name] = {
            "rps": sum(r["requests"] for r in rounds_of) / sum(r["seconds"] for r in rounds_of),
            "p50": statistics.median(r["p50"] for r in rounds_of),
            "p99": statistics.median(r["p99"] for r in rounds_of),
            "p99_range": (min(r["p99"] for r in rounds_of), max(r["p99"] for r in rounds_of)),
            "bad": sum(r["bad"] + r["errors"] for r in rounds_of),
            "requests": [r["requests"] for r in rounds_of],
        }
    bare = rows[pages_wrk.BARE]
    goal_text, meets = pages_wrk.goal_of(cache)
    print("\n== Mixed run, SQLite bench server, page cache %s: gunicorn 2 sync workers ==" % cache.upper())
    print(
        "wrk %d threads; references 8 connections, mixed %d connections; %d s x %d alternating rounds; "
        "%d distinct (session, page) requests" % (THREADS, connections, duration, rounds, lines)
    )
    print("goal for the pages (page cache %s): %s" % (cache, goal_text))
    head = "%-28s %7s %7s %8s %13s %8s %6s %8s %5s"
    print(head % ("target", "req/s", "p50 ms", "p99 ms", "p99 range", "p99/bare", "/bare", "non-200", "goal"))
    for name, row in rows.items():
        print(
            "%-28s %7.0f %7.2f %8.2f %13s %8.1f %6.2f %8d %5s"
            % (
                name,
                row["rps"],
                row["p50"],
                row["p99"],
                "%.1f-%.1f" % row["p99_range"],
                row["p99"] / bare["p99"],
                row["rps"] / bare["rps"],
                row["bad"],
                ("ok" if meets(row, bare) else "MISS") if name == MIXED else "",
            )
        )
    print("mixed requests per round: %s (non-200 counts socket errors too)" % (rows[MIXED]["requests"],))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--organizations", type=int, default=250)
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections of the mixed run")
    parser.add_argument("--no-warm", action="store_true", help="no pass over every line before the rounds")
    parser.add_argument("--cache", choices=["on", "off", "both"], default="both", help="page cache (default both)")
    args = parser.parse_args(argv)
    if not os.path.exists(pages_wrk.WRK):
        print("wrk is not installed (make bench installs Debian's wrk)")
        return 1

    started = time.monotonic()
    caches = ["on", "off"] if args.cache == "both" else [args.cache]
    try:
        env = sqlite_server.bench_env()
        sqlite_server.prepare_database(env, 20)
        made = time.monotonic()
        prepared = run_prepare(env, args.organizations, args.sessions)
        print(
            "mixed data: %(organizations)d organisations, %(users)d users, %(subscriptions)d subscriptions, "
            "%(orders)d orders, %(requests)d requests, %(sessions)d sessions, %(lines)d (session, page) lines"
            % prepared,
            "(made in %.1f s)" % (time.monotonic() - made),
        )
        by_cache = {}
        for i, cache in enumerate(caches):
            by_cache[cache] = serve_and_measure(
                cache,
                args.duration,
                args.rounds,
                args.connections,
                prepared["lines"],
                keep_database=i < len(caches) - 1,
                warm=not args.no_warm,
            )
        if len(by_cache) == 2:
            print("\n== Mixed run: page cache on and off (each ratio to the bare view of its own server) ==")
            for cache, rows in by_cache.items():
                mixed, bare = rows[MIXED], rows[pages_wrk.BARE]
                print(
                    "cache %-3s mixed %5.0f req/s, p99 %7.2f ms = %5.1f x bare's; %.2f x bare (%5.0f req/s); non-200 %d"
                    % (
                        cache,
                        mixed["rps"],
                        mixed["p99"],
                        mixed["p99"] / bare["p99"],
                        mixed["rps"] / bare["rps"],
                        bare["rps"],
                        mixed["bad"],
                    )
                )
    finally:
        sqlite_server.remove_database()
        ENTRIES.unlink(missing_ok=True)
    print("measured in %.0f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
