import os
import re
import shutil
from pathlib import Path

import pytest

from tests.factories.membership import OrganizationFactory, UserFactory
from tests.fixtures_infra import *  # noqa: F401,F403  (localstripe, browser_page, ...)


@pytest.fixture(scope="session", autouse=True)
def _remove_sqlite_test_files():
    """The file SQLite test database (partnerportal.settings.test) leaves its WAL files and the
    renewal lock files beside it; Django removes only the database itself."""
    yield
    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name:
        shutil.rmtree("%s-locks" % name, ignore_errors=True)
        for suffix in ("-wal", "-shm"):
            Path("%s%s" % (name, suffix)).unlink(missing_ok=True)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Contoso")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Fabrikam")


@pytest.fixture
def global_admin(org):
    return UserFactory(organization=org, roles=["global_admin"])


@pytest.fixture
def client_for(client):
    """Log a user in on the test client and return it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


# A test that needs a server (PostgreSQL for row locks, Redis for the broker) skips where none runs.
# In CI both run, so such a skip means the set-up was lost (DATABASE_URL unset, say): fail instead
# of passing quietly with the tests that matter most left out.
NEEDS_A_SERVER = re.compile(r"\b(PostgreSQL|Redis)\b")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if NEEDS_A_SERVER.search(reason):
            report.outcome = "failed"
            report.longrepr = "CI=true, but this test was skipped for want of a server: %s" % reason


@pytest.fixture(autouse=True)
def _celery_not_inside_a_worker():
    """Each test starts outside any Celery worker.

    A worker set up in this process (celery.contrib.testing's, or a pool created by a test) marks
    the process as "inside a worker", after which an eager task's ``.get()`` refuses to run.
    """
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached by an earlier test (whose rolled-back rows
    may reuse the same ids and versions) must not answer for this one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_groups(db):
    """The staff groups support's migration makes (R23), made again with its list when a transactional test
    before this one flushed the database (a flush keeps the tables and permissions, not the migrations' rows)."""
    import importlib

    from django.apps import apps

    importlib.import_module("support.migrations.0007_staff_groups").add_groups(apps)


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    """A request through the test client activates its reader's language in this thread (as the
    locale middleware does per request in production) and nothing deactivates it: without this, a
    Russian reader's request made every later test of the run speak Russian."""
    yield
    from django.utils import translation

    translation.deactivate()
