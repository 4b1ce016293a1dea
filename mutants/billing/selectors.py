"""Reads for billing; every query is filtered by the organisation (R12)."""

from django.shortcuts import get_object_or_404

from .models import PaymentMethod


def usable_payment_methods(*, organization):
    """Cards that can still be charged, default first."""
    return PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id"
    )


def organization_payment_method(*, organization, pk):
    """One usable card of the organisation; another organisation's id answers 404."""
    return get_object_or_404(usable_payment_methods(organization=organization), pk=pk)
