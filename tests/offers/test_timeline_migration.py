"""The timeline's rows become the activity log's entries about each subscription, each fact once.

Old rows are written through the historical models (the schema as it was before the migration),
with and without their activity twins; the migration runs forward, back and forward again. Marked
``migration``: it runs on SQLite, and again on PostgreSQL when one answers (``make test``).
"""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.migration, pytest.mark.django_db(transaction=True)]

BEFORE = [("offers", "0003_remove_timelineentry_detail"), ("membership", "0005_activity_object_index")]
AFTER = [("offers", "0005_delete_timelineentry")]
SUBSCRIPTION = "offers.subscription"
T0 = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)
TERM = {"order": "261130-ABCD", "amount": 47500, "currency": "USD", "start": "2026-11-30", "end": "2027-11-30"}
KEY = {"benefit": "w10", "name": "Licenses", "name_ru": "Лицензии", "key": "•••••-CCCCC"}
BENEFIT_ACTIONS = ("benefit.activated", "benefit.license_issued", "benefit.seat_assigned")
SEAT = {"benefit": "o365", "name": "Seats", "name_ru": "Места", "seat": 2, "user": "ann@contoso.example"}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema():
    """The database as it was before the migration; put back to the latest state afterwards."""
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_rows(apps):
    """Two organisations' subscriptions with timeline rows, some twinned in the activity log, some not.

    Returns the facts the log must hold afterwards about each subscription, as (verb, actor, data, when).
    """
    Organization = apps.get_model("membership", "Organization")
    User = apps.get_model("membership", "User")
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    Offer = apps.get_model("offers", "Offer")
    Subscription = apps.get_model("offers", "Subscription")
    TimelineEntry = apps.get_model("offers", "TimelineEntry")

    offer = Offer.objects.create(code="pack", name="Action Pack", price_amount=47500)
    contoso, fabrikam = Organization.objects.create(name="Contoso"), Organization.objects.create(name="Fabrikam")
    ann = User.objects.create(email="ann@contoso.example", organization=contoso, password="x")
    ours, theirs = (
        Subscription.objects.create(
            organization=org,
            offer=offer,
            started_on=T0.date(),
            current_period_start=T0.date(),
            current_period_end=T0.date() + datetime.timedelta(days=365),
            price_amount=47500,
            currency="USD",
        )
        for org in (contoso, fabrikam)
    )

    def row(subscription, kind, at, data=None, actor=None):
        return TimelineEntry.objects.create(
            subscription=subscription, kind=kind, data=data or {}, created_at=at, actor=actor
        )

    def activity(subscription, verb, at, data=None, actor=None, organization=None):
        return ActivityEntry.objects.create(
            organization=organization or subscription.organization,
            actor=actor,
            verb=verb,
            object_type=SUBSCRIPTION,
            object_id=str(subscription.pk),
            object_repr="Action Pack – %s" % subscription.organization.name,
            data=data or {},
            created_at=at,
        )

    # Twinned, as timeline_add wrote them: one fact each.
    row(ours, "purchased", T0, TERM, ann)
    activity(ours, "subscription.purchased", T0 + SECOND, TERM, ann)
    row(ours, "auto_renew_off", T0 + 10 * SECOND, actor=ann)
    activity(ours, "subscription.auto_renew_off", T0 + 10 * SECOND, actor=ann)
    # Benefits: the richer activity entry under the action's own verb, the timeline's data less "action".
    row(ours, "benefit_activated", T0 + 20 * SECOND, {**KEY, "action": "license_issued"}, ann)
    activity(ours, "benefit.license_issued", T0 + 20 * SECOND, KEY, ann)
    # ...whose activity entry was read back from an old sentence: fewer facts, which the row completes.
    row(ours, "benefit_activated", T0 + 30 * SECOND, {**SEAT, "action": "seat_assigned"}, ann)
    poorer = activity(ours, "benefit.seat_assigned", T0 + 31 * SECOND, {"name": "Seats", "user": SEAT["user"]}, ann)
    # Without a twin: older than the activity log...
    row(ours, "reminder_sent", T0 - datetime.timedelta(days=400), {"reminder": "expiry_30"})
    # ...two equal facts a moment apart and one twin: the twin stands for one of them only...
    row(ours, "renewal_failed", T0 + 40 * SECOND, {"attempt": 1, "reason": "no_card"})
    row(ours, "renewal_failed", T0 + 41 * SECOND, {"attempt": 1, "reason": "no_card"})
    activity(ours, "subscription.renewal_failed", T0 + 40 * SECOND, {"attempt": 1, "reason": "no_card"})
    # ...the same words an hour apart are two facts...
    row(ours, "past_due", T0 + datetime.timedelta(hours=2))
    activity(ours, "subscription.past_due", T0 + datetime.timedelta(hours=3))
    # ...a twin about another subscription, or with other data, is none.
    row(theirs, "note", T0 + 50 * SECOND, {"text": "Called the partner"})
    activity(ours, "subscription.note", T0 + 50 * SECOND, {"text": "Called the partner"}, organization=contoso)
    row(theirs, "expired", T0 + 60 * SECOND, {"reason": "auto_renew_off"})
    activity(theirs, "subscription.expired", T0 + 60 * SECOND, {"reason": "retries_exhausted"})
    # Entries about other objects, and a seat's release (never on the timeline), stay as they are.
    ActivityEntry.objects.create(organization=contoso, actor=ann, verb="user.roles_changed", created_at=T0)
    activity(ours, "benefit.seat_released", T0 + 70 * SECOND, SEAT, ann)

    expected = {
        ours.pk: _facts(
            [
                ("subscription.purchased", ann.pk, TERM, T0 + SECOND),
                ("subscription.auto_renew_off", ann.pk, {}, T0 + 10 * SECOND),
                ("benefit.license_issued", ann.pk, KEY, T0 + 20 * SECOND),
                ("benefit.seat_assigned", ann.pk, SEAT, T0 + 31 * SECOND),
                ("subscription.reminder_sent", None, {"reminder": "expiry_30"}, T0 - datetime.timedelta(days=400)),
                ("subscription.renewal_failed", None, {"attempt": 1, "reason": "no_card"}, T0 + 40 * SECOND),
                ("subscription.renewal_failed", None, {"attempt": 1, "reason": "no_card"}, T0 + 41 * SECOND),
                ("subscription.past_due", None, {}, T0 + datetime.timedelta(hours=2)),
                ("subscription.past_due", None, {}, T0 + datetime.timedelta(hours=3)),
                ("subscription.note", None, {"text": "Called the partner"}, T0 + 50 * SECOND),
                ("benefit.seat_released", ann.pk, SEAT, T0 + 70 * SECOND),
            ]
        ),
        theirs.pk: _facts(
            [
                ("subscription.note", None, {"text": "Called the partner"}, T0 + 50 * SECOND),
                ("subscription.expired", None, {"reason": "auto_renew_off"}, T0 + 60 * SECOND),
                ("subscription.expired", None, {"reason": "retries_exhausted"}, T0 + 60 * SECOND),
            ]
        ),
    }
    return expected, poorer.pk


