"""R19 through the purchase: the review shows net, tax and total, the charge is the total (as localstripe
sees it), the invoice and the credit note carry net/rate/tax/gross and the reason, the CSV the columns;
a renewal charges the price and the tax of its own day; refunds stay capped at what was charged."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from billing import services as billing_services
from billing.gateways import get_gateway
from billing.models import BillingProfile, CreditNote, Invoice, TaxRate, TaxReason
from billing.refunds import RefundTooLarge, refund_create
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import OfferPrice, Order, OrderKind, OrderStatus
from offers.rules import renewal_price
from offers.services import order_charge, order_for_auto_renewal
from tests.billing.test_invoices import pdf_text
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.helpers.checkout import buy, messages_of, step, to_review

REVERSE_CHARGE = "Reverse charge: VAT to be accounted for by the recipient, Article 196 Council Directive 2006/112/EC"

# (name, country, postal code, tax ID, currency, net, rate, tax, reason)
CASES = {
    "contoso-ie": ("Contoso", "IE", "D02 X285", "", "EUR", 44000, "23", 10120, TaxReason.DOMESTIC),
    "fabrikam-de": ("Fabrikam", "DE", "10115", "DE136695976", "EUR", 44000, "0", 0, TaxReason.REVERSE_CHARGE),
    "consumer-fr": ("Tailspin", "FR", "75008", "", "EUR", 44000, "20", 8800, TaxReason.EU_CONSUMER),
    "northwind-us": ("Northwind", "US", "94105", "", "USD", 47500, "0", 0, TaxReason.OUTSIDE_SCOPE),
    "adventure-ru": ("Adventure Works", "RU", "125009", "7707083893", "RUB", 4200000, "0", 0, TaxReason.OUTSIDE_SCOPE),
}


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def rates(db):
    # The data migration's rows are gone after a transactional test empties the tables: set the ones used.
    for country, rate in (("IE", "23"), ("DE", "19"), ("FR", "20")):
        TaxRate.objects.update_or_create(
            country=country, effective_from=datetime.date(2021, 3, 1), defaults={"rate": Decimal(rate)}
        )


def buyer_in(case):
    name, country, postal_code, tax_id, currency, *_ = CASES[case]
    org = OrganizationFactory(name=name, billing_profile=False)
    buyer = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], email=f"buyer@{case}.example")
    billing_services.billing_profile_save(
        organization=org,
        actor=buyer,
        legal_name=f"{name} Ltd.",
        street="1 Main Street",
        city="Capital",
        postal_code=postal_code,
        country=country,
        tax_id=tax_id,
        currency=currency,
    )
    return buyer


@pytest.mark.parametrize("case", list(CASES))
def test_a_purchase_in_each_case(client, offer, rates, stripe_settings, case):
    name, country, _, tax_id, currency, net, rate, tax, reason = CASES[case]
    client.force_login(buyer_in(case))
    order = to_review(client, offer)

    review = client.get(step("review", order)).content.decode()
    order.refresh_from_db()
    assert (order.net_amount, order.tax_amount, order.tax_rate, order.tax_reason) == (net, tax, Decimal(rate), reason)
    assert (order.amount, order.currency) == (net + tax, currency)
    assert 'class="tax"' in review and 'class="total"' in review
    assert escape(order.get_tax_reason_display()) in review
    assert (REVERSE_CHARGE in review) == (reason == TaxReason.REVERSE_CHARGE)

    assert buy(client, order)["Location"].endswith("/done/")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    # The charge is the total, at the payment service too.
    payment = order.payments.get()
    intent = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    assert (intent.amount, intent.currency.upper()) == (net + tax, currency)

    invoice = Invoice.objects.get(reference=order.number)
    assert (invoice.net_amount, invoice.tax_amount, invoice.tax_rate, invoice.tax_reason) == (
        net,
        tax,
        Decimal(rate),
        reason,
    )
    assert (invoice.amount, invoice.currency, invoice.buyer_tax_id) == (net + tax, currency, tax_id)

    text = pdf_text(client.get(invoice.get_pdf_url()))
    assert f"VAT {rate} %" in text
    if tax_id:
        assert f"Tax ID: {tax_id}" in text
    if reason == TaxReason.REVERSE_CHARGE:
        assert REVERSE_CHARGE in text
    if reason == TaxReason.OUTSIDE_SCOPE:
        assert "Outside the scope of EU VAT" in text


def test_the_invoice_in_russian(client, offer, rates, stripe_settings):
    buyer = buyer_in("adventure-ru")
    client.force_login(buyer)
    order = to_review(client, offer)
    buy(client, order)
    invoice = Invoice.objects.get(reference=order.number)
    client.force_login(UserFactory(organization=buyer.organization, roles=[Role.BILLING_ADMIN], language="ru"))
    text = pdf_text(client.get(invoice.get_pdf_url()))
    assert "42 000,00 ₽" in text, text
    assert "НДС 0 %" in text and "Вне сферы действия НДС ЕС" in text


def test_buy_refuses_a_total_the_partner_has_not_seen(client, offer, rates, stripe_settings):
    buyer = buyer_in("fabrikam-de")
    client.force_login(buyer)
    order = to_review(client, offer)
    client.get(step("review", order))
    # The VAT number is removed in another tab: the reverse charge no longer applies.
    billing_services.billing_profile_save(organization=buyer.organization, actor=buyer, tax_id="")
    response = buy(client, order)
    assert response["Location"] == step("review", order)
    assert not order.payments.exists()
    order.refresh_from_db()
    assert order.amount == 44000  # unchanged until the review shows the new total
    review = client.get(step("review", order))
    assert "The price or the tax of this order has changed." in " ".join(messages_of(review))
    order.refresh_from_db()
    assert (order.amount, order.tax_amount, order.tax_reason) == (52360, 8360, TaxReason.EU_CONSUMER)
    assert "€523.60" in review.content.decode()
    assert buy(client, order)["Location"].endswith("/done/")
    assert order.payments.get().amount == 52360


def test_a_currency_the_offer_is_not_sold_in_cannot_be_bought(client, offer, rates, stripe_settings):
    buyer = buyer_in("northwind-us")
    BillingProfile.objects.filter(organization=buyer.organization).update(currency="GBP")
    client.force_login(buyer)
    response = client.post(reverse("offers:subscribe", args=[offer.pk]), follow=True)
    assert "not sold in GBP" in response.content.decode()
    assert not Order.objects.filter(organization=buyer.organization).exists()


def test_a_credit_note_reverses_the_tax_in_proportion(client, offer, rates, stripe_settings):
    client.force_login(buyer_in("contoso-ie"))
    order = to_review(client, offer)
    buy(client, order)
    invoice = Invoice.objects.get(reference=order.number)
    assert invoice.amount == 54120
    # A prorated refund: net and tax together, the tax share rounded half up.
    refund = refund_create(payment=invoice.payment, amount=27061, decision_key="prorated")
    note = CreditNote.objects.get(refund=refund)
    assert (note.amount, note.net_amount, note.tax_amount, note.tax_rate, note.tax_reason) == (
        27061,
        22001,
        5060,  # 10120 × 27061 / 54120 = 5060.19
        Decimal("23"),
        TaxReason.DOMESTIC,
    )
    # Capped at what was charged, tax included.
    with pytest.raises(RefundTooLarge):
        refund_create(payment=invoice.payment, amount=54120 - 27061 + 1, decision_key="too-much")
    rest = refund_create(payment=invoice.payment, amount=54120 - 27061, decision_key="rest")
    rest_note = CreditNote.objects.get(refund=rest)
    assert note.tax_amount + rest_note.tax_amount == invoice.tax_amount
    assert note.net_amount + rest_note.net_amount == invoice.net_amount
    text = pdf_text(client.get(note.get_pdf_url()))
    assert "VAT 23 %" in text and "−€50.60" in text


def test_the_csv_has_net_tax_and_currency(client, offer, rates, stripe_settings):
    client.force_login(buyer_in("contoso-ie"))
    order = to_review(client, offer)
    buy(client, order)
    invoice = Invoice.objects.get(reference=order.number)
    refund_create(payment=invoice.payment, amount=27061, decision_key="prorated")
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("billing:reconciliation_csv")).content.decode())))
    payment, refund = rows
    assert {k: payment[k] for k in ("amount", "net", "tax", "currency", "tax_rate", "tax_reason")} == {
        "amount": "541.20",
        "net": "440.00",
        "tax": "101.20",
        "currency": "EUR",
        "tax_rate": "23.00",
        "tax_reason": "domestic",
    }
    assert {k: refund[k] for k in ("amount", "net_minor", "tax_minor", "currency")} == {
        "amount": "-270.61",
        "net_minor": "-22001",
        "tax_minor": "-5060",
        "currency": "EUR",
    }


def test_a_renewal_charges_the_price_and_tax_of_its_own_day(client, offer, rates, stripe_settings):
    buyer = buyer_in("contoso-ie")
    client.force_login(buyer)
    order = to_review(client, offer)
    buy(client, order)
    subscription = Order.objects.get(pk=order.pk).subscription
    renewal_day = subscription.current_period_end
    # Both change on the renewal day itself, staff having entered them beforehand.
    TaxRate.objects.create(country="IE", rate=Decimal("24"), effective_from=renewal_day)
    OfferPrice.objects.create(offer=offer, currency="EUR", amount=46000, effective_from=renewal_day)
    assert renewal_price(subscription, renewal_day - datetime.timedelta(days=1)).gross == 54120
    expected = renewal_price(subscription)
    assert (expected.net, expected.tax, expected.gross) == (46000, 11040, 57040)
    renewal = order_for_auto_renewal(subscription=subscription, card=subscription.payment_method)
    assert renewal.kind == OrderKind.AUTO_RENEWAL
    assert (renewal.net_amount, renewal.tax_amount, renewal.tax_rate, renewal.amount) == (
        46000,
        11040,
        Decimal("24"),
        57040,
    )
    outcome = order_charge(order_id=renewal.pk, off_session=True)
    assert outcome.ok, outcome.message
    invoice = Invoice.objects.get(reference=renewal.number)
    assert (invoice.net_amount, invoice.tax_amount, invoice.amount) == (46000, 11040, 57040)
    # The first invoice keeps the rate and price of its day.
    first = Invoice.objects.get(reference=order.number)
    assert (first.tax_rate, first.amount) == (Decimal("23"), 54120)
    assert timezone.localdate() < renewal_day


def test_the_reminder_before_the_renewal_says_its_amount(client, offer, rates, stripe_settings):
    from offers.emails import render_lifecycle_email

    buyer = buyer_in("contoso-ie")
    client.force_login(buyer)
    order = to_review(client, offer)
    buy(client, order)
    subscription = Order.objects.get(pk=order.pk).subscription
    TaxRate.objects.create(country="IE", rate=Decimal("24"), effective_from=subscription.current_period_end)
    _, text, _ = render_lifecycle_email(template="upcoming_renewal", subscription=subscription, user=buyer)
    assert "€545.60" in text, text  # 440.00 + 24 % of the renewal day, not the 541.20 paid today


def test_pay_now_and_the_reminders_say_what_the_renewal_charges(client, offer, rates, stripe_settings):
    from offers.selectors import renewal_charge

    client.force_login(buyer_in("contoso-ie"))
    order = to_review(client, offer)
    buy(client, order)
    subscription = Order.objects.get(pk=order.pk).subscription
    assert renewal_charge(subscription) == (54120, "EUR")
    TaxRate.objects.create(country="IE", rate=Decimal("24"), effective_from=subscription.current_period_end)
    assert renewal_charge(subscription) == (54560, "EUR")
    renewal = order_for_auto_renewal(subscription=subscription, card=subscription.payment_method)
    # Once the term's order exists, its amount is the one (a later rate change does not move it).
    TaxRate.objects.filter(country="IE", rate=Decimal("24")).update(rate=Decimal("25"))
    assert renewal_charge(subscription) == (renewal.amount, "EUR") == (54560, "EUR")


def test_subscription_details_do_not_promise_the_last_price_as_the_next_charge(client, offer, rates, stripe_settings):
    """The renewal charges the price and tax of its own day (R19), which can differ from what the term cost: the
    details page says so and names the term's price as that, never "€541.20 on <date>" as the next charge."""
    client.force_login(buyer_in("contoso-ie"))
    order = to_review(client, offer)
    buy(client, order)
    subscription = Order.objects.get(pk=order.pk).subscription
    TaxRate.objects.create(country="IE", rate=Decimal("24"), effective_from=subscription.current_period_end)
    page = client.get(reverse("subscriptions:detail", args=[subscription.pk])).content.decode()
    next_charge = page.split('data-testid="next-charge">', 1)[1].split("</td>", 1)[0]
    assert next_charge.endswith(", at the price and tax of that day (this term cost €541.20)"), next_charge
    assert "€541.20 on " not in next_charge
