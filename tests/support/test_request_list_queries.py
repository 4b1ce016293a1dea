"""Service requests > Partner Center requests: a fixed number of queries at any size, and it pages through."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from partnerportal import page_cache
from support.models import ProblemType, RequestStatus, ServiceRequest, Severity
from tests.factories.membership import UserFactory
from tests.helpers.query_plans import page_query_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


def _requests(org, user, count):
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            number="SR-8%05d" % i,
            organization=org,
            requester=user,
            problem_type=ProblemType.OTHER,
            title="Problem %d" % i,
            description="…",
            severity=Severity.MODERATE,
            status=RequestStatus.values[i % len(RequestStatus.values)],
            created_at=now - datetime.timedelta(hours=i),
        )
        for i in range(count)
    )
    page_cache.organization_changed(org.pk)  # bulk_create sends no signal


@pytest.mark.parametrize("size", [1, 60])
def test_the_list_runs_the_same_queries_at_any_size(client, org, size, django_assert_num_queries):
    user = UserFactory(organization=org)
    _requests(org, user, size)
    client.force_login(user)
    url = reverse("support:request_list")
    client.get(url)  # per-process memos (URLs, menu) warmed
    # the session with its user and roles, then the page's requests with their number
    with django_assert_num_queries(2):
        body = client.get(url).content.decode()
    assert body.count("<tr data-number=") == min(size, 25)


def test_every_request_is_on_one_page_and_the_pager_is_translated(client, org):
    user = UserFactory(organization=org, language="ru")
    _requests(org, user, 60)
    client.force_login(user)
    url = reverse("support:request_list")
    seen, page_number = [], 1
    while page_number:
        response = client.get(url, {"page": page_number})
        seen += [item.number for item in response.context["page"].object_list]
        page = response.context["page"]
        page_number = page.next_page_number() if page.has_next() else None
    assert sorted(seen) == sorted("SR-8%05d" % i for i in range(60)) and len(seen) == 60
    body = client.get(url, {"page": 2}).content.decode()
    assert "Страница 2 из 3" in body and ">Назад</a>" in body and ">Далее</a>" in body
    # An old link past the end shows the last page.
    assert client.get(url, {"page": 99}).context["page"].number == 3


@pytest.mark.parametrize("status", ["", "open"])
def test_a_page_of_requests_is_read_from_the_index_without_sorting_every_request(client, org, status):
    """Filtered or not, the list walks the organisation's requests newest first in an index and stops
    after the page: a sort of every request (SQLite's temp B-tree) grew with the organisation."""
    user = UserFactory(organization=org)
    _requests(org, user, 40)
    client.force_login(user)
    plan = page_query_plan(lambda: client.get(reverse("support:request_list"), {"status": status}))
    assert "sr_org_" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
