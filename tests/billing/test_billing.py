"""Billing > Payment methods, Billing history, receipts and the reconciliation file."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.gateways import get_gateway
from billing.models import PaymentMethod
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from tests.factories.billing import PaymentMethodFactory, RefundFactory, stripe_card
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import paid_orders
from tests.helpers.checkout import buy, messages_of, to_review
from tests.helpers.pages import without_csrf_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def admin(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN])


@pytest.fixture
def admin_client(client, admin, stripe_settings):
    client.force_login(admin)
    return client


def add_card_on_billing_page(client, number="4242424242424242"):
    page = client.get(reverse("billing:payment_methods") + "?add=1")
    assert page.status_code == 200 and "data-client-secret" in page.content.decode()
    return client.post(reverse("billing:payment_method_add"), {"payment_method_id": stripe_card(number)})


class TestPaymentMethods:
    def test_add_set_default_and_remove(self, admin_client, org):
        add_card_on_billing_page(admin_client)
        first = PaymentMethod.objects.get()
        assert first.is_default and first.last4 == "4242"
        org.refresh_from_db()
        assert org.stripe_customer_id
        add_card_on_billing_page(admin_client, "5555555555554444")
        second = PaymentMethod.objects.exclude(pk=first.pk).get()
        assert not second.is_default and second.last4 == "4444"  # localstripe calls every card "visa"
        page = admin_client.get(reverse("billing:payment_methods")).content.decode()
        assert "••4242" in page and "••4444" in page

        admin_client.post(reverse("billing:payment_method_default", args=[second.pk]))
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.is_default and not first.is_default

        admin_client.post(reverse("billing:payment_method_remove", args=[second.pk]))
        second.refresh_from_db()
        first.refresh_from_db()
        assert second.removed_at is not None and not second.is_default
        assert first.is_default  # the remaining card takes over
        # Detached at Stripe.
        assert get_gateway().client.v1.payment_methods.retrieve(second.stripe_payment_method_id).customer is None
        admin_client.get(reverse("billing:payment_methods"))  # shows (and so consumes) the messages
        page = admin_client.get(reverse("billing:payment_methods")).content.decode()
        assert "••4444" not in page and page.count('class="payment-method"') == 1

    def test_a_card_declined_when_attached_is_not_saved(self, admin_client):
        response = add_card_on_billing_page(admin_client, "4000000000000002")
        assert "declined" in " ".join(messages_of(admin_client.get(response["Location"])))
        assert not PaymentMethod.objects.exists()

    def test_another_organisations_card_answers_404(self, admin_client, stripe_settings):
        other = OrganizationFactory(name="Fabrikam")
        theirs = PaymentMethodFactory(
            organization=other, stripe_payment_method_id="pm_theirs", last4="1111", exp_month=1, exp_year=2030
        )
        assert admin_client.post(reverse("billing:payment_method_default", args=[theirs.pk])).status_code == 404
        assert admin_client.post(reverse("billing:payment_method_remove", args=[theirs.pk])).status_code == 404
        theirs.refresh_from_db()
        assert theirs.removed_at is None

    def test_roles(self, client, org, stripe_settings):
        method = PaymentMethodFactory(
            organization=org, stripe_payment_method_id="pm_ours", last4="1111", exp_month=1, exp_year=2030
        )
        client.force_login(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]))
        assert client.get(reverse("billing:history")).status_code == 403
        assert client.get(reverse("billing:payment_methods")).status_code == 403
        assert client.get(reverse("billing:reconciliation_csv")).status_code == 403
        assert client.post(reverse("billing:payment_method_add"), {"payment_method_id": "pm_x"}).status_code == 403
        assert client.post(reverse("billing:payment_method_default", args=[method.pk])).status_code == 403
        assert client.post(reverse("billing:payment_method_remove", args=[method.pk])).status_code == 403
        method.refresh_from_db()
        assert method.removed_at is None


def _paid_orders(org, offer, count):
    payments = paid_orders(org, count, offer=offer)
    RefundFactory(
        payment=payments[0],
        amount=10000,
        stripe_refund_id="re_1_%d" % org.pk,
        idempotency_key="r-%d" % org.pk,
        succeeded_at=None,
    )
    return payments


class TestBillingHistory:
    @pytest.mark.parametrize("orders", [1, 200])
    def test_constant_number_of_queries(self, client, admin, offer, orders, django_assert_num_queries):
        _paid_orders(admin.organization, offer, orders)
        client.force_login(admin)
        # Cold: the session with its user, organisation, roles and data versions (one query), payment
        # methods, payments (+order, offer, card, their number), refunds.
        with django_assert_num_queries(4):
            response = client.get(reverse("billing:history"))
        body = response.content.decode()
        # The history is paginated: every payment and the refund are on one of its pages.
        pages = [body]
        page = response.context["page"]
        while page.has_next():
            following = client.get(reverse("billing:history"), {"page": page.next_page_number()})
            pages.append(following.content.decode())
            page = following.context["page"]
        everything = "".join(pages)
        assert everything.count('class="payment"') == orders and everything.count('class="refund"') == 1
        assert "US$475.00" in everything and "−US$100.00" in everything
        # Warm: the session and user from the database (access is never cached), the page from the cache.
        with django_assert_num_queries(1):
            warm = client.get(reverse("billing:history")).content.decode()
        assert without_csrf_tokens(warm) == without_csrf_tokens(body)

    def test_receipt_and_isolation(self, client, admin, offer):
        payment = _paid_orders(admin.organization, offer, 1)[0]
        theirs = _paid_orders(OrganizationFactory(name="Fabrikam"), offer, 1)[0]
        client.force_login(admin)
        assert payment.get_absolute_url() == reverse("billing:receipt", args=[payment.pk])
        body = client.get(payment.get_absolute_url()).content.decode()
        assert payment.reference in body and "US$475.00" in body and payment.stripe_payment_intent_id in body
        assert "window.print()" in body
        assert client.get(theirs.get_absolute_url()).status_code == 404
        assert theirs.reference not in client.get(reverse("billing:history")).content.decode()

    def test_only_the_organisations_own_usable_cards_are_listed(self, client, admin, offer):
        PaymentMethodFactory(organization=admin.organization, last4="1881", is_default=False)
        PaymentMethodFactory(organization=admin.organization, last4="3003", removed_at=timezone.now())
        PaymentMethodFactory(organization=OrganizationFactory(name="Fabrikam"), last4="9999")
        client.force_login(admin)
        cards = client.get(reverse("billing:history")).content.decode()
        section = cards[cards.index('id="payment-methods"') : cards.index('id="billing-history"')]
        assert "••1881" in section and "••3003" not in section and "••9999" not in section

    def test_reconciliation_csv(self, client, admin, offer):
        payments = _paid_orders(admin.organization, offer, 2)
        _paid_orders(OrganizationFactory(name="Fabrikam"), offer, 1)
        client.force_login(admin)
        response = client.get(reverse("billing:reconciliation_csv"))
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["type"] for r in rows].count("payment") == 2 and [r["type"] for r in rows].count("refund") == 1
        first = next(r for r in rows if r["order_number"] == payments[0].reference and r["type"] == "payment")
        assert (first["amount_minor"], first["amount"], first["currency"]) == ("47500", "475.00", "USD")
        assert first["payment_intent_id"] == payments[0].stripe_payment_intent_id
        refund = next(r for r in rows if r["type"] == "refund")
        assert (refund["amount_minor"], refund["amount"], refund["refund_id"]) == (
            "-10000",
            "-100.00",
            "re_1_%d" % admin.organization.pk,
        )
        assert all(r["date"] for r in rows)
        assert not any(r["order_number"].startswith("H%d-" % (admin.organization.pk + 1000)) for r in rows)
        numbers = {r["order_number"] for r in rows}
        assert numbers == {p.reference for p in payments}

    def test_a_purchase_shows_up_in_the_history(self, client, admin, offer, stripe_settings):
        client.force_login(admin)
        order = to_review(client, offer)
        buy(client, order)
        body = client.get(reverse("billing:history")).content.decode()
        assert order.number in body and "Receipt" in body
