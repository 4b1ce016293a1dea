#!/usr/bin/env python3
"""All benchmarks in one run (``make bench``): load test and offers/bare throughput ratio.

1. Starts its own production-like stack (scripts/prod-stack.sh, in var/prodstack-bench/ on ports
   8850/8870, database prodstack_bench, Redis databases 3 and 4) with gunicorn serving
   bench.bare:application: the portal plus the bare Django view, in the same workers.
2. bench/load.py: offers page, subscription details, whole purchases; requests/s, p50, p99,
   non-2xx/3xx.
3. The offers page's throughput as a ratio of the bare view's, measured in alternating rounds on
   the same gunicorn in the same run (goal >= 0.5).
4. bench/pages_wrk.py's table on this stack: wrk against the plain WSGI function, the bare view,
   the bare view through all middleware and five signed-in pages (req/s, p50, p99, queries, ratios).
5. Stops the stack, whatever happened; then bench/pages_wrk.py on the SQLite bench server, and
   bench/offers_throughput.py (the purchase issue's own measurement, a Python client).

Options: --requests N (per page and round, default 1000), --concurrency N (default 8),
--purchases N (default 20), --rounds N (ratio rounds, default 3), --orders N (orders of the pages'
organisation, default 20), --keep (leave the stack up).
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


def ratio_rounds(base, reader_email, requests_per_round, concurrency, rounds):
    """Alternate bare and offers rounds; the ratio of their summed throughputs."""
    sessions = [load.login(base, reader_email) for _ in range(concurrency)]
    anonymous = [load.new_session() for _ in range(concurrency)]
    totals = {"bare": [0, 0.0], "offers": [0, 0.0]}
    for _ in range(rounds):
        for name, pool, url in (("bare", anonymous, "/__bench/bare"), ("offers", sessions, "/partnership/offers/")):
            phase = load.run_gets(load.Phase(name), pool, base + url, requests_per_round)
            if phase.bad or phase.errors:
                print("  %s round: %d non-2xx/3xx, %d errors (%s)" % (name, phase.bad, phase.errors, phase.statuses))
            totals[name][0] += phase.requests
            totals[name][1] += phase.elapsed
    bare_rps = totals["bare"][0] / totals["bare"][1]
    offers_rps = totals["offers"][0] / totals["offers"][1]
    return {
        "bare_rps": round(bare_rps, 1),
        "offers_rps": round(offers_rps, 1),
        "ratio": round(offers_rps / bare_rps, 3),
    }


def pages_on_stack(env, stack_values, base, orders):
    """bench/pages_wrk.py's table on this stack: a fresh Global admin with a subscription and orders."""
    email = load.prepare_buyers(1, "pages%d" % os.getpid())[0]
    pages_wrk.give_subscription(email, orders)
    session = load.login(base, email)
    cookie = "; ".join("%s=%s" % (c.name, c.value) for c in sorted(session.cookies, key=lambda c: c.name))
    counting_env = pages_wrk.stack_env_for_counting(env, stack_values)
    counted = pages_wrk.count_queries(counting_env, "127.0.0.1", email, cookie)
    rows = pages_wrk.measure(
        base,
        cookie,
        counted,
        5,
        3,
        "Production-like stack (PostgreSQL, Redis): gunicorn %s sync workers, signed in as a Global admin"
        % env["PRODSTACK_WEB_WORKERS"],
    )
    return {name: {k: v for k, v in row.items() if k != "p99_range"} for name, row in rows.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--purchases", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=20, help="orders of the pages' organisation")
    parser.add_argument("--keep", action="store_true", help="leave the stack running afterwards")
    args = parser.parse_args(argv)

    env = stack_env()
    env_file = Path(env["PRODSTACK_DIR"]) / "env"
    started = time.monotonic()
    subprocess.run(["bash", str(STACK), "start"], env=env, check=True, cwd=ROOT)
    status = 0
    try:
        print("\n== Load test (bench/load.py) ==")
        results = load.main(
            [
                "--env-file",
                str(env_file),
                "--requests",
                str(args.requests),
                "--concurrency",
                str(args.concurrency),
                "--purchases",
                str(args.purchases),
                "--bare",
            ]
        )
        print(
            "\n== Offers page vs bare Django view, same gunicorn (%d workers), same run =="
            % int(env.get("PRODSTACK_WEB_WORKERS", 3))
        )
        base = load.read_env_file(env_file)["PRODSTACK_URL"]
        reader = load.prepare_buyers(1, "ratio%d" % os.getpid())[0]
        ratio = ratio_rounds(base, reader, args.requests, args.concurrency, args.rounds)
        print(
            "bare %.1f req/s, offers %.1f req/s: ratio %.3f (goal >= 0.5) over %d alternating rounds of %d requests, %d client threads"
            % (ratio["bare_rps"], ratio["offers_rps"], ratio["ratio"], args.rounds, args.requests, args.concurrency)
        )
        pages = pages_on_stack(env, load.read_env_file(env_file), base, args.orders)
        summary = {"load": results, "ratio": ratio, "pages_wrk": pages}
        out = Path(env["PRODSTACK_DIR"]) / "bench-results.json"
        out.write_text(json.dumps(summary, indent=2))
        print("results: %s" % out)
        if any(r.get("non_2xx_3xx") or r.get("errors") for r in results):
            print("load test: some answers were not 2xx/3xx (goal: none)")
            status = 1
    finally:
        if not args.keep:
            subprocess.run(["bash", str(STACK), "stop"], env=env, cwd=ROOT)

    print("\n== bench/pages_wrk.py (SQLite bench server) ==")
    try:
        subprocess.run([sys.executable, str(ROOT / "bench" / "pages_wrk.py")], cwd=ROOT, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        print("bench/pages_wrk.py did not finish in 10 minutes")
        status = 1

    theirs = ROOT / "bench" / "offers_throughput.py"
    if theirs.exists():
        print("\n== bench/offers_throughput.py ==")
        try:
            subprocess.run([sys.executable, str(theirs)], cwd=ROOT, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            print("bench/offers_throughput.py did not finish in 10 minutes")
            status = 1
    print("\nbench finished in %.0f s" % (time.monotonic() - started))
    return status


if __name__ == "__main__":
    sys.exit(main())
