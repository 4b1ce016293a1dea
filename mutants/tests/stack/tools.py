"""Helpers of the fault and stack tests: a Stripe proxy that can be slowed or cut, a killable
Celery worker, the production-like stack (scripts/prod-stack.sh) and PostgreSQL/Redis checks."""

import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PY = sys.executable
PG_CLUSTER = ["pg_ctlcluster", "--skip-systemctl-redirect"]


def free_port():
    """A free loopback port below the ephemeral range (it stays free across restarts)."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def wait_until(check, timeout, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("%s not reached within %s s" % (message, timeout))
        time.sleep(interval)


# --- Database and broker ---------------------------------------------------------------------


def database_is_postgres():
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def broker_is_redis():
    from django.conf import settings

    return settings.CELERY_BROKER_URL.startswith("redis://")


def require_postgres_and_redis():
    if not database_is_postgres():
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)")
    if not broker_is_redis():
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://... (CI does)")


def current_database_url():
    """DATABASE_URL of the test database pytest-django created (for subprocesses)."""
    from django.db import connection

    s = connection.settings_dict
    return "postgres://%s%s@%s:%s/%s" % (
        s["USER"],
        (":" + s["PASSWORD"]) if s["PASSWORD"] else "",
        s["HOST"] or "127.0.0.1",
        s["PORT"] or 5432,
        s["NAME"],
    )


def pg_up():
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def pg_restart():
    """Restart the local PostgreSQL cluster (every connection on the machine is cut)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(PG_CLUSTER + [version, "main", "restart"], check=True, capture_output=True, timeout=120)
    wait_until(pg_up, 60, 0.2, "PostgreSQL answering")


def redis_up(port=6379):
    out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
    return out.stdout.strip() == "PONG"


def redis_stop(port=6379):
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True, timeout=30)
    wait_until(lambda: not redis_up(port), 30, 0.1, "Redis stopped")


