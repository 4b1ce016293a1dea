"""The partner's tiers across the apps: network membership, the Action Pack, competencies (dashboard, overview)."""

from dataclasses import dataclass

from django.utils import timezone

from membership.models import Competency, CompetencyLevel, Organization, User

from ..models import LIVE_STATUSES, Offer, Subscription
from .catalogue import ACTION_PACK_CODE


@dataclass(frozen=True)
class MembershipTiers:
    organization: Organization
    is_network_member: bool
    action_pack: object  # the live Action Pack subscription, or None
    competencies: list


def organization_tiers(*, organization: Organization) -> MembershipTiers:
    """The three tiers of the dashboard: three small queries in SQL (see _first and _accepted_by)."""
    today = timezone.localdate()
    competency_table = Competency._meta.db_table
    competencies = [
        c
        for c in Competency.objects.raw(
            "SELECT * FROM %s WHERE organization_id = %%s ORDER BY solution_area" % competency_table, [organization.pk]
        )
        if c.is_current(today)
    ]
    _accepted_by(organization)
    return MembershipTiers(
        organization=organization,
        is_network_member=organization.is_network_member,
        action_pack=_first(
            Subscription.objects.raw(
                # live_action_pack_subscription's query (the same constants), without the offer,
                # which the tiers do not show. Built by the ORM it cost four times the query itself.
                "SELECT s.* FROM %s s INNER JOIN %s o ON o.id = s.offer_id "
                "WHERE s.organization_id = %%s AND o.code = %%s AND s.status IN (%s) ORDER BY s.id LIMIT 1"
                % (Subscription._meta.db_table, Offer._meta.db_table, ", ".join(["%s"] * len(LIVE_STATUSES))),
                [organization.pk, ACTION_PACK_CODE, *LIVE_STATUSES],
            )
        ),
        competencies=competencies,
    )


def _first(rows):
    return next(iter(rows), None)


def _accepted_by(organization):
    """Load who accepted the network agreement onto the organisation (the dashboard names them).

    Only the columns their name needs; without this the template reads the whole user lazily.
    """
    user_id = organization.network_agreement_accepted_by_id
    if user_id is None or Organization.network_agreement_accepted_by.is_cached(organization):
        return
    organization.network_agreement_accepted_by = _first(
        User.objects.raw(
            "SELECT id, first_name, last_name, email FROM %s WHERE id = %%s" % User._meta.db_table, [user_id]
        )
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
