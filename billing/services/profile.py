"""Billing > Billing profile: who the organisation's invoices are made out to."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import Organization
from membership.permissions import Action
from membership.services import activity_record

from ..models import BillingProfile
from ..selectors import billing_currency_fixed
from .common import require_any

PROFILE_FIELDS = (
    "legal_name",
    "street",
    "city",
    "postal_code",
    "country",
    "tax_id",
    "currency",
    "billing_contact_email",
    "billing_contact_language",
    "purchase_order",
)


def billing_profile_save(*, organization: Organization, actor, **fields) -> BillingProfile:
    """Create or change the profile; raises ValidationError (per field) on a format it knows is wrong."""
    require_any(actor, Action.EDIT_BILLING_PROFILE)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError("unknown billing profile fields: %s" % ", ".join(sorted(unknown)))
    with transaction.atomic():
        # The organisation's lock makes two first saves at once one profile, not an integrity error.
        Organization.objects.select_for_update().get(pk=organization.pk)
        profile = BillingProfile.objects.select_for_update().filter(organization=organization).first()
        if profile is None:
            profile = BillingProfile(organization=organization)
        elif (
            "currency" in fields
            and fields["currency"] != profile.currency
            and billing_currency_fixed(organization_id=organization.pk)
        ):
            raise ValidationError(
                {
                    "currency": _(
                        "The billing currency is fixed since your first purchase. "
                        "Partner Center Support can change it while no subscription is live."
                    )
                }
            )
        for name, value in fields.items():
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
        profile.updated_at = timezone.now()
        profile.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        profile.full_clean()
        profile.save()
        activity_record(actor=actor, organization=organization, verb="billing_profile.saved", obj=profile)
    return profile


def billing_currency_set(*, organization: Organization, currency: str, actor) -> BillingProfile:
    """Staff change an organisation's billing currency (R19).

    Only through offers' ``billing_currency_change``, which first checks that no subscription is
    live (billing does not know subscriptions); the partner's own form cannot change it once fixed.
    """
    if actor is None or not actor.is_staff:
        raise PermissionDenied(_("Only Partner Center staff can change the billing currency."))
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        profile = BillingProfile.objects.select_for_update().get(organization=organization)
        profile.currency = currency
        profile.updated_at = timezone.now()
        profile.updated_by = actor
        profile.full_clean()
        profile.save()
        activity_record(actor=actor, organization=organization, verb="billing_profile.saved", obj=profile)
    return profile
