"""Reads for membership: tiers and what each includes (in the seed's words)."""

from dataclasses import dataclass

from django.utils import timezone

from .models import Competency, Organization


@dataclass(frozen=True)
class MembershipTiers:
    organization: Organization
    is_network_member: bool
    action_pack: object  # the live Action Pack subscription, or None
    competencies: list


def organization_tiers(*, organization: Organization) -> MembershipTiers:
    from offers.selectors import live_action_pack_subscription

    today = timezone.localdate()
    competencies = [
        c for c in Competency.objects.filter(organization=organization).order_by("solution_area") if c.is_current(today)
    ]
    return MembershipTiers(
        organization=organization,
        is_network_member=organization.is_network_member,
        action_pack=live_action_pack_subscription(organization=organization),
        competencies=competencies,
    )


def organization_users(*, organization: Organization):
    return organization.users.prefetch_related("roles").order_by("email")


def organization_user(*, organization: Organization, user_id: int):
    """One user of the organisation; another organisation's id raises 404."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(organization.users.prefetch_related("roles"), pk=user_id)
