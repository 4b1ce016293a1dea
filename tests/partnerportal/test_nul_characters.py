"""A NUL character in a query string is a 400 page in the reader's language, never a 500 (PostgreSQL refuses NUL)."""

import pytest
from django.urls import reverse

from membership.models import Role
from tests.factories.membership import UserFactory
from tests.factories.support import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["currency=%00", "q=a%00b", "currency=\x00"])
def test_an_admin_filter_with_a_nul_is_refused_with_400(client, query):
    client.force_login(StaffFactory(superuser=True))
    response = client.get(reverse("admin:billing_billingprofile_changelist") + "?" + query)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_a_partner_page_with_a_nul_is_refused_in_the_readers_language(client, org):
    client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru"))
    response = client.get(reverse("support:request_list") + "?status=open%00")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'lang="ru"' in body and "Неверный запрос" in body


def test_a_query_string_without_nul_passes(client, org):
    client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
    assert client.get(reverse("support:request_list") + "?status=open").status_code == 200
