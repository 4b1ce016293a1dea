"""Small builders for test data; plain functions, no factory library needed."""

import itertools

from membership.models import Organization, Role, User
from membership.services import organization_enrol, user_roles_set

PASSWORD = "correct-horse-battery-9"
_seq = itertools.count(1)


def make_org(name=None, *, enrolled=True):
    organization = Organization.objects.create(name=name or f"Org {next(_seq)}")
    if enrolled:
        admin = make_user(organization, roles=[Role.GLOBAL_ADMIN])
        organization_enrol(organization=organization, user=admin)
        organization.refresh_from_db()
    return organization


def make_user(organization, *, roles=(Role.GLOBAL_ADMIN,), email=None, language="en"):
    user = User.objects.create_user(
        email=email or f"user{next(_seq)}@example.com",
        password=PASSWORD,
        organization=organization,
        first_name="Test",
        last_name="User",
        language=language,
    )
    user_roles_set(user=user, roles=roles)
    return user