def _frozen(data):
    return tuple(sorted((key, str(value)) for key, value in data.items()))


def _facts(facts):
    """(verb, actor, data, when) as a multiset: two equal facts are two."""
    return Counter((verb, actor, _frozen(data), when) for verb, actor, data, when in facts)


def _log(apps, subscription_pk):
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    entries = ActivityEntry.objects.filter(object_type=SUBSCRIPTION, object_id=str(subscription_pk))
    return _facts((e.verb, e.actor_id, e.data, e.created_at.astimezone(datetime.UTC)) for e in entries)


def _timeline(apps):
    TimelineEntry = apps.get_model("offers", "TimelineEntry")
    return Counter((r.subscription_id, r.kind, r.actor_id, _frozen(r.data)) for r in TimelineEntry.objects.all())


def _other_entries(apps):
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    return Counter(ActivityEntry.objects.exclude(object_type=SUBSCRIPTION).values_list("verb", "actor_id"))


def _on_timeline(verb):
    return verb.startswith("subscription.") or verb in BENEFIT_ACTIONS


def test_every_timeline_row_becomes_one_entry_and_back(old_schema):
    expected, poorer_pk = _old_rows(old_schema)
    rows_before = _timeline(old_schema)
    others_before = _other_entries(old_schema)

    apps = _migrate(AFTER)
    for subscription_pk, facts in expected.items():
        assert _log(apps, subscription_pk) == facts, subscription_pk
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    # The poorer twin took the row's facts rather than a second entry being written.
    assert ActivityEntry.objects.get(pk=poorer_pk).data == SEAT
    assert _other_entries(apps) == others_before
    copied = ActivityEntry.objects.get(object_type=SUBSCRIPTION, verb="subscription.reminder_sent")
    assert (copied.organization.name, copied.object_repr) == ("Contoso", "Action Pack – Contoso")

    # Back: the timeline is rebuilt from the log (every old row again, at its twin's time), the log untouched.
    log = {pk: _log(apps, pk) for pk in expected}
    apps = _migrate(BEFORE)
    rows_back = _timeline(apps)
    assert {pk: _log(apps, pk) for pk in expected} == log
    assert rows_before <= rows_back
    assert rows_back.total() == sum(
        n for facts in log.values() for (verb, *_), n in facts.items() if _on_timeline(verb)
    )

    # Forward again: every rebuilt row has its twin, so nothing is written twice.
    apps = _migrate(AFTER)
    assert {pk: _log(apps, pk) for pk in expected} == log
