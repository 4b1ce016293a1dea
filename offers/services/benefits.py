"""Action Pack benefits: license keys from the pool, activations, seats and monthly credits.

Every write locks the subscription row and checks that it is live, so a benefit can only be taken
while the subscription runs; unique constraints make a repeated call a no-op or an error.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import User
from membership.permissions import Action, require
from membership.services import activity_record

from ..benefit_text import credit_currency
from ..models import (
    LIVE_STATUSES,
    BenefitActivation,
    BenefitKind,
    CreditGrant,
    LicenseKey,
    SeatAssignment,
    Subscription,
)

logger = logging.getLogger(__name__)


def _require(actor, subscription):
    require(actor, Action.ACTIVATE_BENEFITS, organization_id=subscription.organization_id)


def _locked_live_subscription(subscription):
    subscription = Subscription.objects.select_for_update().select_related("organization").get(pk=subscription.pk)
    if not subscription.is_live:
        raise ValidationError(
            _("Benefits can only be activated while the subscription is live. Renew it to use them again."),
            code="not_live",
        )
    return subscription


def _check_benefit(subscription, benefit, *kinds):
    if benefit.offer_id != subscription.offer_id or benefit.kind not in kinds:
        raise ValidationError(_("This benefit cannot be activated this way."), code="kind")


def _facts(benefit, **more) -> dict:
    # The benefit's name in both languages as it was that day: the entry reads the same after the
    # catalogue changes, in either language (offers.timeline).
    return {"benefit": benefit.code, "name": benefit.name, "name_ru": benefit.name_ru, **more}


def _record(subscription, actor, verb, facts):
    """Log one benefit action on the subscription: its timeline and the activity log read this one entry."""
    activity_record(actor=actor, organization=subscription.organization, verb=verb, obj=subscription, data=facts)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def benefit_activate(*, actor: User, subscription, benefit, today: datetime.date | None = None) -> BenefitActivation:
    """Switch on developer tools, the account or the monthly credit; a second call changes nothing."""
    _require(actor, subscription)
    subscription = _locked_live_subscription(subscription)
    _check_benefit(subscription, benefit, BenefitKind.TOOLS, BenefitKind.ACCOUNT, BenefitKind.CREDIT)
    activation = BenefitActivation.objects.filter(subscription=subscription, benefit=benefit).first()
    if activation is not None:
        return activation
    activation = BenefitActivation(subscription=subscription, benefit=benefit, activated_by=actor)
    activation.full_clean()
    activation.save()
    if benefit.kind == BenefitKind.CREDIT:
        # The current month's credit arrives with the activation; the monthly task adds the next ones.
        credit_grant_month(subscription=subscription, benefit=benefit, month=month_start(today or timezone.localdate()))
    _record(subscription, actor, "benefit.activated", _facts(benefit))
    return activation


@transaction.atomic
def license_key_issue(*, actor: User, subscription, benefit) -> LicenseKey:
    """Issue the next free key of the benefit's pool; never more keys than the benefit's quantity."""
    _require(actor, subscription)
    subscription = _locked_live_subscription(subscription)
    _check_benefit(subscription, benefit, BenefitKind.LICENSE)
    issued = LicenseKey.objects.filter(benefit=benefit, issued_to_subscription=subscription).count()
    if issued >= benefit.quantity:
        raise ValidationError(
            _("All %(quantity)s licenses of this benefit are already issued.") % {"quantity": benefit.quantity},
            code="quantity",
        )
    # skip_locked: two activations at once each take a different free key instead of waiting for the same one.
    key = (
        LicenseKey.objects.select_for_update(skip_locked=True)
        .filter(benefit=benefit, issued_to_subscription__isnull=True)
        .order_by("pk")
        .first()
    )
    if key is None:
        logger.warning("License key pool of benefit %s is empty", benefit.pk)
        raise ValidationError(
            _("No license key is available right now. Please try again later or file a service request."),
            code="pool_empty",
        )
    key.issued_to_subscription = subscription
    key.issued_at = timezone.now()
    key.issued_by = actor
    key.full_clean()
    key.save(update_fields=["issued_to_subscription", "issued_at", "issued_by"])
    _record(subscription, actor, "benefit.license_issued", _facts(benefit, key=key.masked))
    return key


@transaction.atomic
def seat_assign(*, actor: User, subscription, benefit, user: User) -> SeatAssignment:
    """Give a seat to a named, active user of the organisation; refused when every seat is taken."""
    _require(actor, subscription)
    # The subscription row lock serialises assignments, so the free-seat count below cannot go stale.
    subscription = _locked_live_subscription(subscription)
    _check_benefit(subscription, benefit, BenefitKind.SEAT)
    if user.organization_id != subscription.organization_id or not user.is_active:
        raise ValidationError(_("Seats can only be assigned to active users of your organisation."), code="user")
    taken = set(
        SeatAssignment.objects.filter(subscription=subscription, benefit=benefit).values_list("seat", flat=True)
    )
    if SeatAssignment.objects.filter(subscription=subscription, benefit=benefit, user=user).exists():
        raise ValidationError(
            _("%(user)s already has a seat of this benefit.") % {"user": user.display_name}, code="dup"
        )
    free = sorted(set(range(1, benefit.quantity + 1)) - taken)
    if not free:
        raise ValidationError(
            _("All %(quantity)s seats of this benefit are assigned. Release a seat first.")
            % {"quantity": benefit.quantity},
            code="quantity",
        )
    assignment = SeatAssignment(subscription=subscription, benefit=benefit, user=user, seat=free[0], assigned_by=actor)
    assignment.full_clean()
    assignment.save()
    _record(subscription, actor, "benefit.seat_assigned", _facts(benefit, seat=assignment.seat, user=user.email))
    return assignment


@transaction.atomic
def seat_release(*, actor: User, assignment: SeatAssignment) -> None:
    _require(actor, assignment.subscription)
    subscription = _locked_live_subscription(assignment.subscription)
    deleted, _rows = SeatAssignment.objects.filter(pk=assignment.pk).delete()
    if deleted:
        activity_record(
            actor=actor,
            organization=subscription.organization,
            verb="benefit.seat_released",
            obj=subscription,
            data=_facts(assignment.benefit, user=assignment.user.email),
        )


def credit_grant_month(*, subscription, benefit, month: datetime.date) -> tuple[CreditGrant, bool]:
    """Add one month's credit; the (subscription, month) constraint makes a second call a no-op."""
    month = month_start(month)
    try:
        with transaction.atomic():
            return CreditGrant.objects.get_or_create(
                subscription=subscription,
                month=month,
                defaults={"benefit": benefit, "amount": benefit.quantity, "currency": credit_currency(benefit.unit)},
            )
    except IntegrityError:  # a concurrent run inserted it first
        return CreditGrant.objects.get(subscription=subscription, month=month), False


def credits_grant_monthly(*, today: datetime.date | None = None) -> int:
    """Grant this month's credit to every live subscription whose credit benefit is activated."""
    month = month_start(today or timezone.localdate())
    activations = BenefitActivation.objects.filter(
        benefit__kind=BenefitKind.CREDIT, subscription__status__in=LIVE_STATUSES
    ).select_related("subscription", "benefit")
    granted = 0
    for activation in activations.iterator():
        _grant, created = credit_grant_month(
            subscription=activation.subscription, benefit=activation.benefit, month=month
        )
        granted += int(created)
    return granted
