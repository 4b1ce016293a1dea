"""Reads for billing; every query is filtered by the organisation (R12)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from .models import Order, Payment, PaymentMethod, Refund


def usable_payment_methods(*, organization):
    """Cards that can still be charged, default first."""
    return PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id"
    )


def organization_payment_method(*, organization, pk):
    """One usable card of the organisation; another organisation's id answers 404."""
    return get_object_or_404(usable_payment_methods(organization=organization), pk=pk)


def organization_order(*, organization, pk):
    return get_object_or_404(
        Order.objects.filter(organization=organization).select_related(
            "offer", "payment_method", "subscription", "terms_acceptance__terms"
        ),
        pk=pk,
    )


def billing_history(*, organization):
    """Payments of the organisation with their order, offer, card and refunds: a fixed number of queries."""
    return (
        Payment.objects.filter(organization=organization)
        .select_related("order__offer", "payment_method")
        .prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "id")))
        .order_by("-created_at", "-id")
    )


def organization_payment(*, organization, pk):
    """A payment for its receipt; another organisation's id answers 404."""
    return get_object_or_404(
        Payment.objects.filter(organization=organization)
        .select_related("order__offer", "order__organization", "payment_method", "order__created_by")
        .prefetch_related("refunds"),
        pk=pk,
    )
