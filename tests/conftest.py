import pytest

from tests.factories import make_org, make_user
from tests.fixtures_infra import *  # noqa: F401,F403  (localstripe, browser_page, ...)


@pytest.fixture
def org(db):
    return make_org("Contoso")


@pytest.fixture
def other_org(db):
    return make_org("Fabrikam")


@pytest.fixture
def global_admin(org):
    return make_user(org, roles=["global_admin"])


@pytest.fixture
def client_for(client):
    """Log a user in on the test client and return it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login
