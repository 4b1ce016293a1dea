"""The SQLite bench server: fresh database with demo data, gunicorn on it, sign-in.

A library for bench/pages_wrk.py (which measures the server with wrk) and bench/profile_offers.py:

- prepare_database() builds a fresh SQLite database under var/bench/ (migrate, demo data, a paid
  subscription and ``orders`` orders for Contoso Partners) with partnerportal.settings.dev through
  bench.settings_bench; one file per process, so that two runs at once
  (e.g. bench/run_all.py and a person) never share them;
- bench_env(cache="on"|"off") is the servers' environment: the embedded default's cache (each
  worker's memory); "off" sets PAGE_CACHE_SECONDS=0 (read at server start: nothing is cached);
- start_gunicorn() serves it with 2 sync workers on 127.0.0.1 (bench.bare:application: the portal
  plus the bare reference views) and waits for /healthz; stop_gunicorn() stops it and (unless told
  to keep it for a second server) removes the database;
- login() signs a user in (default: the demo Billing admin, EMAIL) and returns the session's cookies.

The Python and gunicorn are the checkout's .venv's when it has one, else the running interpreter's
(a git worktree without its own .venv, run with another checkout's .venv/bin/python).
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
# One file per run: two runs at once (e.g. bench/run_all.py and a person) must not share it.
DB_PATH = BENCH_DIR / ("sqlite_server-%d.sqlite3" % os.getpid())
_BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "python").exists() else Path(sys.executable).parent
PYTHON = str(_BIN / "python")
GUNICORN = str(_BIN / "gunicorn")
EMAIL = "billing@contoso.example"
PASSWORD = "demo-pass-2026"

PREPARE = """
import datetime
from django.utils import timezone
from billing.models import PaymentMethod, Payment, PaymentStatus
from membership.models import Organization
from offers.models import Offer, Order, OrderStatus, Subscription
from membership.dates import add_months
org = Organization.objects.get(name="Contoso Partners")
offer = Offer.objects.get(code="action-pack")
today = timezone.localdate()
card = PaymentMethod.objects.create(organization=org, stripe_payment_method_id="pm_bench", brand="visa",
                                    last4="4242", exp_month=12, exp_year=2030, is_default=True)
sub = Subscription.objects.create(organization=org, offer=offer, started_on=today, current_period_start=today,
                                  current_period_end=add_months(today, 12), price_amount=47500, currency="USD",
                                  payment_method=card)
now = timezone.now()
for i in range(%(orders)d):
    paid = i == 0
    order = Order.objects.create(number="BENCH-%%04d" %% i, organization=org, offer=offer, amount=47500,
                                 currency="USD", status=OrderStatus.PAID if paid else OrderStatus.FAILED,
                                 paid_at=now if paid else None, payment_method=card,
                                 subscription=sub if paid else None)
    Payment.objects.create(reference=order.number, organization=org, attempt=1, payment_method=card, amount=47500,
                           currency="USD", idempotency_key="bench-%%d" %% i,
                           status=PaymentStatus.SUCCEEDED if paid else PaymentStatus.FAILED)
print("prepared", Order.objects.count(), "orders")
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(cache="on"):
    """The bench server's environment; ``cache="off"`` turns the page cache off (PAGE_CACHE_SECONDS=0)."""
    if cache not in ("on", "off"):
        raise ValueError(cache)
    env = dict(os.environ)
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL", "PAGE_CACHE_SECONDS"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_bench",
        DATABASE_URL="sqlite:///%s" % DB_PATH,
        # No CACHE_URL: the embedded default's cache (each worker's memory).
        DJANGO_DEBUG="False",
        # Both the portal and the bare views keep their connection, so neither pays a reconnect.
        DATABASE_CONN_MAX_AGE="600",
        PYTHONPATH=str(ROOT),
    )
    if cache == "off":
        # A page "kept" for 0 seconds is expired when stored: every request renders afresh.
        env["PAGE_CACHE_SECONDS"] = "0"
    return env


def run_for_json(env, arguments, tag, timeout):
    """Run ``PYTHON arguments`` in the server's environment and return the JSON its last ``<tag> …`` line prints."""
    answer = subprocess.run(
        [PYTHON, *arguments], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True
    )
    line = [line for line in answer.stdout.splitlines() if line.startswith(tag + " ")][-1]
    return json.loads(line[len(tag) + 1 :])


def shell_for_json(env, script, tag, timeout):
    """``run_for_json`` for a script run by ``manage.py shell -c`` (Django set up with the server's settings)."""
    return run_for_json(env, [str(ROOT / "manage.py"), "shell", "-c", script], tag, timeout)


def prepare_database(env, orders):
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    remove_database()
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run(manage + ["migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run(manage + ["load_demo_data"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(manage + ["shell", "-c", PREPARE % {"orders": orders}], env=env, cwd=ROOT, check=True)


def start_gunicorn(env, port, app="bench.bare:application"):
    log = open(BENCH_DIR / ("gunicorn-%d.log" % os.getpid()), "w")
    process = subprocess.Popen(
        [
            GUNICORN,
            app,
            "--workers",
            "2",
            "--bind",
            "127.0.0.1:%d" % port,
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited; see %s" % log.name)
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    return process, base
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or a worker still starting
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer on %s" % base)
    except BaseException:
        stop_gunicorn(process, keep_database=True)
        raise


def login(base, email=EMAIL, password=PASSWORD):
    session = requests.Session()
    session.get(base + "/accounts/login/", timeout=10)
    token = session.cookies.get("csrftoken", "")
    answer = session.post(
        base + "/accounts/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError("login of %s failed: HTTP %s" % (email, answer.status_code))
    return session.cookies.get_dict()


def remove_database():
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(DB_PATH) + suffix).unlink(missing_ok=True)


def stop_gunicorn(process, keep_database=False):
    """Stop the gunicorn this module started and remove its database and caches (and its log when empty).

    ``keep_database=True`` leaves them for the next server of the same run (the page cache off).
    """
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    if keep_database:
        return
    remove_database()
    log = BENCH_DIR / ("gunicorn-%d.log" % os.getpid())
    if log.exists() and not log.read_text().strip():
        log.unlink()
