"""Reads of orders and what was paid for them; every query is filtered by the organisation (R12)."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404

from billing.models import Payment, Refund

from ..models import Order


def organization_order(*, organization, pk):
    """One of the organisation's orders; another organisation's id answers 404."""
    return get_object_or_404(
        Order.objects.filter(organization=organization).select_related(
            "offer", "payment_method", "subscription", "terms_acceptance__terms"
        ),
        pk=pk,
    )


def billing_history(*, organization):
    """Payments with their order's kind and offer, card, invoice, refunds and credit notes: a fixed number of queries.

    Billing keys a payment by its order's number; the order's facts come as subqueries of the one
    payment query rather than a query per row.
    """
    order = Order.objects.filter(number=OuterRef("reference"))
    return (
        Payment.objects.filter(organization=organization)
        .select_related("payment_method", "invoice")
        .prefetch_related(
            Prefetch("refunds", queryset=Refund.objects.select_related("credit_note").order_by("created_at", "id"))
        )
        .annotate(
            order_kind=Subquery(order.values("kind")[:1]),
            offer_code=Subquery(order.values("offer__code")[:1]),
            offer_name_en=Subquery(order.values("offer__name")[:1]),
            offer_name_ru=Subquery(order.values("offer__name_ru")[:1]),
        )
        .order_by("-created_at", "-id")
    )


def organization_payment(*, organization, pk):
    """A payment and the order it paid, for its receipt; another organisation's id answers 404."""
    payment = get_object_or_404(
        Payment.objects.filter(organization=organization).select_related("payment_method").prefetch_related("refunds"),
        pk=pk,
    )
    order = get_object_or_404(
        Order.objects.filter(organization=organization).select_related("offer", "organization", "created_by"),
        number=payment.reference,
    )
    return payment, order
