"""The activity log: who did what to which object, and when. Every app writes to it through activity_record."""

from ..models import ActivityEntry


def activity_entry_build(
    *, actor, organization, verb: str, obj=None, data: dict | None = None, detail: str = "", created_at=None
) -> ActivityEntry:
    """The entry activity_record writes, unsaved: for writers that insert many at once (bulk_create)."""
    data = dict(data or {})
    if detail:
        data["text"] = str(detail)[:500]
    entry = ActivityEntry(
        organization=organization,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb[:60],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data,
    )
    if created_at is not None:
        entry.created_at = created_at
    return entry


def activity_record(
    *, actor, organization, verb: str, obj=None, data: dict | None = None, detail: str = ""
) -> ActivityEntry:
    """Append who did what to which object; call it inside the write's transaction.

    ``data`` holds the facts (codes, numbers, ISO dates, amounts in minor units with their currency)
    that the verb's renderer says in the reader's language (R16); ``detail`` is free text kept as written.
    A fact is stored once: every page that shows it (the organisation's log, the object's own
    history, such as a subscription's timeline) reads this one entry.
    """
    entry = activity_entry_build(actor=actor, organization=organization, verb=verb, obj=obj, data=data, detail=detail)
    entry.save()
    return entry
