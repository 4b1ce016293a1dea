"""One saved entry per card: the same card entered again is recognised by Stripe's fingerprint."""

import dataclasses

import pytest
from django.urls import reverse

from billing.gateways import get_gateway
from billing.models import PaymentMethod
from billing.services import payment_method_add, payment_method_remove
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Order
from tests.factories.billing import OK_CARD, stripe_card
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.helpers.checkout import accept_terms, add_card, messages_of, start_order, step

pytestmark = pytest.mark.django_db

OTHER_CARD = "5555555555554444"


@pytest.fixture
def admin(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN])


@pytest.fixture
def admin_client(client, admin, stripe_settings):
    client.force_login(admin)
    return client


def save(client, number=OK_CARD, **expiry):
    client.get(reverse("billing:payment_methods") + "?add=1")
    pm_id = stripe_card(number, **expiry)
    response = client.post(reverse("billing:payment_method_add"), {"payment_method_id": pm_id})
    assert response.status_code == 302
    return pm_id, messages_of(client.get(response["Location"]))


def stripe_customer_of(pm_id):
    return get_gateway().client.v1.payment_methods.retrieve(pm_id).customer


def test_the_same_card_twice_is_one_entry_and_the_copy_is_detached(admin_client, org):
    first_pm, first_messages = save(admin_client)
    assert first_messages == ["Your card ••4242 is saved."]
    method = PaymentMethod.objects.get()
    assert method.fingerprint and method.stripe_payment_method_id == first_pm
    second_pm, second_messages = save(admin_client)
    assert second_messages == ["This card is already saved."]
    assert list(PaymentMethod.objects.values_list("pk", flat=True)) == [method.pk]
    assert stripe_customer_of(second_pm) is None  # not left on the customer at Stripe
    org.refresh_from_db()
    assert stripe_customer_of(first_pm) == org.stripe_customer_id
    page = admin_client.get(reverse("billing:payment_methods")).content.decode()
    assert page.count('class="payment-method"') == 1


def test_in_russian(client, org, stripe_settings):
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language="ru"))
    save(client)
    assert save(client)[1] == ["Эта карта уже сохранена."]


def test_other_cards_and_new_expiry_dates_are_saved(admin_client):
    save(admin_client)
    save(admin_client, OTHER_CARD)
    save(admin_client, OK_CARD, exp_month=1, exp_year=2031)  # the card re-issued with a new expiry date
    assert PaymentMethod.objects.count() == 3


def test_a_removed_card_can_be_saved_again(admin_client, admin, org):
    save(admin_client)
    payment_method_remove(organization=org, payment_method_id=PaymentMethod.objects.get().pk, actor=admin)
    _pm, messages = save(admin_client)
    assert messages == ["Your card ••4242 is saved."]
    assert PaymentMethod.objects.filter(removed_at__isnull=True).count() == 1
    assert PaymentMethod.objects.count() == 2


def test_another_organisation_saves_the_same_card_for_itself(admin_client, admin, stripe_settings):
    save(admin_client)
    other = OrganizationFactory(name="Fabrikam")
    theirs = payment_method_add(organization=other, stripe_payment_method_id=stripe_card(OK_CARD), actor=None)
    assert theirs.organization == other and not theirs.already_saved
    assert PaymentMethod.objects.count() == 2


def test_the_same_payment_method_posted_twice_is_the_same_save(admin_client, org, admin):
    pm_id = stripe_card(OK_CARD)
    first = payment_method_add(organization=org, stripe_payment_method_id=pm_id, actor=admin)
    again = payment_method_add(organization=org, stripe_payment_method_id=pm_id, actor=admin)
    assert again == first and not again.already_saved
    assert stripe_customer_of(pm_id)  # a double click does not detach the card it saved


def test_the_wizard_uses_the_saved_card(admin_client, org):
    offer = load_demo_catalogue()
    save(admin_client)
    saved = PaymentMethod.objects.get()
    order = start_order(admin_client, offer)
    accept_terms(admin_client, order)
    chosen = add_card(admin_client, order)
    assert chosen == saved and PaymentMethod.objects.count() == 1
    assert Order.objects.get(pk=order.pk).payment_method == saved
    assert "This card is already saved." in messages_of(admin_client.get(step("payment", order)))


def test_a_gateway_without_fingerprints_saves_each_card(admin_client, org, admin, monkeypatch):
    gateway = get_gateway()
    attach = gateway.attach_card

    def without_fingerprint(self, **kwargs):
        return dataclasses.replace(attach(**kwargs), fingerprint="")

    monkeypatch.setattr(type(gateway), "attach_card", without_fingerprint)
    payment_method_add(organization=org, stripe_payment_method_id=stripe_card(OK_CARD), actor=admin)
    payment_method_add(organization=org, stripe_payment_method_id=stripe_card(OK_CARD), actor=admin)
    assert PaymentMethod.objects.count() == 2 and set(PaymentMethod.objects.values_list("fingerprint", flat=True)) == {
        ""
    }
