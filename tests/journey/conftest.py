"""The `journey_target` fixture: which running portal the journey drives.

(a) default: pytest-django's live_server in this process, with localstripe from
    tests/fixtures_infra.py. Implemented and run in CI.

(b) JOURNEY_TARGET=prod-stack: the production-like stack of scripts/prod-stack.sh, already started by
    the caller. `prod_stack_target()` below is the hook; it reads the stack's env file
    ($PRODSTACK_DIR/env, default var/prodstack/env) for PRODSTACK_URL and the environment manage.py
    needs. The stack must be started with the file e-mail backend so the invitation can be read:
        EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
        EMAIL_FILE_PATH=<dir>            (JOURNEY_MAIL_DIR overrides the value from the env file)
    and with the demo data (PRODSTACK_DEMO_DATA=1, the default) or at least the offer catalogue; the
    journey runs the idempotent `load_demo_data` itself anyway.
"""

import os
from pathlib import Path

import pytest

from tests.journey.target import REPO_ROOT, InProcessTarget, SubprocessTarget, read_env_file

PROD_STACK = "prod-stack"


def prod_stack_target(env_file: Path | None = None) -> SubprocessTarget:
    """Hook (b): a JourneyTarget for a running scripts/prod-stack.sh stack (gunicorn, PostgreSQL, Redis, Celery)."""
    if env_file is None:
        env_file = Path(os.environ.get("PRODSTACK_DIR", REPO_ROOT / "var" / "prodstack")) / "env"
    if not Path(env_file).exists():
        pytest.fail(
            "JOURNEY_TARGET=prod-stack but %s is missing: run scripts/prod-stack.sh start" % env_file, pytrace=False
        )
    env = read_env_file(env_file)
    if os.environ.get("JOURNEY_MAIL_DIR"):
        env["EMAIL_FILE_PATH"] = os.environ["JOURNEY_MAIL_DIR"]
    if env.get("EMAIL_BACKEND") != "django.core.mail.backends.filebased.EmailBackend" or not env.get("EMAIL_FILE_PATH"):
        pytest.fail(
            "the stack's e-mails are not readable (EMAIL_BACKEND=%r): start it with "
            "EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend and EMAIL_FILE_PATH=<dir>"
            % env.get("EMAIL_BACKEND"),
            pytrace=False,
        )
    base_url = env.get("PRODSTACK_URL") or os.environ.get("PRODSTACK_URL")
    if not base_url:
        pytest.fail("PRODSTACK_URL is not in %s" % env_file, pytrace=False)
    return SubprocessTarget(base_url, env)


def live_server_target(request) -> InProcessTarget:
    """Target (a): pytest-django's live_server and localstripe, in this process."""
    # Requested dynamically, so ask for the transactional database first: live_server's own helper
    # only sets it up for tests that name live_server in their signature.
    request.getfixturevalue("transactional_db")
    _require_test_database()
    # The staff groups the migration made, back after an earlier transactional test's flush: the
    # journey's load_demo_data puts its demo staff in them.
    request.getfixturevalue("staff_groups")
    live_server = request.getfixturevalue("live_server")
    request.getfixturevalue("stripe_settings")
    # The e-mails' links name the configured public address: here, the live server.
    request.getfixturevalue("settings").PORTAL_BASE_URL = live_server.url
    # No localstripe_webhook here: on SQLite the live server's threads share one in-memory connection,
    # and a webhook delivered while a page is being answered breaks both (seen: "cannot release
    # savepoint"). The checkout does not need the webhook; the production-like stack has its own.
    return InProcessTarget(live_server.url)


def _require_test_database():
    """Refuse to drive the developer's database: pytest-django only creates the test database when some
    collected test carries the django_db mark, and the journey writes organisations, orders and refunds."""
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    if "test" not in name and "memory" not in name:
        pytest.fail(
            "the journey would write to %s, not a test database: mark the test "
            "@pytest.mark.django_db(transaction=True)" % name,
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _expect_timeout():
    """expect() retries up to 15 s here (Playwright's default is 5 s; a charge on a loaded stack can take
    longer); restored afterwards so other tests keep their own bounds."""
    from playwright.sync_api import expect

    from tests.journey.helpers import ACTION_TIMEOUT_MS, PLAYWRIGHT_EXPECT_DEFAULT_MS

    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    yield
    expect.set_options(timeout=PLAYWRIGHT_EXPECT_DEFAULT_MS)


@pytest.fixture
def journey_target(request):
    """The running portal the journey drives: (a) live_server by default, (b) JOURNEY_TARGET=prod-stack."""
    kind = os.environ.get("JOURNEY_TARGET", "live-server")
    if kind == PROD_STACK:
        return prod_stack_target()
    if kind != "live-server":
        pytest.fail("JOURNEY_TARGET must be live-server or %s, not %r" % (PROD_STACK, kind), pytrace=False)
    return live_server_target(request)
