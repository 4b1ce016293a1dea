"""billing.order_lines: offers tells billing what a payment's order line says, and billing's pages show it."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from billing import order_lines, selectors
from membership.models import Role
from offers.models import Order
from tests.factories.billing import PaymentFactory
from tests.factories.membership import UserFactory
from tests.factories.offers import paid_orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing_admin(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN])


def test_offers_registers_the_facts_of_its_orders(org):
    payment = paid_orders(org, 1)[0]
    order = Order.objects.select_related("offer").get(number=payment.reference)
    Order.objects.filter(pk=order.pk).update(term_start=datetime.date(2026, 3, 1), term_end=datetime.date(2027, 2, 28))

    _payment, line = selectors.organization_payment(organization=org, pk=payment.pk)

    assert line == {
        "kind": order.kind,
        "offer_code": order.offer.code,
        "offer_name_en": order.offer.name,
        "offer_name_ru": order.offer.name_ru,
        "term_start": datetime.date(2026, 3, 1),
        "term_end": datetime.date(2027, 2, 28),
    }


def test_the_receipt_says_the_offer_in_the_readers_language_and_the_term(client, org, billing_admin):
    payment = paid_orders(org, 1)[0]
    order = Order.objects.select_related("offer").get(number=payment.reference)
    Order.objects.filter(pk=order.pk).update(term_start=datetime.date(2026, 3, 1), term_end=datetime.date(2027, 2, 28))
    billing_admin.language = "ru"
    billing_admin.save(update_fields=["language"])
    client.force_login(billing_admin)

    body = client.get(reverse("billing:receipt", args=[payment.pk])).content.decode()

    assert order.offer.name_ru and order.offer.name_ru in body
    assert "Срок" in body and "1 марта 2026" in body and "28 февраля 2027" in body


def test_a_payment_no_order_claims_has_no_line(client, org, billing_admin):
    stray = PaymentFactory(organization=org, reference="NOBODY-1")
    client.force_login(billing_admin)

    assert client.get(reverse("billing:receipt", args=[stray.pk])).status_code == 404
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("billing:reconciliation_csv")).content.decode())))
    assert [(r["order_number"], r["order_kind"], r["offer"]) for r in rows] == [("NOBODY-1", "", "")]
    assert "NOBODY-1" in client.get(reverse("billing:history")).content.decode()


def test_without_a_registration_billing_shows_its_payments_alone(client, org, billing_admin, monkeypatch):
    payment = paid_orders(org, 1)[0]
    monkeypatch.setattr(order_lines, "_registered", order_lines._NOTHING)
    client.force_login(billing_admin)

    assert payment.reference in client.get(reverse("billing:history")).content.decode()
    assert client.get(reverse("billing:receipt", args=[payment.pk])).status_code == 404
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("billing:reconciliation_csv")).content.decode())))
    assert [(r["order_number"], r["order_kind"], r["offer"]) for r in rows] == [(payment.reference, "", "")]


def test_a_registration_gives_every_fact():
    with pytest.raises(ValueError, match="exactly these facts"):
        order_lines.OrderLineSQL(joins="", columns={"kind": "NULL"})
