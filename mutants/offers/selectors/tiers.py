"""The partner's tiers across the apps: network membership, the Action Pack, competencies (dashboard, overview)."""

from dataclasses import dataclass

from django.utils import timezone

from membership.models import Competency, CompetencyLevel, Organization

from ..models import Subscription
from .catalogue import ACTION_PACK_CODE, live_action_pack_subscription


@dataclass(frozen=True)
class MembershipTiers:
    organization: Organization
    is_network_member: bool
    action_pack: object  # the live Action Pack subscription, or None
    competencies: list


def organization_tiers(*, organization: Organization) -> MembershipTiers:
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


@dataclass(frozen=True)
class MembershipOverview:
    tiers: MembershipTiers
    all_competencies: list
    latest_action_pack: object  # the most recent Action Pack subscription in any state, or None
    # Which tier comes next: "network", "action_pack", "competency", "gold" or "" (nothing left).
    next_tier: str


def membership_overview(*, organization: Organization) -> MembershipOverview:
    tiers = organization_tiers(organization=organization)
    organization = Organization.objects.select_related("network_agreement_accepted_by").get(pk=organization.pk)
    tiers = MembershipTiers(
        organization=organization,
        is_network_member=tiers.is_network_member,
        action_pack=tiers.action_pack,
        competencies=tiers.competencies,
    )
    latest = (
        Subscription.objects.filter(organization=organization, offer__code=ACTION_PACK_CODE)
        .select_related("offer")
        .order_by("-created_at")
        .first()
    )
    if not tiers.is_network_member:
        next_tier = "network"
    elif tiers.action_pack is None:
        next_tier = "action_pack"
    elif not tiers.competencies:
        next_tier = "competency"
    elif any(c.level == CompetencyLevel.SILVER for c in tiers.competencies):
        next_tier = "gold"
    else:
        next_tier = ""
    return MembershipOverview(
        tiers=tiers,
        all_competencies=list(Competency.objects.filter(organization=organization).order_by("solution_area")),
        latest_action_pack=tiers.action_pack or latest,
        next_tier=next_tier,
    )
