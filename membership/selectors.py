"""Reads for membership: tiers, users, invitations, benefits and the activity log."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import (
    ActivityEntry,
    BenefitActivation,
    Competency,
    CompetencyLevel,
    CreditGrant,
    Invitation,
    LicenseKey,
    Organization,
    SeatAssignment,
    User,
)
from .permissions import ALLOWED_ROLES


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


@dataclass(frozen=True)
class MembershipOverview:
    tiers: MembershipTiers
    all_competencies: list
    latest_action_pack: object  # the most recent Action Pack subscription in any state, or None
    # Which tier comes next: "network", "action_pack", "competency", "gold" or "" (nothing left).
    next_tier: str


def membership_overview(*, organization: Organization) -> MembershipOverview:
    from offers.models import Subscription
    from offers.selectors import ACTION_PACK_CODE

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


def users_who_can(*, organization: Organization, action: str) -> list[str]:
    """Names of the active users who may take an action: the 'who can do it' next to a disabled button."""
    users = (
        User.objects.filter(organization=organization, is_active=True, roles__role__in=ALLOWED_ROLES[action])
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
    return [user.display_name for user in users]


# --- benefits ---------------------------------------------------------------------------------

@dataclass
class BenefitRow:
    benefit: object
    used: int
    activated: bool = False
    keys: list = field(default_factory=list)
    seats: list = field(default_factory=list)
    credit_balance: int = 0

    @property
    def name(self):
        return self.benefit.localized("name")

    @property
    def unit(self):
        return self.benefit.localized("unit")

    @property
    def remaining(self):
        return max(self.benefit.quantity - self.used, 0)

    @property
    def is_full(self):
        return self.used >= self.benefit.quantity


def subscription_benefit_rows(*, subscription) -> list[BenefitRow]:
    """Each benefit of the subscription's offer with its quantity and how much of it is used."""
    from offers.models import BenefitKind, OfferBenefit

    benefits = OfferBenefit.objects.filter(offer_id=subscription.offer_id).order_by("position", "id")
    keys = {}
    for key in LicenseKey.objects.filter(issued_to_subscription=subscription).order_by("issued_at", "pk"):
        keys.setdefault(key.benefit_id, []).append(key)
    seats = {}
    for seat in SeatAssignment.objects.filter(subscription=subscription).select_related("user").order_by("seat"):
        seats.setdefault(seat.benefit_id, []).append(seat)
    activated = set(BenefitActivation.objects.filter(subscription=subscription).values_list("benefit_id", flat=True))
    balance = credit_balance(subscription=subscription)
    rows = []
    for benefit in benefits:
        row = BenefitRow(benefit=benefit, used=0, activated=benefit.pk in activated)
        if benefit.kind == BenefitKind.LICENSE:
            row.keys = keys.get(benefit.pk, [])
            row.used = len(row.keys)
        elif benefit.kind == BenefitKind.SEAT:
            row.seats = seats.get(benefit.pk, [])
            row.used = len(row.seats)
        elif benefit.kind == BenefitKind.CREDIT:
            row.credit_balance = balance
            row.used = int(row.activated)
        else:
            row.used = int(row.activated)
        rows.append(row)
    return rows


def credit_balance(*, subscription) -> int:
    """The credit granted to the subscription so far, in minor units."""
    return CreditGrant.objects.filter(subscription=subscription).aggregate(total=Sum("amount"))["total"] or 0


def subscription_benefits_activated(*, subscription) -> bool:
    """Whether any benefit of the subscription was ever activated (R11: such a subscription is not refundable in full).

    Counted over the subscription's whole life: keys issued and seats handed out in an earlier term stay in use.
    """
    return (
        BenefitActivation.objects.filter(subscription=subscription).exists()
        or LicenseKey.objects.filter(issued_to_subscription=subscription).exists()
        or SeatAssignment.objects.filter(subscription=subscription).exists()
    )


def organization_subscription_for_benefits(*, organization: Organization):
    """The Action Pack subscription whose benefits the page shows: the live one, else the latest."""
    from offers.models import Subscription
    from offers.selectors import ACTION_PACK_CODE, live_action_pack_subscription

    live = live_action_pack_subscription(organization=organization)
    if live is not None:
        return live
    return (
        Subscription.objects.filter(organization=organization, offer__code=ACTION_PACK_CODE)
        .select_related("offer")
        .order_by("-created_at")
        .first()
    )


def organization_seat_assignment(*, organization: Organization, assignment_id: int) -> SeatAssignment:
    return get_object_or_404(
        SeatAssignment.objects.filter(subscription__organization=organization).select_related(
            "subscription", "benefit", "user"
        ),
        pk=assignment_id,
    )


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

