#!/usr/bin/env python
"""Renewal day: thousands of automatic renewals due at once, two Celery workers, Stripe's rate limit, one worker killed.

    .venv/bin/python bench/renewal_day.py            # 10,000 due among 200,000 subscriptions
    RENEWAL_DAY_DUE=300 .venv/bin/python bench/renewal_day.py

Setup (not timed): a PostgreSQL database of its own (``renewal_day_bench``, or RENEWAL_DAY_DB; dropped and
created again, dropped at the end) on the server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432),
20 × due subscriptions (bulk_create), ``due`` of them ending today with auto-renewal on, each organisation with
its customer and card at localstripe; localstripe (in memory, its customers and cards made in-process before
it listens); in front of it ``scripts/rate_limit_proxy.py`` (token bucket, 25 requests/s, Stripe's 429
``rate_limit`` above that), which the workers' gateway points at; two ``celery worker`` processes (threads
pool, RENEWAL_DAY_CONCURRENCY each) on Redis (REDIS_URL's server, database RENEWAL_DAY_REDIS_DB, default 14)
on a queue of the run's own.

The run (timed): the sweep (offers.services.subscriptions_sweep with the task's enqueue) enqueues one
renewal task per due subscription. Every RENEWAL_DAY_REPORT_EVERY seconds (10; 2 below 1,000 due) a line: renewals done, renewals/s
over the interval and overall, the queue's depth (LLEN) and the 429s so far. Once half are renewed, one
worker is SIGKILLed (its whole process group); the other finishes. Once the queue has stayed empty for the
visibility timeout plus two seconds while renewals are missing, the sweep runs again, as beat's hourly
sweep would: it enqueues what is still due (a message the broker lost when the worker died). The run
ends when every due subscription
is renewed (or after 3 × the limit, or the visibility timeout plus a second plus the
renewal task's patience if longer).

Checks: at localstripe (asked directly, not through the limiter), the succeeded PaymentIntents and charges,
and per order the PaymentIntents that succeeded (duplicates: any beyond one); at the proxy, the distinct
idempotency keys of the PaymentIntent creations it let through (equal to their number: no key was sent
twice to Stripe); in the database, every due subscription renewed once, one paid order each, one
succeeded payment each under a distinct key, none past due. The limit is 1.25 × due / 25 s, against the
charging phase (from the sweep's enqueue to the last renewal recorded); setup and start-up are printed
apart. Exit status 0 when every check holds and the phase is within the limit.

The last line: ``renewal-day: <due> due, <charged> charged, <duplicates> duplicates, <retried> retried 429s,
<seconds> s (limit <limit> s)``.
"""

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
RATE = 25.0


def env_int(name, default):
    return int(os.environ.get(name) or default)


DUE = env_int("RENEWAL_DAY_DUE", 10_000)
TOTAL = 20 * DUE
LIMIT = 1.25 * DUE / RATE
WORKERS = 2
CONCURRENCY = env_int("RENEWAL_DAY_CONCURRENCY", 4)
REPORT_EVERY = env_int("RENEWAL_DAY_REPORT_EVERY", 10 if DUE >= 1000 else 2)
VISIBILITY = env_int("RENEWAL_DAY_VISIBILITY_TIMEOUT", 20 if DUE >= 1000 else 4)
KILL = os.environ.get("RENEWAL_DAY_KILL", "1") != "0"
DB_NAME = os.environ.get("RENEWAL_DAY_DB", "renewal_day_bench")
REDIS_DB = env_int("RENEWAL_DAY_REDIS_DB", 14)
OK_CARD = "4242424242424242"


def log(message):
    print(message, flush=True)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit("renewal-day: %s not reached within %s s" % (what, timeout))


def get_json(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read())


def _stripe_get(url):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer sk_test_localstripe"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


# --- localstripe with its customers and cards made before it listens ---------------------------------


