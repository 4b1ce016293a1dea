"""Billing > Billing profile: who the organisation's invoices are made out to."""

from django.db import transaction
from django.utils import timezone

from membership.models import Organization
from membership.permissions import Action
from membership.services import activity_record

from ..models import BillingProfile
from .common import require_any

PROFILE_FIELDS = (
    "legal_name",
    "street",
    "city",
    "postal_code",
    "country",
    "tax_id",
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
        for name, value in fields.items():
            setattr(profile, name, value.strip() if isinstance(value, str) else value)
        profile.updated_at = timezone.now()
        profile.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        profile.full_clean()
        profile.save()
        activity_record(actor=actor, organization=organization, verb="billing_profile.saved", obj=profile)
    return profile
