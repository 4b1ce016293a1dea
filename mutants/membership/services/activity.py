"""The activity log: who did what to which object, and when. Every app writes to it through activity_record."""

from ..models import ActivityEntry


def activity_record(*, actor, organization, verb: str, obj=None, detail: str = "") -> ActivityEntry:
    """Append who did what to which object; call it inside the write's transaction."""
    entry = ActivityEntry(
        organization=organization,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb[:60],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=(detail or "")[:500],
    )
    entry.save()
    return entry