def serve_localstripe(port, customers, ids_path):
    """Child mode: make ``customers`` customers with an attached card each, write their ids, then serve."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import localstripe_server  # patches localstripe's store first: in memory only
    from localstripe.resources import Customer, PaymentMethod

    ids = []
    for i in range(customers):
        customer = Customer(name="Renewal day %d" % i)
        card = PaymentMethod(type="card", card={"number": OK_CARD, "exp_month": 12, "exp_year": 2099, "cvc": "123"})
        PaymentMethod._api_attach(card.id, customer=customer.id)
        ids.append([customer.id, card.id])
    Path(ids_path).write_text(json.dumps(ids))
    localstripe_server.main(["--port", str(port)])


def list_all(base, path):
    items, after = [], None
    while True:
        url = "%s%s?limit=100%s" % (base, path, "&starting_after=%s" % after if after else "")
        page = _stripe_get(url)
        items += page["data"]
        if not page.get("has_more"):
            return items
        after = page["data"][-1]["id"]


# --- Database -----------------------------------------------------------------------------------------


def database_urls():
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urllib.parse.urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("renewal-day: needs PostgreSQL (DATABASE_URL=postgres://...)")
    return parts, urllib.parse.urlunsplit(parts._replace(path="/" + DB_NAME, query=""))


def admin_sql(parts, statement):
    import psycopg2

    connection = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname="postgres",
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


def fill(today, card_ids):
    """TOTAL subscriptions, DUE of them ending today with auto-renewal on and a card; the rest not due."""
    from django.db import connection

    from bench.subscription_rows import subscription_row
    from billing.models import PaymentMethod
    from membership.models import Organization
    from offers.demo_catalogue import load_demo_catalogue
    from offers.models import Subscription, SubscriptionStatus

    offer = load_demo_catalogue()
    orgs = Organization.objects.bulk_create(
        [Organization(name="Bench %d" % i, stripe_customer_id=card_ids[i][0] if i < DUE else "") for i in range(TOTAL)],
        batch_size=5000,
    )
    cards = PaymentMethod.objects.bulk_create(
        [
            PaymentMethod(
                organization=orgs[i],
                stripe_payment_method_id=card_ids[i][1],
                brand="visa",
                last4="4242",
                exp_month=12,
                exp_year=2099,
                is_default=True,
            )
            for i in range(DUE)
        ],
        batch_size=5000,
    )
    day = datetime.timedelta(days=1)

    def row(organization, end, **fields):
        return subscription_row(offer, organization, end, **fields)

    rows = [row(orgs[i], today, payment_method=cards[i]) for i in range(DUE)]
    for i, organization in enumerate(orgs[DUE:]):
        if i % 5 == 0:  # history: terms that ended in the past
            status = SubscriptionStatus.EXPIRED if i % 10 else SubscriptionStatus.CANCELLED
            rows.append(row(organization, today - (1 + i % 700) * day, status=status, auto_renew=False))
        else:  # live terms ending 40 to 400 days from today: nothing due (not even a reminder)
            rows.append(row(organization, today + (40 + i % 361) * day, auto_renew=bool(i % 3)))
    Subscription.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Processes ----------------------------------------------------------------------------------------


class Processes:
    def __init__(self, folder):
        self.folder = folder
        self.started = {}

    def start(self, name, args, env):
        log_file = open(self.folder / ("%s.log" % name), "ab")
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one killpg takes all of it
        )
        log_file.close()
        self.started[name] = process
        return process

    def log_text(self, name):
        path = self.folder / ("%s.log" % name)
        return path.read_text(errors="replace") if path.exists() else ""

    def kill(self, name):
        os.killpg(self.started[name].pid, signal.SIGKILL)
        self.started[name].wait(10)

    def stop_all(self):
        for process in self.started.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.started.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-localstripe":
        serve_localstripe(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return 0

    began = time.monotonic()
    parts, bench_url = database_urls()
    redis_base = os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    broker = urllib.parse.urlsplit(redis_base)._replace(path="/%d" % REDIS_DB).geturl()
    queue = "renewal-day-%s" % uuid.uuid4().hex[:8]
    folder = ROOT / "var" / "bench" / "renewal-day" / queue
    folder.mkdir(parents=True, exist_ok=True)
    stripe_port, proxy_port = free_port(), free_port()
    stripe_url, proxy_url = "http://127.0.0.1:%d" % stripe_port, "http://127.0.0.1:%d" % proxy_port

    env = dict(os.environ)
    for key in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "PYTEST_CURRENT_TEST"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.renewal_day_settings",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=bench_url,
        DATABASE_CONN_MAX_AGE="60",
        CELERY_BROKER_URL=broker,
        RENEWAL_DAY_QUEUE=queue,
        RENEWAL_DAY_VISIBILITY_TIMEOUT=str(VISIBILITY),
        STRIPE_API_BASE=proxy_url,
        # localstripe answers in milliseconds; the timeout is also how long a killed run's attempt is
        # left before the redelivered renewal settles it (offers.services.renewals).
        STRIPE_TIMEOUT_SECONDS=os.environ.get("STRIPE_TIMEOUT_SECONDS", "5"),
    )
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL")})
    os.environ.update({k: env[k] for k in ("RENEWAL_DAY_QUEUE", "RENEWAL_DAY_VISIBILITY_TIMEOUT", "STRIPE_API_BASE")})
    os.environ.pop("REDIS_URL", None)

    log(
        "renewal-day: %d due among %d subscriptions; limiter %g requests/s; %d workers × %d threads; "
        "visibility timeout %d s; logs in %s" % (DUE, TOTAL, RATE, WORKERS, CONCURRENCY, VISIBILITY, folder)
    )
    processes = Processes(folder)
    # Stopped from outside (a timeout, Ctrl-C): still stop the workers and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(processes, parts, env, folder, queue, broker, stripe_url, proxy_url, stripe_port, proxy_port, began)
    finally:
        processes.stop_all()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        admin_sql(parts, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB_NAME)
        try:
            import redis

            redis.Redis.from_url(broker).delete(queue, queue + "\x06\x163", queue + "\x06\x166", queue + "\x06\x169")
        except Exception:
            pass


def run(processes, parts, env, folder, queue, broker, stripe_url, proxy_url, stripe_port, proxy_port, began):
    ids_path = folder / "stripe-ids.json"
    processes.start("localstripe", [PY, __file__, "--serve-localstripe", str(stripe_port), str(DUE), ids_path], env)
    admin_sql(parts, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % DB_NAME)
    admin_sql(parts, "CREATE DATABASE %s" % DB_NAME)

    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.localdate()
    wait_for(lambda: ids_path.exists() and "listening" in processes.log_text("localstripe"), 600, "localstripe")
    card_ids = json.loads(ids_path.read_text())
    started = time.monotonic()
    fill(today, card_ids)
    log("setup: %d subscriptions (%d due) in %.1f s" % (TOTAL, DUE, time.monotonic() - started))

    processes.start(
        "proxy",
        [PY, str(ROOT / "scripts" / "rate_limit_proxy.py"), "--upstream", stripe_url, "--port", str(proxy_port)],
        env,
    )
    wait_for(lambda: "listening" in processes.log_text("proxy"), 60, "the rate-limiting proxy")
    workers = ["worker1", "worker2"]
    for name in workers:
        processes.start(
            name,
            [
                PY, "-m", "celery", "-A", "partnerportal", "worker", "--pool=threads",
                "--concurrency=%d" % CONCURRENCY, "--loglevel=INFO", "-Q", queue,
                "--hostname", "%s@renewal-day-%s" % (name, queue), "--without-mingle", "--without-gossip",
            ],
            env,
        )  # fmt: skip
    for name in workers:
        wait_for(lambda name=name: " ready." in processes.log_text(name), 120, "%s ready" % name)
    log("start-up: localstripe, proxy and two workers ready after %.1f s in all" % (time.monotonic() - began))

    from offers.models import Order, OrderKind, OrderStatus, Subscription
    from offers.services import subscriptions_sweep
    from offers.tasks import enqueue_action, renewal_patience_seconds

    client = redis.Redis.from_url(broker)
    due_ids = list(Subscription.objects.filter(current_period_end=today, auto_renew=True).values_list("pk", flat=True))
    assert len(due_ids) == DUE, len(due_ids)

    def renewed():
        return Order.objects.filter(kind=OrderKind.AUTO_RENEWAL, status=OrderStatus.PAID).count()

    def proxy_stats():
        return get_json(proxy_url + "/_proxy/stats")

    phase_start = time.monotonic()
    # The sweep runs here and enqueues one renewal task per due subscription: as the sweep task would, but
    # never redelivered (a sweep of 10,000 enqueues outlives the bench's short visibility timeout; in
    # production the timeout is an hour and the sweep's time limit six minutes).
    swept = subscriptions_sweep(today=today, enqueue=enqueue_action)
    # The workers take tasks while the sweep is still enqueueing: the queue's depth at the end is less
    # than what the sweep enqueued (the 10,000-due run read "9773 renewals enqueued").
    log(
        "sweep: %d actions enqueued in %.1f s, %d still queued"
        % (len(swept), time.monotonic() - phase_start, client.llen(queue))
    )
    killed = None
    last_time, last_count = phase_start, 0
    # Patience from the settings, not a round figure: a killed worker's message is back after the
    # visibility timeout and the next restore scan (every second here), and a renewal it finds blocked
    # is retried for up to the task's patience (offers.tasks.renewal_patience_seconds).
    deadline = phase_start + max(3 * LIMIT, VISIBILITY + 1 + renewal_patience_seconds())
    log("%8s %9s %12s %12s %8s %8s" % ("t (s)", "renewed", "renewals/s", "overall/s", "queue", "429s"))
    done = 0
    # Beat sweeps every hour (settings.CELERY_BEAT_SCHEDULE), and a later sweep of the day enqueues again
    # what is still due: that is how a renewal whose message the broker lost is charged the same day (a
    # worker killed between Redis handing a message over and recording it as unacknowledged; no
    # visibility timeout covers that window). In production the hour is far longer than the day's queue
    # takes to drain (10,000 renewals at 25/s: under 7 minutes); here the next sweep comes once the queue
    # has stayed empty for the visibility timeout plus two seconds (the killed worker's messages are
    # back by then), and again as often while renewals are missing.
    resweep_after = VISIBILITY + 2
    drained_since, last_sweep, resweeps, enqueued_again = None, phase_start, 0, 0
    while True:
        time.sleep(0.25 if KILL and killed is None else 0.5)
        now = time.monotonic()
        done = renewed()
        if client.llen(queue):
            drained_since = None
        elif drained_since is None:
            drained_since = now
        if (
            done < DUE
            and drained_since is not None
            and now - drained_since >= resweep_after
            and now - last_sweep >= resweep_after
        ):
            again = subscriptions_sweep(today=today, enqueue=enqueue_action)
            last_sweep, resweeps, enqueued_again = now, resweeps + 1, enqueued_again + len(again)
            log(
                "next sweep at %.1f s (as beat's hourly one): %d renewals enqueued again"
                % (now - phase_start, len(again))
            )
        if KILL and killed is None and done >= DUE // 2:
            processes.kill("worker1")
            killed = (now - phase_start, done)
            log("SIGKILL worker1 (its process group) at %.1f s, %d renewed" % killed)
        finished = done >= DUE
        if now - last_time >= REPORT_EVERY or finished:
            log(
                "%8.1f %9d %12.1f %12.1f %8d %8d"
                % (
                    now - phase_start,
                    done,
                    (done - last_count) / (now - last_time),
                    done / (now - phase_start),
                    client.llen(queue),
                    proxy_stats()["limited"],
                )
            )
            last_time, last_count = now, done
        if finished or now > deadline:
            break
    seconds = time.monotonic() - phase_start
    survivor_alive = processes.started["worker2"].poll() is None

    # --- Checks ---
    stats = proxy_stats()
    intents = list_all(stripe_url, "/v1/payment_intents")
    charges = list_all(stripe_url, "/v1/charges")
    succeeded = [i for i in intents if i["status"] == "succeeded"]
    per_order = collections.Counter((i.get("metadata") or {}).get("order_number") for i in succeeded)
    duplicates = sum(count - 1 for count in per_order.values() if count > 1)
    charged = len(per_order)
    succeeded_charges = sum(1 for c in charges if c["status"] == "succeeded")

    from billing.models import Payment, PaymentStatus
    from offers.models import SubscriptionStatus

    paid_orders = Order.objects.filter(kind=OrderKind.AUTO_RENEWAL, status=OrderStatus.PAID)
    payments = Payment.objects.filter(reference__in=paid_orders.values("number"), status=PaymentStatus.SUCCEEDED)
    distinct_db_keys = payments.values("idempotency_key").distinct().count()
    past_due = Subscription.objects.filter(pk__in=due_ids, status=SubscriptionStatus.PAST_DUE).count()
    renewed_subscriptions = Subscription.objects.filter(pk__in=due_ids, current_period_end__gt=today).count()
    payments_per_reference = payments.values("reference").distinct().count()
    unavailable = Payment.objects.filter(failure_code="gateway_unavailable").count()
    log(
        "localstripe: %d PaymentIntents (%d succeeded, for %d orders), %d succeeded charges; "
        "proxy: %d requests let through, %d answered 429, %d PaymentIntent creations under %d distinct keys"
        % (
            len(intents), len(succeeded), charged, succeeded_charges,
            stats["admitted"], stats["limited"], stats["intents_admitted"], stats["intent_keys_distinct"],
        )
    )  # fmt: skip
    log(
        "database: %d subscriptions renewed, %d paid renewal orders, %d succeeded payments (%d orders, %d "
        "distinct keys), %d past due, %d attempts closed as unavailable"
        % (renewed_subscriptions, paid_orders.count(), payments.count(), payments_per_reference, distinct_db_keys,
           past_due, unavailable)
    )  # fmt: skip
    if killed:
        redelivered = processes.log_text("worker2").count("renew_subscription[")
        log(
            "killed worker1 at %.1f s (%d renewed then); worker2 %s; worker2 log lines naming the task: %d"
            % (killed[0], killed[1], "alive, finished the run" if survivor_alive else "DEAD", redelivered)
        )
    log("later sweeps: %d, %d renewals enqueued again" % (resweeps, enqueued_again))
    log("charging phase %.1f s for %d renewals: %.1f renewals/s (limiter %g/s, limit %.0f s); whole run %.1f s"
        % (seconds, charged, charged / seconds if seconds else 0, RATE, LIMIT, time.monotonic() - began))  # fmt: skip
    checks = {
        "charged": charged == DUE and succeeded_charges == DUE,
        "duplicates": duplicates == 0 and stats["intents_admitted"] == stats["intent_keys_distinct"],
        "renewed": renewed_subscriptions == DUE and paid_orders.count() == DUE and past_due == 0,
        "keys": payments.count() == DUE and distinct_db_keys == DUE,
        "survivor": survivor_alive or not KILL,
        "time": seconds <= LIMIT,
    }
    failed = [name for name, passed in checks.items() if not passed]
    log("checks failed: %s" % " ".join(failed) if failed else "checks: all passed")
    log(
        "renewal-day: %d due, %d charged, %d duplicates, %d retried 429s, %.1f s (limit %.0f s)"
        % (DUE, charged, duplicates, stats["limited"], seconds, LIMIT)
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
