"""The partner's tiers across the apps: network membership, the Action Pack, competencies (dashboard, overview)."""

from dataclasses import dataclass

from django.utils import timezone

from membership.models import Competency, CompetencyLevel, Organization, User
from partnerportal.sql import read, select_list

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
    return _tiers(organization, _competencies(organization))


def _competencies(organization):
    """Every competency of the organisation, current or not, by solution area."""
    return read(
        "SELECT %s FROM %s c WHERE c.organization_id = %%s ORDER BY c.solution_area"
        % (select_list(Competency, "c"), Competency._meta.db_table),
        [organization.pk],
        Competency,
    )


def _tiers(organization, all_competencies):
    today = timezone.localdate()
    _accepted_by(organization)
    return MembershipTiers(
        organization=organization,
        is_network_member=organization.is_network_member,
        action_pack=_first(
            read(
                # live_action_pack_subscription's query (the same constants), without the offer,
                # which the tiers do not show. Built by the ORM it cost four times the query itself.
                "SELECT %s FROM %s s INNER JOIN %s o ON o.id = s.offer_id "
                "WHERE s.organization_id = %%s AND o.code = %%s AND s.status IN (%s) ORDER BY s.id LIMIT 1"
                % (
                    select_list(Subscription, "s"),
                    Subscription._meta.db_table,
                    Offer._meta.db_table,
                    ", ".join(["%s"] * len(LIVE_STATUSES)),
                ),
                [organization.pk, ACTION_PACK_CODE, *LIVE_STATUSES],
                Subscription,
            )
        ),
        competencies=[competency for competency in all_competencies if competency.is_current(today)],
    )


def _first(rows):
    return next(iter(rows), None)


def _accepted_by(organization):
    """Load who accepted the network agreement onto the organisation (the dashboard names them).

    Read here with the organisation's other rows; without this the template reads the user lazily.
    """
    user_id = organization.network_agreement_accepted_by_id
    if user_id is None or Organization.network_agreement_accepted_by.is_cached(organization):
        return
    organization.network_agreement_accepted_by = _first(
        read("SELECT %s FROM %s u WHERE u.id = %%s" % (select_list(User, "u"), User._meta.db_table), [user_id], User)
    )


@dataclass(frozen=True)
class MembershipOverview:
    tiers: MembershipTiers
    all_competencies: list
    latest_action_pack: object  # the most recent Action Pack subscription in any state, or None
    # Which tier comes next: "network", "action_pack", "competency", "gold" or "" (nothing left).
    next_tier: str


def membership_overview(*, organization: Organization) -> MembershipOverview:
    """The overview's tiers, every competency and the Action Pack to show: the dashboard's queries, the
    competencies read once, and the latest Action Pack of any state only when none is live."""
    all_competencies = _competencies(organization)
    tiers = _tiers(organization, all_competencies)
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
    latest = tiers.action_pack or (
        Subscription.objects.filter(organization=organization, offer__code=ACTION_PACK_CODE)
        .order_by("-created_at")
        .first()
    )
    return MembershipOverview(
        tiers=tiers,
        all_competencies=all_competencies,
        latest_action_pack=latest,
        next_tier=next_tier,
    )
