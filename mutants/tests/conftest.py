import os
import re

import pytest

from tests.factories.membership import OrganizationFactory, UserFactory
from tests.fixtures_infra import *  # noqa: F401,F403  (localstripe, browser_page, ...)


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
