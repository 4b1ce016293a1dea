"""Billing > Billing history: what the organisation paid for each order, receipts, the reconciliation file."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from billing import selectors as billing_selectors
from membership.decorators import role_required
from membership.permissions import Action
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
        "offers/history/billing_home.html",
        {"methods": billing_selectors.card_list(organization=organization), "page": page},
    )


@role_required(Action.VIEW_BILLING)
def receipt(request, pk):
    payment, order = selectors.organization_payment(organization=request.user.organization, pk=pk)
    return render(
        request,
        "offers/history/receipt.html",
        {"payment": payment, "order": order, "offer_name": order.offer.localized("name")},
    )


def _decimal(amount, currency):
    return str(money_decimal(amount, currency))


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
        ]
    )
    for payment in selectors.billing_history(organization=organization):
        writer.writerow(
            [
                "payment",
                (payment.succeeded_at or payment.created_at).isoformat(),
                payment.reference,
                payment.order_kind,
                payment.offer_code,
                payment.status,
                payment.amount,
                _decimal(payment.amount, payment.currency),
                payment.currency,
                payment.stripe_payment_intent_id or "",
                "",
                payment.attempt,
                payment.payment_method.last4 if payment.payment_method else "",
            ]
        )
        for refund in payment.refunds.all():
            writer.writerow(
                [
                    "refund",
                    (refund.succeeded_at or refund.created_at).isoformat(),
                    payment.reference,
                    payment.order_kind,
                    payment.offer_code,
                    refund.status,
                    -refund.amount,
                    _decimal(-refund.amount, refund.currency),
                    refund.currency,
                    payment.stripe_payment_intent_id or "",
                    refund.stripe_refund_id or "",
                    payment.attempt,
                    "",
                ]
            )
    return response
