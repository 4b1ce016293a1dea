"""Billing history renders in a fixed number of queries, with the page cache off.

The page is asked for at two data sizes (one payment, then more than a page of them); the count is
the same and exact. The page cache is off (PAGE_CACHE_SECONDS=0), as in the render benchmark: what
is counted is the render, plus the one query every request makes: the session with its user, roles
and data versions (membership.sessions).
"""

import pytest
from django.urls import reverse

from membership.models import Role
from partnerportal import page_cache
from tests.factories.billing import InvoiceFactory, RefundFactory
from tests.factories.membership import UserFactory
from tests.factories.offers import paid_orders

pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 40  # LARGE is more than one page (25 rows)


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def billing_admin(org):
    return UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN, Role.BILLING_ADMIN])


# Every request: the session with its user, organisation, roles and data versions.
ACCESS = 1


def _count(client, url, django_assert_num_queries, expected):
    assert client.get(url).status_code == 200  # per-process memos (URLs, menu) warmed
    with django_assert_num_queries(ACCESS + expected):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _payments(org, count):
    """``count`` paid orders with their payments and invoices; every fifth payment refunded."""
    payments = paid_orders(org, count)
    for i, payment in enumerate(payments):
        InvoiceFactory(payment=payment)
        if i % 5 == 0:
            RefundFactory(payment=payment, amount=10000)
    page_cache.organization_changed(org.pk)  # the invoices and refunds above
    return payments


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_billing_history_queries_do_not_grow(client, org, billing_admin, size, django_assert_num_queries):
    _payments(org, size)
    client.force_login(billing_admin)
    # payment methods, the page's payments (card, invoice, offer, their number), their refunds
    body = _count(client, reverse("billing:history"), django_assert_num_queries, 3)
    assert body.count('class="payment"') == min(size, 25)


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_receipt_and_reconciliation_file_queries_do_not_grow(
    client, org, billing_admin, size, django_assert_num_queries
):
    payment = _payments(org, size)[0]  # refunded
    client.force_login(billing_admin)
    # the payment (card, organisation), its refunds, its order line (billing.order_lines)
    body = _count(client, reverse("billing:receipt", args=[payment.pk]), django_assert_num_queries, 3)
    assert payment.reference in body and "−US$100.00" in body
    # the payments (card, order line), their refunds
    csv_body = _count(client, reverse("billing:reconciliation_csv"), django_assert_num_queries, 2)
    assert csv_body.count("\npayment,") == size
