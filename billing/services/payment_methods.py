"""The organisation's Stripe customer and its saved cards (Billing > Payment methods)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import Organization
from membership.permissions import Action
from membership.services import activity_record
from partnerportal import page_cache

from ..gateways import GatewayError, PaymentDeclined, get_gateway
from ..models import PaymentMethod
from .common import decline_message, require_any, unavailable_message

logger = logging.getLogger(__name__)


def customer_ensure(*, organization: Organization, email: str = "") -> str:
    """The organisation's Stripe customer id; created at Stripe on first use and stored."""
    if organization.stripe_customer_id:
        return organization.stripe_customer_id
    with transaction.atomic():
        # The row lock makes two first uses at once create one customer, not two.
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if not locked.stripe_customer_id:
            locked.stripe_customer_id = get_gateway().create_customer(
                name=locked.name, email=email, organization_id=locked.pk
            )
            locked.save(update_fields=["stripe_customer_id"])
    organization.stripe_customer_id = locked.stripe_customer_id
    return locked.stripe_customer_id


def payment_method_setup_start(*, organization: Organization, user) -> dict:
    """Start a SetupIntent on the organisation's customer; the browser confirms it with stripe.js."""
    require_any(user, Action.MANAGE_PAYMENT_METHODS, Action.BUY, Action.RENEW)
    try:
        customer_id = customer_ensure(organization=organization, email=getattr(user, "email", ""))
        setup = get_gateway().setup(customer_id=customer_id)
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    return {"client_secret": setup.client_secret, "setup_intent_id": setup.setup_intent_id}


def payment_method_add(*, organization: Organization, stripe_payment_method_id: str, actor) -> PaymentMethod:
    """Save a card the browser set up: attach it to our customer, check it is ours, keep its summary.

    A card the organisation already saved (same Stripe fingerprint and expiry, not removed) is not
    saved twice: the saved one comes back with ``already_saved`` set, and the new PaymentMethod is
    detached at Stripe. A card with a new expiry date is a replacement and is saved.
    """
    require_any(actor, Action.MANAGE_PAYMENT_METHODS, Action.BUY, Action.RENEW)
    stripe_payment_method_id = (stripe_payment_method_id or "").strip()
    if not stripe_payment_method_id.startswith("pm_") or len(stripe_payment_method_id) > 64:
        raise ValidationError(_("The card could not be saved. Please enter it again."))
    existing = PaymentMethod.objects.filter(stripe_payment_method_id=stripe_payment_method_id).first()
    if existing is not None:
        if existing.organization_id != organization.pk or existing.removed_at is not None:
            raise ValidationError(_("This card cannot be used. Please enter it again."))
        existing.already_saved = False  # the same card posted again (a double click): the same save
        return existing
    customer_id = customer_ensure(organization=organization, email=getattr(actor, "email", ""))
    try:
        card = get_gateway().attach_card(customer_id=customer_id, payment_method_id=stripe_payment_method_id)
    except PaymentDeclined as exc:
        if exc.code == "customer_mismatch":
            raise ValidationError(_("This card cannot be used. Please enter it again.")) from exc
        raise ValidationError(decline_message(exc.code)) from exc
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    # attach_card checked that the card is on our customer; this is the belt to its braces.
    if card.customer_id != customer_id:
        raise ValidationError(_("This card cannot be used. Please enter it again."))
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        saved = _saved_twin(organization=organization, card=card)
        if saved is None:
            has_default = PaymentMethod.objects.filter(
                organization=organization, is_default=True, removed_at__isnull=True
            ).exists()
            method = _method_save(organization=organization, card=card, is_default=not has_default, actor=actor)
    if saved is not None:
        _detach_quietly(card.payment_method_id)
        saved.already_saved = True
        return saved
    method.already_saved = False
    return method


def _saved_twin(*, organization, card):
    """The organisation's usable card with the same number and expiry (checked under its lock)."""
    if not card.fingerprint:
        return None
    return (
        PaymentMethod.objects.filter(
            organization=organization,
            fingerprint=card.fingerprint,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            removed_at__isnull=True,
        )
        .order_by("-is_default", "created_at", "id")
        .first()
    )


def _detach_quietly(payment_method_id):
    """The second copy of a saved card is not kept at Stripe either; failing to drop it harms nobody."""
    try:
        get_gateway().detach_card(payment_method_id=payment_method_id)
    except (GatewayError, PaymentDeclined) as exc:
        logger.warning("Could not detach duplicate card %s: %s", payment_method_id, exc)


def _method_save(*, organization, card, is_default, actor):
    method = PaymentMethod(
        organization=organization,
        stripe_payment_method_id=card.payment_method_id,
        brand=card.brand or "card",
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        fingerprint=card.fingerprint[:64],
        is_default=is_default,
        added_by=actor,
    )
    method.full_clean(validate_constraints=False)
    method.save()
    activity_record(actor=actor, organization=organization, verb="payment_method.added", obj=method)
    return method


@transaction.atomic
def payment_method_set_default(*, organization: Organization, payment_method_id: int, actor) -> PaymentMethod:
    require_any(actor, Action.MANAGE_PAYMENT_METHODS)
    Organization.objects.select_for_update().get(pk=organization.pk)
    method = PaymentMethod.objects.get(pk=payment_method_id, organization=organization, removed_at__isnull=True)
    if method.is_default:
        return method
    # Clear first: the partial unique constraint allows one default per organisation at any moment.
    PaymentMethod.objects.filter(organization=organization, is_default=True).update(is_default=False)
    page_cache.organization_changed(organization.pk)  # update() sends no post_save
    method.is_default = True
    method.save(update_fields=["is_default"])
    activity_record(actor=actor, organization=organization, verb="payment_method.made_default", obj=method)
    return method


def payment_method_remove(*, organization: Organization, payment_method_id: int, actor) -> PaymentMethod:
    """Detach the card at Stripe and keep the row (receipts point at it) marked as removed."""
    require_any(actor, Action.MANAGE_PAYMENT_METHODS)
    method = PaymentMethod.objects.get(pk=payment_method_id, organization=organization, removed_at__isnull=True)
    try:
        get_gateway().detach_card(payment_method_id=method.stripe_payment_method_id)
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    except PaymentDeclined:
        pass  # already detached at Stripe: removing it here is still right
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        method = PaymentMethod.objects.select_for_update().get(pk=method.pk)
        if method.removed_at is not None:
            return method
        was_default = method.is_default
        method.removed_at = timezone.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        if was_default:
            successor = (
                PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])
        activity_record(actor=actor, organization=organization, verb="payment_method.removed", obj=method)
    return method
