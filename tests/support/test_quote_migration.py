"""Requests filed before reasons and quotes were kept get none, and their pages still render.

An old cancellation request is written through the historical models (the schema before the
migration); the migration runs forward, back and forward again.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from support.models import ServiceRequest
from tests.factories.support import StaffFactory

pytestmark = [pytest.mark.migration, pytest.mark.django_db(transaction=True)]

BEFORE = [("support", "0004_clock_events_for_existing_requests")]
AFTER = [("support", "0005_cancellation_reason_and_quote")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema():
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_cancellation(apps):
    Organization = apps.get_model("membership", "Organization")
    User = apps.get_model("membership", "User")
    Offer = apps.get_model("offers", "Offer")
    Subscription = apps.get_model("offers", "Subscription")
    OldRequest = apps.get_model("support", "ServiceRequest")
    org = Organization.objects.create(name="Contoso")
    partner = User.objects.create(email="ann@contoso.example", organization=org, password="x")
    today = datetime.date.today()
    subscription = Subscription.objects.create(
        organization=org,
        offer=Offer.objects.create(code="pack", name="Action Pack", price_amount=47500),
        started_on=today,
        current_period_start=today,
        current_period_end=today + datetime.timedelta(days=365),
        price_amount=47500,
        currency="USD",
    )
    return OldRequest.objects.create(
        number="SR-000001",
        organization=org,
        requester=partner,
        problem_type="invoice_payment",
        title="Cancel it",
        description="Filed before reasons existed.",
        subscription=subscription,
        wants_cancellation=True,
    ).pk


def test_old_requests_get_no_reason_and_no_quote_and_render(old_schema, client):
    pk = _old_cancellation(old_schema)
    _migrate(AFTER)
    _migrate(BEFORE)
    _migrate(AFTER)
    # The pages below are today's code: they read the schema of every later migration too.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    old = ServiceRequest.objects.get(pk=pk)
    assert (old.cancellation_reason, old.cancellation_reason_other, old.quote_kind, old.quote_currency) == (
        "",
        "",
        "",
        "",
    )
    assert old.quote_amount is old.quote_day is old.quote_computed_at is old.quote_benefits_activated is None
    client.force_login(old.requester)
    detail = client.get(old.get_absolute_url())
    assert detail.status_code == 200 and 'id="refund-quote"' not in detail.content.decode()
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:support_servicerequest_change", args=[pk])).status_code == 200
    process = client.get(reverse("admin:support_servicerequest_process_cancellation", args=[pk]))
    assert process.status_code == 200
    assert "No quote was recorded: this request was filed before quotes were kept." in process.content.decode()
