"""The signed-in pages of offers render in a fixed number of queries, with the page cache off.

Each page is asked for at two data sizes (one row, then more than a page of them); the count is the
same and exact. The page cache is off (PAGE_CACHE_SECONDS=0), as in the render benchmark: what is
counted is the render, plus the one query every request makes: the session with its user, roles and
data versions (membership.sessions).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry
from offers.services import timeline_entry_build
from offers.timeline import TimelineKind
from partnerportal import page_cache
from tests.factories.offers import SubscriptionFactory

pytestmark = pytest.mark.django_db

SMALL, LARGE = 1, 40  # LARGE is more than one page (25 rows) of every list


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


# Every request: the session with its user, organisation, roles and data versions.
ACCESS = 1


def _count(client, url, django_assert_num_queries, expected):
    assert client.get(url).status_code == 200  # per-process memos (URLs, menu) warmed
    with django_assert_num_queries(ACCESS + expected):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_subscription_details_queries_do_not_grow(client, org, global_admin, size, django_assert_num_queries):
    subscription = SubscriptionFactory(organization=org, actor=global_admin)
    now = timezone.now()
    ActivityEntry.objects.bulk_create(
        timeline_entry_build(
            subscription=subscription,
            kind=TimelineKind.REMINDER_SENT,
            data={"reminder": "expiry_30"},
            actor=global_admin if i % 2 else None,
            created_at=now - datetime.timedelta(days=i + 1),
        )
        for i in range(size)
    )
    page_cache.organization_changed(org.pk)
    client.force_login(global_admin)
    # the subscription (offer, card), the organisation's default card (it has none of its own), the
    # reminders sent this term, the timeline page (actors, their number)
    body = _count(client, subscription.get_absolute_url(), django_assert_num_queries, 4)
    assert body.count("Expires in 30 days") >= min(size, 24)


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_offers_queries_do_not_grow(client, org, global_admin, size, django_assert_num_queries):
    for i in range(size):  # finished subscriptions from the past, and one live one
        SubscriptionFactory(organization=org, status="expired", end=timezone.localdate() - datetime.timedelta(days=i))
    SubscriptionFactory(organization=org)
    client.force_login(global_admin)
    # the catalogue with benefits, the organisation's subscriptions
    body = _count(client, reverse("offers:offer_list"), django_assert_num_queries, 2)
    assert body.count('class="subscription"') == size + 1


@pytest.mark.parametrize("size", [SMALL, LARGE])
def test_dashboard_queries_do_not_grow(client, org, global_admin, size, django_assert_num_queries):
    for _ in range(size):
        SubscriptionFactory(organization=org, status="expired", end=timezone.localdate())
    SubscriptionFactory(organization=org)
    client.force_login(global_admin)
    # competencies, the live Action Pack subscription, who accepted the network agreement
    body = _count(client, reverse("dashboard:index"), django_assert_num_queries, 3)
    assert 'id="tier-action-pack"' in body
