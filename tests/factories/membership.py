"""Organisations and users; enrolment and roles go through membership.services."""

import factory

from billing.models import BillingProfile
from membership.models import Organization, Role, User
from membership.services import organization_enrol, user_roles_set

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    """A portal user; ``roles`` (default: Global admin) are set by user_roles_set."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = PASSWORD
    organization = factory.SubFactory("tests.factories.membership.OrganizationFactory")
    first_name = "Test"
    last_name = "User"
    language = "en"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)  # hashes the password

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        user_roles_set(user=obj, roles=(Role.GLOBAL_ADMIN,) if extracted is None else extracted)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A partner organisation; ``enrolled=True`` (the default) accepts the network agreement as its first admin.

    It has a billing profile unless ``billing_profile=False``.
    """

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Org {n}")

    @factory.post_generation
    def enrolled(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        admin = UserFactory(organization=obj, roles=[Role.GLOBAL_ADMIN])
        organization_enrol(organization=obj, user=admin)
        obj.refresh_from_db()

    @factory.post_generation
    def billing_profile(obj, create, extracted, **kwargs):
        """A billing profile (the wizard asks for one before payment); ``billing_profile=False`` for none."""
        if not create or extracted is False:
            return
        BillingProfile.objects.create(
            organization=obj,
            legal_name=f"{obj.name} Ltd.",
            street="1 Main Street",
            city="Berlin",
            postal_code="10115",
            country="DE",
            tax_id="DE136695976",
        )
