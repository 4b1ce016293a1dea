"""Test infrastructure: a localstripe server and a headless Chromium page.

tests/conftest.py imports these fixtures with

    from tests.fixtures_infra import *  # noqa: F401,F403

localstripe_process  session: the LocalStripe controller (url, port, stop(), start(), reset())
localstripe          session: base URL of a localstripe on a free 127.0.0.1 port
stripe_settings      function: points the settings (and stripe.api_base) at it, empties its data
localstripe_down     function: localstripe is stopped for the test, restarted on the same port after
localstripe_webhook  function: localstripe posts its signed events to the live_server's webhook view
localstripe_with_state  function: a localstripe of the test's own keeping its state in a file, as
                     `make run` does under var/; settings point at it; restart() keeps the state
browser_page         function: a Playwright page in Debian's headless chromium
"""

import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import pytest

__all__ = [
    "LocalStripe",
    "browser_page",
    "localstripe",
    "localstripe_down",
    "localstripe_process",
    "localstripe_webhook",
    "localstripe_with_state",
    "stripe_settings",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCALSTRIPE_SCRIPT = REPO_ROOT / "scripts" / "localstripe_server.py"
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
WEBHOOK_PATH = "/billing/stripe/webhook/"

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps dialling Google's
# hosts, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port():
    """Return a free loopback port below Linux's ephemeral range (32768+).

    Outgoing connections never take such a port, so it stays free while
    localstripe is stopped and restarted on it.
    """
    for _ in range(200):
        port = random.randint(20000, 32000)
        if _port_is_free(port):
            return port
    raise RuntimeError("no free port on 127.0.0.1 between 20000 and 32000")


class LocalStripe:
    """A localstripe subprocess on a fixed 127.0.0.1 port; it can be stopped and started again."""

    def __init__(self, port, state_file=None):
        self.port = port
        self.state_file = state_file  # None: state in memory only, forgotten when it stops
        self.url = "http://127.0.0.1:%d" % port
        self.js_url = self.url + "/js.stripe.com/v3/"
        self.process = None
        self._log = tempfile.NamedTemporaryFile(prefix="localstripe-", suffix=".log", delete=False)

    def __repr__(self):
        return "<LocalStripe %s %s>" % (self.url, "running" if self.running else "stopped")

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=30):
        if self.running:
            return
        command = [sys.executable, str(LOCALSTRIPE_SCRIPT), "--port", str(self.port)]
        if self.state_file is not None:
            command += ["--state-file", str(self.state_file)]
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None:
                raise RuntimeError(
                    "localstripe exited with status %s:\n%s" % (self.process.returncode, self.log_text())
                )
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("localstripe did not answer on %s:\n%s" % (self.url, self.log_text()))
            time.sleep(0.05)

    def stop(self, timeout=10):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.process = None

    def restart(self):
        self.stop()
        self.start()

    def reset(self):
        """Forget every customer, payment method, intent, charge and event."""
        self.request("DELETE", "/_config/data")

    def register_webhook(self, webhook_id, url, secret, events=None):
        """Make localstripe post signed events to url (events: list of types, or None for all)."""
        fields = [("url", url), ("secret", secret)]
        fields += [("events[]", event) for event in events or []]
        self.request("POST", "/_config/webhooks/%s" % webhook_id, fields)

    def request(self, method, path, fields=None):
        """Send a request with the secret key; return the decoded JSON answer (or None)."""
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", "Bearer sk_test_localstripe")
        with urllib.request.urlopen(req, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body.strip() else None

    def log_text(self):
        return Path(self._log.name).read_text(errors="replace")

    def close(self):
        self.stop()
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)

    def _answers(self):
        try:
            answer = self.request("GET", "/v1/customers?limit=1")
        except (OSError, ValueError):
            return False
        return isinstance(answer, dict) and answer.get("object") == "list"


def _started_localstripe(**kwargs):
    """A LocalStripe started on a free 127.0.0.1 port (another one if that port was taken meanwhile)."""
    for attempt in range(3):
        server = LocalStripe(_free_port(), **kwargs)
        try:
            server.start()
            return server
        except RuntimeError:
            server.close()  # most likely the port was taken in between: try another one
            if attempt == 2:
                raise


