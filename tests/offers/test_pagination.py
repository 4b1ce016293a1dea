"""A subscription's timeline is read a page (25 rows) at a time, in the reader's language."""

import datetime

import pytest
from django.utils import timezone

from membership.models import ActivityEntry
from offers.services import timeline_entry_build
from offers.timeline import TimelineKind
from partnerportal import page_cache
from tests.factories.offers import SubscriptionFactory

pytestmark = pytest.mark.django_db


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


def test_the_timeline_pages_through_every_entry(client, org, global_admin):
    subscription = SubscriptionFactory(organization=org, actor=global_admin)
    now = timezone.now()
    ActivityEntry.objects.bulk_create(
        timeline_entry_build(
            subscription=subscription,
            kind=TimelineKind.NOTE,
            data={"text": "Note %02d" % i},
            actor=global_admin,
            created_at=now - datetime.timedelta(days=i + 1),
        )
        for i in range(40)
    )
    page_cache.organization_changed(org.pk)
    client.force_login(global_admin)
    bodies = _pages(client, subscription.get_absolute_url())
    assert len(bodies) == 2
    everything = "".join(bodies)
    assert all("Note %02d" % i in everything for i in range(40))
    assert "Note 00" in bodies[0] and "Note 39" in bodies[1]
    assert global_admin.display_name in bodies[1]
