"""Reads for membership: users and roles, invitations and the activity log."""

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import ActivityEntry, Invitation, Organization, User
from .permissions import ALLOWED_ROLES


def organization_users(*, organization: Organization):
    return organization.users.prefetch_related("roles").order_by("email")


def organization_user(*, organization: Organization, user_id: int):
    """One user of the organisation; another organisation's id raises 404."""
    return get_object_or_404(organization.users.prefetch_related("roles"), pk=user_id)


def organization_open_invitations(*, organization: Organization):
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def organization_invitation(*, organization: Organization, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation.objects.filter(organization=organization), pk=invitation_id)


def organization_users_with_roles(*, organization_id: int, roles):
    """The organisation's active users holding any of the roles, by e-mail: who an e-mail by role goes to."""
    return (
        User.objects.filter(organization_id=organization_id, is_active=True, roles__role__in=list(roles))
        .distinct()
        .order_by("email")
    )


def users_who_can(*, organization: Organization, action: str) -> list[str]:
    """Names of the active users who may take an action: the 'who can do it' next to a disabled button."""
    users = (
        User.objects.filter(organization=organization, is_active=True, roles__role__in=ALLOWED_ROLES[action])
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
    return [user.display_name for user in users]


# --- activity log -----------------------------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def organization_activity(
    *, organization: Organization, start: datetime.date | None = None, end: datetime.date | None = None
):
    """The organisation's activity, newest first, between two dates inclusive (UTC days)."""
    entries = ActivityEntry.objects.filter(organization=organization).select_related("actor")
    # Plain datetime bounds (not __date) so the (organization, -created_at) index serves the range.
    if start:
        entries = entries.filter(created_at__gte=_day_start(start))
    if end:
        entries = entries.filter(created_at__lt=_day_start(end + datetime.timedelta(days=1)))
    return entries.order_by("-created_at", "-id")


def object_activity(*, obj):
    """The entries about one object (a subscription's timeline, say), newest first.

    Keyed as activity_record keys them: the model's label and the primary key as text.
    """
    entries = ActivityEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return entries.select_related("actor").order_by("-created_at", "-id")
