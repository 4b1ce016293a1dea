"""The demo organisations show each case of R19 (make run): Contoso in Ireland, Fabrikam reverse-charged,
Northwind and Adventure Works outside the scope of EU VAT, each in its own currency."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import BillingProfile, Invoice, TaxRate, TaxReason
from offers.models import Offer, Order, OrderKind, OrderStatus
from offers.rules import order_price
from offers.selectors import ACTION_PACK_CODE


@pytest.mark.django_db(transaction=True)
def test_each_demo_organisation_shows_its_case(stripe_settings, staff_groups):
    TaxRate.objects.get_or_create(country="IE", effective_from=datetime.date(2021, 3, 1), defaults={"rate": 23})
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    paid = {
        order.organization.name: order
        for order in Order.objects.filter(kind=OrderKind.PURCHASE, status=OrderStatus.PAID).select_related(
            "organization"
        )
    }
    expected = {
        "Fabrikam Solutions": ("EUR", 44000, 0, TaxReason.REVERSE_CHARGE, "DE136695976"),
        "Northwind Traders": ("USD", 47500, 0, TaxReason.OUTSIDE_SCOPE, ""),
        "Adventure Works": ("RUB", 4200000, 0, TaxReason.OUTSIDE_SCOPE, "7707083893"),
    }
    for name, (currency, net, tax, reason, tax_id) in expected.items():
        order = paid[name]
        assert (order.currency, order.net_amount, order.tax_amount, order.tax_reason) == (currency, net, tax, reason)
        invoice = Invoice.objects.get(reference=order.number)
        assert (invoice.currency, invoice.amount, invoice.tax_reason, invoice.buyer_tax_id) == (
            currency,
            net + tax,
            reason,
            tax_id,
        )
    assert "EUR 440.00 + 0.00 VAT (reverse_charge)" in out.getvalue()
    # Contoso has bought nothing yet: its first purchase would be in EUR with Irish VAT.
    contoso = BillingProfile.objects.get(organization__name="Contoso Partners")
    assert (str(contoso.country), contoso.currency) == ("IE", "EUR")
    price = order_price(offer=Offer.objects.get(code=ACTION_PACK_CODE), organization=contoso.organization_id)
    assert (price.net, price.rate, price.tax, price.gross, price.reason) == (
        44000,
        Decimal("23"),
        10120,
        54120,
        TaxReason.DOMESTIC,
    )
