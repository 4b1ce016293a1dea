"""Organisations: sign-up and enrolment in the network."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Organization, Role, User
from .activity import activity_record
from .users import user_roles_set

NETWORK_AGREEMENT_VERSION = "2026-01"


@transaction.atomic
def organization_enrol(*, organization: Organization, user: User) -> Organization:
    """Record the network agreement acceptance; enrolment gives Network membership."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.is_network_member:
        return organization
    organization.network_agreement_version = NETWORK_AGREEMENT_VERSION
    organization.network_agreement_accepted_at = timezone.now()
    organization.network_agreement_accepted_by = user
    organization.full_clean()
    organization.save()
    activity_record(
        actor=user,
        organization=organization,
        verb="organization.enrolled",
        obj=organization,
        data={"agreement": NETWORK_AGREEMENT_VERSION},
    )
    return organization


@transaction.atomic
def organization_sign_up(
    *, organization_name: str, first_name: str, last_name: str, email: str, password: str, language: str = "en"
) -> User:
    """Create an organisation with its first user as Global admin, and enrol it in the network."""
    organization = Organization(name=organization_name)
    organization.full_clean()
    organization.save()
    user = User(
        email=User.objects.normalize_email(email).lower(),
        first_name=first_name,
        last_name=last_name,
        organization=organization,
        language=language,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups with one address at once: on PostgreSQL both pass full_clean, and the
        # unique index decides. The loser gets full_clean's answer, not a server error.
        if not User.objects.filter(email__iexact=user.email).exists():
            raise
        raise ValidationError({"email": [user.unique_error_message(User, ("email",))]}) from None
    user_roles_set(user=user, roles=[Role.GLOBAL_ADMIN])
    activity_record(actor=user, organization=organization, verb="organization.signed_up", obj=organization)
    organization_enrol(organization=organization, user=user)
    return user
