"""Reads of the Action Pack benefits: what each benefit holds and how much of it is used."""

from dataclasses import dataclass, field

from django.db.models import Min, Sum
from django.shortcuts import get_object_or_404

from membership.models import Organization

from ..benefit_text import benefit_phrase
from ..models import BenefitActivation, BenefitKind, CreditGrant, LicenseKey, OfferBenefit, SeatAssignment, Subscription
from .catalogue import ACTION_PACK_CODE, live_action_pack_subscription


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
    def text(self):
        """The benefit as the seed says it, in the reader's language (offers.benefit_text)."""
        benefit = self.benefit
        return benefit_phrase(kind=benefit.kind, name=self.name, quantity=benefit.quantity, unit=self.unit)

    @property
    def remaining(self):
        return max(self.benefit.quantity - self.used, 0)

    @property
    def is_full(self):
        return self.used >= self.benefit.quantity


def subscription_benefit_rows(*, subscription) -> list[BenefitRow]:
    """Each benefit of the subscription's offer with its quantity and how much of it is used."""
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


def subscription_benefits_first_activated_at(*, subscription):
    """When a benefit of the subscription was first activated, or None (what counts as an activation).

    Counted over the subscription's whole life: keys issued and seats handed out in an earlier term stay in use.
    """
    times = [
        BenefitActivation.objects.filter(subscription=subscription).aggregate(at=Min("activated_at"))["at"],
        LicenseKey.objects.filter(issued_to_subscription=subscription).aggregate(at=Min("issued_at"))["at"],
        SeatAssignment.objects.filter(subscription=subscription).aggregate(at=Min("assigned_at"))["at"],
    ]
    return min((at for at in times if at is not None), default=None)


def subscription_benefits_activated(*, subscription) -> bool:
    """Whether any benefit of the subscription was ever activated (R11: such a subscription is not refundable in full)."""
    return subscription_benefits_first_activated_at(subscription=subscription) is not None


def organization_subscription_for_benefits(*, organization: Organization):
    """The Action Pack subscription whose benefits the page shows: the live one, else the latest."""
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
