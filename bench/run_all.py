#!/usr/bin/env python3
"""All benchmarks in one run (``make bench``): wrk's page tables, and whole purchases.

1. Starts its own production-like stack (scripts/prod-stack.sh, in var/prodstack-bench/ on ports
   8850/8870, database prodstack_bench, Redis databases 3 and 4) with gunicorn (2 sync workers)
   serving bench.bare:application: the portal plus the bare reference views, in the same workers.
2. bench/pages_wrk.py's table on this stack: wrk against the plain WSGI function, the bare view,
   the bare view through all middleware and five signed-in pages (Offers, subscription details,
   billing history, requests list, dashboard): req/s, p50, p99, queries per request, and the
   ratios to the bare view and to the bare view through all middleware.
3. bench/load.py's purchase phase: whole purchases through the wizard, each by a fresh
   organisation (a Python client, because the flow needs logic); requests/s, p50, p99,
   non-2xx/3xx, and how many purchases reached the confirmation.
4. Stops the stack, whatever happened; then, on the SQLite bench server, bench/pages_wrk.py's
   tables (the six cached pages with the page cache on and off, the demo and a big organisation)
   and bench/mixed_wrk.py's (250 organisations, 500 sessions, the page cache on and off).

``--sqlite-only`` skips steps 1-3 (no PostgreSQL, Redis or localstripe: the SQLite bench server only):

    .venv/bin/python bench/run_all.py --sqlite-only [--duration 3 --rounds 1]

Every throughput figure is wrk's; the Python client only times the purchase flow. Exit status 1
when a purchase request answered other than 2xx/3xx or failed to connect, when a purchase did not
reach the confirmation, or when a SQLite run failed or did not finish in 20 minutes. Not a test:
nothing else is asserted.

Options: --duration N (wrk seconds per target and round, default 5), --rounds N (alternating wrk
rounds, default 3), --orders N (orders of the pages' organisation, default 20), --purchases N
(default 20), --concurrency N (purchases at once, default 8), --keep (leave the stack up),
--sqlite-only.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402
import pages_wrk  # noqa: E402

STACK = ROOT / "scripts" / "prod-stack.sh"


def stack_env():
    env = dict(os.environ)
    env.setdefault("PRODSTACK_DIR", str(ROOT / "var" / "prodstack-bench"))
    env.setdefault("PRODSTACK_WEB_PORT", "8850")
    # Two sync workers on this two-core machine, as on the SQLite bench server (bench/pages_wrk.py).
    env.setdefault("PRODSTACK_WEB_WORKERS", "2")
    env.setdefault("PRODSTACK_STRIPE_PORT", "8870")
    env["PRODSTACK_WSGI_APP"] = "bench.bare:application"
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/prodstack_bench")
    env["CELERY_BROKER_URL"] = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
    env["CACHE_URL"] = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/4")
    for key in ("REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(key, None)
    return env


def pages_on_stack(env, stack_values, base, orders, duration, rounds):
    """bench/pages_wrk.py's table on this stack: a fresh Global admin with a subscription and orders."""
    email = load.prepare_buyers(1, "pages%d" % os.getpid())[0]
    pages_wrk.give_subscription(email, orders)
    session = load.login(base, email)
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in sorted(session.cookies, key=lambda c: c.name))
    counting_env = pages_wrk.stack_env_for_counting(env, stack_values)
    counted = pages_wrk.count_queries(counting_env, "127.0.0.1", email, cookie)
    targets = pages_wrk.reference_targets(cookie, counted) + pages_wrk.page_targets(cookie, counted)
    rows = pages_wrk.measure(
        base,
        targets,
        duration,
        rounds,
        "Production-like stack (PostgreSQL, Redis): gunicorn %s sync workers, signed in as a Global admin"
        % env["PRODSTACK_WEB_WORKERS"],
    )
    return {name: {k: v for k, v in row.items() if k != "p99_range"} for name, row in rows.items()}


def sqlite_runs(sqlite_env, args):
    """bench/pages_wrk.py and bench/mixed_wrk.py on the SQLite bench server; 1 when one failed."""
    status = 0
    common = ["--duration", str(args.duration), "--rounds", str(args.rounds)]
    runs = [
        ("bench/pages_wrk.py", common + ["--orders", str(args.orders)]),
        ("bench/mixed_wrk.py", common),
    ]
    for script, options in runs:
        print("\n== %s (SQLite bench server) ==" % script, flush=True)
        try:
            command = [sys.executable, str(ROOT / script)] + options
            if subprocess.run(command, env=sqlite_env, cwd=ROOT, timeout=1200, check=False).returncode:
                print("%s failed" % script)
                status = 1
        except subprocess.TimeoutExpired:
            print("%s did not finish in 20 minutes" % script)
            status = 1
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="wrk seconds per target and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating wrk rounds")
    parser.add_argument("--orders", type=int, default=20, help="orders of the pages' organisation")
    parser.add_argument("--purchases", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="purchases at once")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    parser.add_argument("--sqlite-only", action="store_true", help="the SQLite bench server only")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.sqlite_only:
        status = sqlite_runs(dict(os.environ), args)
        print("\nbench finished in %.0f s" % (time.monotonic() - started))
        return status

    # The SQLite table runs with this environment, before load.setup_django() puts the stack's
    # settings (secret key, hosts, Stripe, e-mail) into os.environ: as when run on its own.
    sqlite_env = dict(os.environ)
    env = stack_env()
    env_file = Path(env["PRODSTACK_DIR"]) / "env"
    subprocess.run(["bash", str(STACK), "start"], env=env, check=True, cwd=ROOT)
    status = 0
    try:
        stack_values = load.read_env_file(env_file)
        load.setup_django(stack_values)
        pages = pages_on_stack(
            env, stack_values, stack_values["PRODSTACK_URL"], args.orders, args.duration, args.rounds
        )
        print("\n== Whole purchases (bench/load.py, a Python client: the wizard needs logic) ==")
        purchases = load.main(
            ["--env-file", str(env_file), "--purchases", str(args.purchases), "--concurrency", str(args.concurrency)]
        )
        out = Path(env["PRODSTACK_DIR"]) / "bench-results.json"
        out.write_text(json.dumps({"pages_wrk": pages, "purchases": purchases}, indent=2))
        print("results: %s" % out)
        if load.went_wrong(purchases):
            print("purchases: an answer was not 2xx/3xx, a request failed or a purchase did not complete")
            status = 1
    finally:
        if not args.keep:
            subprocess.run(["bash", str(STACK), "stop"], env=env, cwd=ROOT)

    status = sqlite_runs(sqlite_env, args) or status
    print("\nbench finished in %.0f s" % (time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main())