def redis_start():
    """The command of .ci/run."""
    os.makedirs("/var/lib/redis", exist_ok=True)
    os.makedirs("/var/log/redis", exist_ok=True)
    subprocess.run(
        [
            "redis-server",
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "-::1",
            "--port",
            "6379",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            "/var/lib/redis",
            "--logfile",
            "/var/log/redis/ci.log",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    wait_until(redis_up, 30, 0.1, "Redis answering")


# --- A Stripe proxy --------------------------------------------------------------------------


class StripeProxy:
    """An HTTP proxy on 127.0.0.1 in front of localstripe, which keeps its state throughout.

    down()/up() close and reopen the listening socket (connections are refused, as when Stripe
    is unreachable); delay_intents holds PaymentIntent creations for that many seconds before
    forwarding them (a slow Stripe: the caller can die in the middle, the charge still happens).
    """

    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.delay_intents = 0.0
        self.drop_intents = False  # after the delay, close the connection instead of forwarding
        self.intent_posts = 0  # PaymentIntent creations received
        self.intents_forwarded = 0  # ... and answered by localstripe
        self.intents_dropped = 0  # ... and never sent on (drop_intents)
        self._server = None
        self._thread = None
        self._lock = threading.Lock()

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                is_intent = self.command == "POST" and self.path.rstrip("/") == "/v1/payment_intents"
                if is_intent:
                    with proxy._lock:
                        proxy.intent_posts += 1
                    if proxy.delay_intents:
                        time.sleep(proxy.delay_intents)
                    if proxy.drop_intents:
                        with proxy._lock:
                            proxy.intents_dropped += 1
                        self.close_connection = True
                        return  # never reaches Stripe; the caller sees the connection closed
                request = urllib.request.Request(proxy.upstream + self.path, data=body, method=self.command)
                for key, value in self.headers.items():
                    if key.lower() not in ("host", "content-length", "connection"):
                        request.add_header(key, value)
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        status, headers, payload = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as exc:
                    status, headers, payload = exc.code, exc.headers, exc.read()
                if is_intent:
                    with proxy._lock:
                        proxy.intents_forwarded += 1
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        if key.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the caller is gone (killed): Stripe has done its part anyway

            do_GET = do_POST = do_DELETE = _forward

        return Handler

    def up(self):
        if self._server is not None:
            return
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def down(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def close(self):
        self.down()


def stripe_intents(localstripe_process):
    """Every PaymentIntent at localstripe (all pages)."""
    intents, after = [], None
    while True:
        path = "/v1/payment_intents?limit=100" + ("&starting_after=%s" % after if after else "")
        page = localstripe_process.request("GET", path)
        intents += page["data"]
        if not page.get("has_more"):
            return intents
        after = page["data"][-1]["id"]


# --- A Celery worker subprocess --------------------------------------------------------------


class WorkerProcess:
    """``celery worker`` (solo pool) in its own session, so SIGKILL takes the whole of it."""

    def __init__(self, *, queue, env, log_path):
        self.queue = queue
        self.env = env
        self.log_path = Path(log_path)
        self.process = None

    def start(self, timeout=60):
        before = self.log_text().count(" ready.")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "partnerportal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "-Q",
                self.queue,
                "--hostname",
                "%s@faults" % self.queue,
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_until(lambda: self._ready(before), timeout, 0.2, "Celery worker ready")

    def _ready(self, before):
        if self.process.poll() is not None:
            raise AssertionError("the worker exited: %s" % self.log_text()[-3000:])
        return self.log_text().count(" ready.") > before

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# --- The production-like stack ---------------------------------------------------------------


class Stack:
    """scripts/prod-stack.sh on free ports, in its own folder, database and Redis databases."""

    def __init__(self, *, directory, database_url, broker_url, cache_url):
        self.directory = Path(directory)
        self.web_port = free_port()
        self.stripe_port = free_port()
        self.env = dict(os.environ)
        for key in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "PYTEST_CURRENT_TEST"):
            self.env.pop(key, None)
        self.env.update(
            PRODSTACK_DIR=str(self.directory),
            PRODSTACK_WEB_PORT=str(self.web_port),
            PRODSTACK_STRIPE_PORT=str(self.stripe_port),
            PRODSTACK_WSGI_APP="bench.bare:application",
            PRODSTACK_FRESH_DB="1",
            DATABASE_URL=database_url,
            CELERY_BROKER_URL=broker_url,
            CACHE_URL=cache_url,
        )
        self.url = "http://127.0.0.1:%d" % self.web_port
        self.stripe_url = "http://127.0.0.1:%d" % self.stripe_port

    def script(self, action, timeout=300):
        return subprocess.run(
            ["bash", str(ROOT / "scripts" / "prod-stack.sh"), action],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self):
        result = self.script("start")
        if result.returncode:
            raise RuntimeError("prod-stack.sh start failed:\n%s\n%s" % (result.stdout, result.stderr))

    def stop(self):
        return self.script("stop")

    @property
    def env_file(self):
        return self.directory / "env"

    def stack_env(self):
        """The environment of the stack's own processes (generated secrets included)."""
        sys.path.insert(0, str(ROOT / "bench"))
        import load

        env = dict(self.env)
        env.update(load.read_env_file(self.env_file))
        return env

    def ctl(self, *args, timeout=120):
        """Run tests/stack/stackctl.py with the stack's settings; its JSON answer."""
        result = subprocess.run(
            [PY, str(ROOT / "tests" / "stack" / "stackctl.py"), *args],
            cwd=ROOT,
            env=self.stack_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise RuntimeError("stackctl %s failed:\n%s" % (" ".join(args), result.stderr[-3000:]))
        return json.loads(result.stdout.strip().splitlines()[-1])

    def log(self, name):
        path = self.directory / "log" / ("%s.log" % name)
        return path.read_text(errors="replace") if path.exists() else ""

    def get(self, path, timeout=10):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as answer:
            return answer.status, answer.read()


def with_db_name(url, name):
    parts = urlsplit(url)
    return parts._replace(path="/" + name, query="").geturl()
