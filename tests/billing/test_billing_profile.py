"""Billing > Billing profile (product.md "Billing profile and invoices"): who may edit it, the formats
it knows, and the wizard's Billing profile step when it is missing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingProfile, Invoice
from billing.services import billing_profile_save
from billing.validators import validate_postal_code, validate_tax_id
from membership.models import ActivityEntry, Role
from offers.checkout import steps_for
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order
from offers.services import order_start_renewal
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.checkout import add_card, choose_card, messages_of, start_order, step

pytestmark = pytest.mark.django_db

GOOD = {
    "legal_name": "Contoso GmbH",
    "street": "Hauptstraße 1",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
    "tax_id": "DE136695976",
}


@pytest.fixture
def bare_org(db):
    return OrganizationFactory(name="Contoso", billing_profile=False)


def post_profile(client, **changes):
    return client.post(reverse("billing:profile"), {**GOOD, **changes})


def field_errors(response, name):
    return [str(error) for error in response.context["form"].errors.get(name, [])]


class TestPage:
    @pytest.mark.parametrize("role", [Role.GLOBAL_ADMIN, Role.BILLING_ADMIN])
    def test_global_and_billing_admins_save_it(self, client, bare_org, role):
        user = UserFactory(organization=bare_org, roles=[role])
        client.force_login(user)
        page = client.get(reverse("billing:profile"))
        assert page.status_code == 200 and 'id="billing-profile-form"' in page.content.decode()
        response = post_profile(client, postal_code=" 10115 ", tax_id="de 136 695 976")
        assert response.status_code == 302 and response["Location"] == reverse("billing:profile")
        profile = BillingProfile.objects.get(organization=bare_org)
        assert (profile.legal_name, profile.postal_code, str(profile.country), profile.tax_id) == (
            "Contoso GmbH",
            "10115",
            "DE",
            "DE136695976",
        )
        assert profile.updated_by == user
        assert ActivityEntry.objects.filter(organization=bare_org, verb="billing_profile.saved").count() == 1
        assert messages_of(client.get(reverse("billing:profile"))) == ["Your billing profile is saved."]

        post_profile(client, city="München", postal_code="80331")
        assert BillingProfile.objects.get(organization=bare_org).city == "München"
        assert BillingProfile.objects.filter(organization=bare_org).count() == 1

    @pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN, None])
    def test_other_roles_read_it_with_the_reason_and_cannot_post(self, client, org, role):
        client.force_login(UserFactory(organization=org, roles=[role] if role else []))
        body = client.get(reverse("billing:profile")).content.decode()
        assert 'id="billing-profile-form"' not in body
        assert f"{org.name} Ltd." in body and "DE136695976" in body and "Germany" in body
        assert "Only a user with one of these roles can do this: Global admin, Billing admin." in body
        assert '<button type="button" disabled>' in body
        before = BillingProfile.objects.get(organization=org).legal_name
        assert post_profile(client, legal_name="Hijack Ltd.").status_code == 403
        assert BillingProfile.objects.get(organization=org).legal_name == before

    def test_read_only_without_a_profile_says_so(self, client, bare_org):
        client.force_login(UserFactory(organization=bare_org, roles=[Role.ACCOUNT_ADMIN]))
        body = client.get(reverse("billing:profile")).content.decode()
        assert "Your organisation has no billing profile yet." in body

    def test_russian_page(self, client, bare_org):
        client.force_login(UserFactory(organization=bare_org, roles=[Role.BILLING_ADMIN], language="ru"))
        body = client.get(reverse("billing:profile")).content.decode()
        assert "Профиль выставления счетов" in body and "Германия" in body  # country names translated
        response = post_profile(client, country="RU", postal_code="12345", tax_id="7707083894")
        assert response.status_code == 400
        assert field_errors(response, "postal_code") == [
            "Укажите почтовый индекс в формате, принятом в стране «Россия», например 125009."
        ]
        assert field_errors(response, "tax_id") == ["Контрольные цифры ИНН не совпадают: проверьте номер."]

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(reverse("billing:profile"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestValidation:
    @pytest.fixture
    def admin_client(self, client, bare_org):
        client.force_login(UserFactory(organization=bare_org, roles=[Role.GLOBAL_ADMIN]))
        return client

    @pytest.mark.parametrize(
        "changes, field, message",
        [
            ({"country": "XX"}, "country", "Select a valid choice. XX is not one of the available choices."),
            ({"country": ""}, "country", "This field is required."),
            ({"legal_name": ""}, "legal_name", "This field is required."),
            ({"legal_name": "x" * 201}, "legal_name", "Ensure this value has at most 200 characters (it has 201)."),
            (
                {"postal_code": "1011"},
                "postal_code",
                "Enter a postal code as it is written in Germany, for example 10115.",
            ),
            ({"postal_code": ""}, "postal_code", "Enter the postal code."),
            ({"country": "US", "postal_code": "9410", "tax_id": ""}, "postal_code", "for example 94105"),
            ({"country": "GB", "postal_code": "XYZ", "tax_id": ""}, "postal_code", "for example SW1A 1AA"),
            ({"country": "FR", "postal_code": "7500", "tax_id": ""}, "postal_code", "for example 75008"),
            ({"country": "NL", "postal_code": "0123 AB", "tax_id": ""}, "postal_code", "for example 1012 AB"),
            ({"country": "RU", "postal_code": "1250090", "tax_id": ""}, "postal_code", "for example 125009"),
            (
                {"tax_id": "DE136695977"},
                "tax_id",
                "This is not a valid VAT number of Germany: check the digits after DE.",
            ),
            ({"tax_id": "FR40303265045"}, "tax_id", "A VAT number of Germany starts with DE."),
            ({"country": "RU", "postal_code": "125009", "tax_id": "12345"}, "tax_id", "An INN has 10 digits"),
            (
                {"country": "RU", "postal_code": "125009", "tax_id": "7707083894"},
                "tax_id",
                "The check digits of this INN",
            ),
            ({"country": "JP", "postal_code": "100-0001", "tax_id": "<script>"}, "tax_id", "Use letters, digits"),
            ({"country": "JP", "postal_code": "1@", "tax_id": ""}, "postal_code", "Use letters, digits, spaces"),
            ({"tax_id": "D" * 33}, "tax_id", "Ensure this value has at most 32 characters (it has 33)."),
            ({"city": "Berlin\x00"}, "city", "Null characters are not allowed."),
        ],
    )
    def test_a_bad_value_is_a_message_next_to_its_field(self, admin_client, bare_org, changes, field, message):
        response = post_profile(admin_client, **changes)
        assert response.status_code == 400
        errors = field_errors(response, field)
        assert any(message in error for error in errors), errors
        body = response.content.decode()
        assert 'class="errorlist' in body
        assert not BillingProfile.objects.filter(organization=bare_org).exists()

    @pytest.mark.parametrize(
        "country, postal_code, tax_id, saved_postal_code, saved_tax_id",
        [
            ("GB", "sw1a1aa", "980780684", "SW1A 1AA", "GB980780684"),
            ("NL", "1012ab", "NL004495445B01", "1012 AB", "NL004495445B01"),
            ("FR", "75008", "FR40303265045", "75008", "FR40303265045"),
            ("US", "94105-1234", "12-3456789", "94105-1234", "12-3456789"),
            ("RU", "125009", "7707083893", "125009", "7707083893"),
            ("RU", "125009", "500100732259", "125009", "500100732259"),
            ("GR", "10431", "EL094259216", "10431", "EL094259216"),
            ("IE", "", "", "", ""),  # a country whose format is not in the table: optional, free text
        ],
    )
    def test_good_values_are_saved_in_their_written_form(
        self, admin_client, bare_org, country, postal_code, tax_id, saved_postal_code, saved_tax_id
    ):
        response = post_profile(admin_client, country=country, postal_code=postal_code, tax_id=tax_id)
        assert response.status_code == 302, response.context["form"].errors
        profile = BillingProfile.objects.get(organization=bare_org)
        assert (profile.postal_code, profile.tax_id) == (saved_postal_code, saved_tax_id)

    def test_validators_directly(self):
        assert validate_postal_code("00950", "PL") == "00-950"
        assert validate_tax_id(" de 136.695.976 ", "DE") == "DE136695976"
        with pytest.raises(ValidationError):
            validate_tax_id("7707083893" + "0" * 1000, "RU")

    def test_the_service_checks_the_role_too(self, bare_org):
        account_admin = UserFactory(organization=bare_org, roles=[Role.ACCOUNT_ADMIN])
        with pytest.raises(PermissionDenied):
            billing_profile_save(organization=bare_org, actor=account_admin, **GOOD)
        with pytest.raises(ValidationError) as raised:
            billing_profile_save(organization=bare_org, actor=None, **{**GOOD, "tax_id": "DE1"})
        assert "tax_id" in raised.value.message_dict
        assert not BillingProfile.objects.exists()


class TestWizardStep:
    """Terms → [Billing profile if missing] → Payment → Review → Buy → confirmed."""

    @pytest.fixture
    def buyer_client(self, client, bare_org, stripe_settings):
        client.force_login(UserFactory(organization=bare_org, roles=[Role.BILLING_ADMIN]))
        return client

    def test_the_purchase_asks_for_it_between_terms_and_payment(self, buyer_client, bare_org):
        offer = load_demo_catalogue()
        order = start_order(buyer_client, offer)
        assert [name for name, _label in steps_for(order)] == [
            "terms",
            "billing_profile",
            "payment",
            "review",
            "done",
        ]
        response = buyer_client.post(step("terms", order), REMOTE_ADDR="203.0.113.7")
        assert response["Location"] == step("billing_profile", order)
        # Payment, adding a card, review and buy all send the user back to it while it is missing.
        for name in ("payment", "review"):
            back = buyer_client.get(step(name, order))
            assert back.status_code == 302 and back["Location"] == step("billing_profile", order), name
        assert buyer_client.post(step("buy", order))["Location"] == step("billing_profile", order)
        assert buyer_client.post(step("add_card", order))["Location"] == step("billing_profile", order)
        assert "Enter your billing profile to continue." in messages_of(
            buyer_client.get(step("billing_profile", order))
        )

        page = buyer_client.get(step("billing_profile", order))
        body = page.content.decode()
        assert page.status_code == 200 and 'aria-current="step"' in body and "Billing profile" in body
        bad = buyer_client.post(step("billing_profile", order), {**GOOD, "tax_id": "DE1"})
        assert bad.status_code == 400 and "check the digits after DE" in bad.content.decode()
        saved = buyer_client.post(step("billing_profile", order), GOOD)
        assert saved.status_code == 302 and saved["Location"] == step("payment", order)
        assert BillingProfile.objects.get(organization=bare_org).tax_id == "DE136695976"

        # The rest of the seed's steps, unchanged; the bar still shows the step it asked.
        method = add_card(buyer_client, order)
        choose_card(buyer_client, order, method)
        assert "billing_profile" in [name for name, _label in steps_for(order)]
        response = buyer_client.post(step("buy", order))
        assert response["Location"] == step("done", order)
        order.refresh_from_db()
        assert order.status == "paid" and Invoice.objects.get(reference=order.number).buyer_tax_id == "DE136695976"

    def test_an_organisation_with_a_profile_goes_straight_to_payment(self, client, org, stripe_settings):
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        order = start_order(client, load_demo_catalogue())
        assert "billing_profile" not in [name for name, _label in steps_for(order)]
        response = client.post(step("terms", order), REMOTE_ADDR="203.0.113.7")
        assert response["Location"] == step("payment", order)

    def test_the_step_needs_the_terms_first_and_another_orgs_order_is_404(self, buyer_client, bare_org):
        order = start_order(buyer_client, load_demo_catalogue())
        response = buyer_client.get(step("billing_profile", order))
        assert response["Location"] == step("terms", order)
        theirs = Order.objects.create(
            number="ORD-THEIRS",
            organization=OrganizationFactory(name="Fabrikam"),
            offer=order.offer,
            amount=order.amount,
            currency=order.currency,
        )
        assert buyer_client.get(step("billing_profile", theirs)).status_code == 404
        assert buyer_client.post(step("billing_profile", theirs), GOOD).status_code == 404
        assert not BillingProfile.objects.filter(organization=bare_org).exists()

    def test_the_renewal_asks_for_it_too(self, buyer_client, bare_org):
        offer = load_demo_catalogue()
        subscription = SubscriptionFactory(
            organization=bare_org, offer=offer, end=timezone.localdate() + datetime.timedelta(days=3)
        )
        user = bare_org.users.filter(roles__role=Role.BILLING_ADMIN).first()
        order = order_start_renewal(organization=bare_org, subscription=subscription, user=user)
        assert [name for name, _label in steps_for(order)] == [
            "verify",
            "terms",
            "billing_profile",
            "payment",
            "review",
            "done",
        ]
        response = buyer_client.post(step("terms", order), REMOTE_ADDR="203.0.113.7")
        assert response["Location"] == step("billing_profile", order)
