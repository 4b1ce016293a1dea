"""The subscription timeline becomes the activity log's entries about each subscription.

Until now a fact about a subscription was written twice: a timeline row (offers.TimelineEntry) and
an activity entry ("subscription.<kind>" about the subscription, same data, same transaction). The
benefit services wrote their activity entry under a verb of their own ("benefit.license_issued",
with the timeline's data less its "action"). Each timeline row becomes exactly one activity entry:
- a row whose twin exists (same organisation, same subscription, the twin's verb, same data, written
  within TWIN_SECONDS of it) is not copied again; a benefit twin whose facts are fewer (read back
  from an old sentence) takes the row's facts, so nothing it knew is lost;
- a row without one (written before the activity log, or a twin that was never written) is copied
  with its kind as the verb "subscription.<kind>", its actor, data and time.
Every activity entry twins at most one row, so two equal facts written a moment apart stay two.

Reverse: the timeline is rebuilt from the log (rows it still holds are replaced) (every "subscription.<kind>" entry and every benefit
action but a seat's release, which the timeline never showed), and the log is left as it is, as the
old code expects: every fact in both. The table itself is dropped by the next migration.
"""

import datetime

from django.db import migrations
from django.db.models import Q

SUBSCRIPTION = "offers.subscription"
# Twins were written in one transaction, a few statements apart; rows that far apart are two facts.
TWIN_SECONDS = 5
BENEFIT_ACTIONS = ("activated", "license_issued", "seat_assigned")
BATCH = 1000


def _twin(row, candidates):
    """The unclaimed activity entry that recorded this timeline row, or None."""
    window = datetime.timedelta(seconds=TWIN_SECONDS)
    data = row.data or {}
    for entry in candidates:
        if abs(entry.created_at - row.created_at) > window:
            continue
        if entry.verb == f"subscription.{row.kind}" and (entry.data or {}) == data:
            return entry
        if row.kind == "benefit_activated" and entry.verb == "benefit.%s" % data.get("action", "activated"):
            facts = {key: value for key, value in data.items() if key != "action"}
            if (entry.data or {}).items() <= facts.items():
                if entry.data != facts:
                    entry.data = facts
                    entry.save(update_fields=["data"])
                return entry
    return None


def timeline_into_activity(apps, schema_editor):
    TimelineEntry = apps.get_model("offers", "TimelineEntry")
    Subscription = apps.get_model("offers", "Subscription")
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    db = schema_editor.connection.alias

    subscriptions = Subscription.objects.using(db).filter(timeline__isnull=False).distinct().order_by("pk")
    copies = []
    for subscription in subscriptions.select_related("offer", "organization").iterator():
        entries = list(
            ActivityEntry.objects.using(db)
            .filter(
                organization_id=subscription.organization_id, object_type=SUBSCRIPTION, object_id=str(subscription.pk)
            )
            .order_by("created_at", "pk")
        )
        # What activity_record wrote for this subscription (str(subscription)), else the same words.
        name = next(
            (e.object_repr for e in entries if e.object_repr),
            f"{subscription.offer.name} – {subscription.organization.name}",
        )[:200]
        unclaimed = entries
        for row in TimelineEntry.objects.using(db).filter(subscription=subscription).order_by("created_at", "pk"):
            twin = _twin(row, unclaimed)
            if twin is not None:
                unclaimed = [e for e in unclaimed if e.pk != twin.pk]
                continue
            copies.append(
                ActivityEntry(
                    organization_id=subscription.organization_id,
                    actor_id=row.actor_id,
                    verb=f"subscription.{row.kind}",
                    object_type=SUBSCRIPTION,
                    object_id=str(subscription.pk),
                    object_repr=name,
                    data=row.data or {},
                    created_at=row.created_at,
                )
            )
        if len(copies) >= BATCH:
            ActivityEntry.objects.using(db).bulk_create(copies)
            copies = []
    ActivityEntry.objects.using(db).bulk_create(copies)


def activity_into_timeline(apps, schema_editor):
    TimelineEntry = apps.get_model("offers", "TimelineEntry")
    Subscription = apps.get_model("offers", "Subscription")
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    db = schema_editor.connection.alias

    # The log is the record: rows left from before (the table is normally recreated empty) would
    # appear twice.
    TimelineEntry.objects.using(db).all().delete()
    existing = {str(pk) for pk in Subscription.objects.using(db).values_list("pk", flat=True)}
    verbs = Q(verb__startswith="subscription.") | Q(verb__in=[f"benefit.{action}" for action in BENEFIT_ACTIONS])
    entries = ActivityEntry.objects.using(db).filter(verbs, object_type=SUBSCRIPTION).order_by("created_at", "pk")
    rows = []
    for entry in entries.iterator():
        if entry.object_id not in existing:
            continue  # about a subscription deleted since: its timeline went with it
        data = dict(entry.data or {})
        if entry.verb.startswith("benefit."):
            kind, data["action"] = "benefit_activated", entry.verb.removeprefix("benefit.")
        else:
            kind = entry.verb.removeprefix("subscription.")
        rows.append(
            TimelineEntry(
                subscription_id=int(entry.object_id),
                kind=kind,
                actor_id=entry.actor_id,
                data=data,
                created_at=entry.created_at,
            )
        )
        if len(rows) >= BATCH:
            TimelineEntry.objects.using(db).bulk_create(rows)
            rows = []
    TimelineEntry.objects.using(db).bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("offers", "0003_remove_timelineentry_detail"),
        ("membership", "0005_activity_object_index"),
    ]

    operations = [migrations.RunPython(timeline_into_activity, activity_into_timeline)]
