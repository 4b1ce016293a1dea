"""Writes for organisations, users and roles."""

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from .models import Organization, Role, User, UserRole

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
    user.save()
    user_roles_set(user=user, roles=[Role.GLOBAL_ADMIN])
    organization_enrol(organization=organization, user=user)
    return user


@transaction.atomic
def user_roles_set(*, user: User, roles) -> None:
    """Replace the user's roles with the given ones."""
    wanted = {Role(role) for role in roles}
    UserRole.objects.filter(user=user).exclude(role__in=wanted).delete()
    existing = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
    UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in wanted - existing])
    user._role_cache = None


def user_set_language(*, user: User, language: str) -> User:
    """Save the user's interface language."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    return user
