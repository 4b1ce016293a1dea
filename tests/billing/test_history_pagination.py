"""Billing history is read a page (25 payments) at a time, in the reader's language."""

import pytest
from django.urls import reverse

from membership.models import Role
from tests.factories.membership import UserFactory
from tests.factories.offers import paid_orders
from tests.helpers.query_plans import page_query_plan

pytestmark = pytest.mark.django_db


def _payments(org, count):
    paid_orders(org, count, prefix="PG-", amount_step=1)


def _pages(client, url):
    """Every page of a paginated list, following its Next links."""
    bodies, number = [], 1
    while number:
        response = client.get(url, {"page": number})
        assert response.status_code == 200
        body = response.content.decode()
        bodies.append(body)
        number = number + 1 if 'rel="next"' in body else None
    return bodies


def test_billing_history_pages_through_every_payment_newest_first(client, org):
    _payments(org, 60)
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
    bodies = _pages(client, reverse("billing:history"))
    assert len(bodies) == 3
    assert [body.count('class="payment"') for body in bodies] == [25, 25, 10]
    everything = "".join(bodies)
    assert all("PG-%05d" % i in everything for i in range(60))
    assert bodies[0].index("PG-00000") < bodies[0].index("PG-00001")  # newest first
    assert "Page 1 of 3" in bodies[0] and 'rel="prev"' not in bodies[0] and 'rel="prev"' in bodies[2]
    # An old link past the end shows the last page.
    assert client.get(reverse("billing:history"), {"page": 9}).content.decode().count('class="payment"') == 10


def test_billing_history_pager_in_russian(client, org):
    _payments(org, 30)
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language="ru"))
    body = client.get(reverse("billing:history"), {"page": 2}).content.decode()
    assert "Страница 2 из 2" in body and ">Назад</a>" in body and 'aria-label="Страницы"' in body
    assert "475,29\xa0$" in body and "475,05\xa0$" not in body  # the oldest five, in the reader's locale
    assert body.count('class="payment"') == 5


def test_a_page_of_billing_history_is_read_from_the_index_without_sorting_the_whole_history(client, org):
    """The page's query walks the organisation's payments newest first in the index and stops after the
    page: a sort of every payment (SQLite's temp B-tree) grows with the history on every view."""
    _payments(org, 30)
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
    plan = page_query_plan(lambda: client.get(reverse("billing:history")))
    assert "payment_org_created_id_idx" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
