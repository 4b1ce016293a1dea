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