@pytest.fixture(scope="session")
def localstripe_process():
    """Start localstripe on a free 127.0.0.1 port for the whole session."""
    server = _started_localstripe()
    yield server
    server.close()


@pytest.fixture(scope="session")
def localstripe(localstripe_process):
    """Base URL of the session's localstripe, e.g. http://127.0.0.1:23456."""
    return localstripe_process.url


@pytest.fixture
def stripe_settings(localstripe_process, settings, monkeypatch):
    """Point STRIPE_API_BASE/STRIPE_JS_URL (and stripe.api_base) at an emptied localstripe."""
    import stripe

    if not localstripe_process.running:  # a test stopped it without restarting it
        localstripe_process.start()
    localstripe_process.reset()
    settings.STRIPE_API_BASE = localstripe_process.url
    settings.STRIPE_JS_URL = localstripe_process.js_url
    monkeypatch.setattr(stripe, "api_base", localstripe_process.url)
    return localstripe_process.url


@pytest.fixture
def localstripe_with_state(tmp_path, settings, monkeypatch):
    """A localstripe of this test's own whose state lives in tmp_path/localstripe.pickle (as `make run` keeps it).

    The settings (and stripe.api_base) point at it. restart() stops it and starts a new process on
    the same port and state file, which knows everything the first one did; removing the file
    between stop() and start() gives an empty one instead. The session's localstripe is untouched.
    """
    import stripe

    server = _started_localstripe(state_file=tmp_path / "localstripe.pickle")
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_JS_URL = server.js_url
    monkeypatch.setattr(stripe, "api_base", server.url)
    yield server
    server.close()


@pytest.fixture
def localstripe_down(stripe_settings, localstripe_process):
    """Stop localstripe for this test (connections to it are refused); restart it afterwards.

    The settings still point at its port, so the payment service is simply
    unreachable. State is lost across the restart, as with every test.
    """
    localstripe_process.stop()
    yield localstripe_process
    localstripe_process.start()


@pytest.fixture
def localstripe_webhook(live_server, stripe_settings, localstripe_process, settings):
    """Have localstripe post its signed events to the live server's Stripe webhook view.

    Returns the webhook URL. Deliveries are asynchronous (about a second after
    the event); wait for their effect in the database. Afterwards the
    registration is narrowed to an event type that never occurs, because
    localstripe's reset does not forget webhooks.
    """
    url = live_server.url + WEBHOOK_PATH
    localstripe_process.register_webhook("pytest", url, settings.STRIPE_WEBHOOK_SECRET)
    yield url
    if localstripe_process.running:
        localstripe_process.register_webhook("pytest", url, settings.STRIPE_WEBHOOK_SECRET, events=["pytest.disabled"])


def _screenshot_path(node_name):
    return SCREENSHOT_DIR / (re.sub(r"[^A-Za-z0-9_.-]+", "_", node_name).strip("_") + ".png")


@pytest.fixture
def browser_page(request):
    """A page in headless Debian chromium; a screenshot lands in artifacts/screenshots/ at the end."""
    if not os.path.exists(CHROMIUM):
        reason = "%s is missing: `make browsers` installs Debian's chromium" % CHROMIUM
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked as running in this
    # thread, and Django then refuses ORM calls from the test (and from
    # live_server's database set-up and flush) with SynchronousOnlyOperation.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        # launch() gives every browser a new, empty temporary profile
        # (--user-data-dir) and deletes it on close.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            page = context.new_page()
            page.set_default_timeout(15_000)
            failures_before = request.session.testsfailed
            yield page
            path = _screenshot_path(request.node.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a crashed or closed page must not hide the test's own result
                warnings.warn("no screenshot for %s: %s" % (request.node.nodeid, exc), stacklevel=1)
            else:
                if request.session.testsfailed > failures_before:
                    sys.stderr.write("\nscreenshot of the failed page: %s\n" % path)
            context.close()
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
