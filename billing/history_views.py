"""Billing > Billing history: what the organisation paid for each order, receipts, the reconciliation file."""

import csv
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from membership.decorators import role_required
from membership.permissions import Action
from partnerportal.i18n import localized_value
from partnerportal.money import money_decimal
from partnerportal.page_cache import cached_page

from . import selectors


@role_required(Action.VIEW_BILLING)
@cached_page("billing_history")
def billing_home(request):
    organization = request.user.organization
    page = selectors.billing_history_page(organization=organization, page_number=request.GET.get("page"))
    return render(
        request,
        "billing/history/billing_home.html",
        {"methods": selectors.card_list(organization=organization), "page": page},
        using="jinja2",
    )


@role_required(Action.VIEW_BILLING)
def receipt(request, pk):
    payment, line = selectors.organization_payment(organization=request.user.organization, pk=pk)
    return render(
        request,
        "billing/history/receipt.html",
        {
            "payment": payment,
            "line": line,
            "offer_name": localized_value(line["offer_name_en"], line["offer_name_ru"]),
        },
    )


def _decimal(amount, currency):
    return str(money_decimal(amount, currency))


def _tax_columns(row, currency, sign=1):
    """Net, tax (minor and major units), rate and reason of the row's document (R19); blank without one.

    A document from before R19 has no reason: its net is its amount and its tax nothing.
    """
    if row["document_amount"] is None:
        return ["", "", "", "", "", ""]
    taxed = bool(row["tax_reason"])
    net = sign * (row["net_amount"] if taxed else row["document_amount"])
    tax = sign * (row["tax_amount"] if taxed else 0)
    rate = row["tax_rate"] if taxed else 0
    return [
        net,
        _decimal(net, currency),
        tax,
        _decimal(tax, currency),
        str(Decimal(str(rate)).quantize(Decimal("0.01"))),
        row["tax_reason"],
    ]


@role_required(Action.VIEW_BILLING)
def reconciliation_csv(request):
    """Payments and refunds of the organisation, one row each, for the partner's accounting."""
    organization = request.user.organization
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reconciliation-%s.csv"' % timezone.localdate().isoformat()
    writer = csv.writer(response)
    writer.writerow(
        [
            "type",
            "date",
            "order_number",
            "order_kind",
            "offer",
            "status",
            "amount_minor",
            "amount",
            "currency",
            "payment_intent_id",
            "refund_id",
            "attempt",
            "card_last4",
            "net_minor",
            "net",
            "tax_minor",
            "tax",
            "tax_rate",
            "tax_reason",
        ]
    )
    for payment in selectors.reconciliation_rows(organization=organization):
        line = payment["line"] or {}
        order_kind, offer_code = line.get("kind"), line.get("offer_code")
        writer.writerow(
            [
                "payment",
                (payment["succeeded_at"] or payment["created_at"]).isoformat(),
                payment["reference"],
                order_kind,
                offer_code,
                payment["status"],
                payment["amount"],
                _decimal(payment["amount"], payment["currency"]),
                payment["currency"],
                payment["stripe_payment_intent_id"] or "",
                "",
                payment["attempt"],
                payment["card_last4"] or "",
                *_tax_columns(payment, payment["currency"]),
            ]
        )
        for refund in payment["refunds"]:
            writer.writerow(
                [
                    "refund",
                    (refund["succeeded_at"] or refund["created_at"]).isoformat(),
                    payment["reference"],
                    order_kind,
                    offer_code,
                    refund["status"],
                    -refund["amount"],
                    _decimal(-refund["amount"], refund["currency"]),
                    refund["currency"],
                    payment["stripe_payment_intent_id"] or "",
                    refund["stripe_refund_id"] or "",
                    payment["attempt"],
                    "",
                    *_tax_columns(refund, refund["currency"], sign=-1),
                ]
            )
    return response
