"""Reads for billing; every query is filtered by the organisation (R12)."""

from django.shortcuts import get_object_or_404

from .models import BillingProfile, CreditNote, Invoice, PaymentMethod


def usable_payment_methods(*, organization):
    """Cards that can still be charged, default first."""
    return PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id"
    )


def organization_payment_method(*, organization, pk):
    """One usable card of the organisation; another organisation's id answers 404."""
    return get_object_or_404(usable_payment_methods(organization=organization), pk=pk)


def billing_profile(*, organization):
    """The organisation's billing profile, or None while it has none."""
    return BillingProfile.objects.filter(organization=organization).first()


def organization_invoice(*, organization, pk):
    """One invoice of the organisation; another organisation's id answers 404 (R12)."""
    return get_object_or_404(Invoice.objects.filter(organization=organization), pk=pk)


def organization_credit_note(*, organization, pk):
    """One credit note of the organisation, with its invoice; another organisation's id answers 404 (R12)."""
    return get_object_or_404(CreditNote.objects.filter(organization=organization).select_related("invoice"), pk=pk)


def invoice_for_reference(*, reference):
    """The invoice of a paid document (an order number), or None."""
    return Invoice.objects.filter(reference=reference).first()


def credit_note_for_refund(*, refund_id):
    """The credit note of a refund, with its invoice, or None."""
    return CreditNote.objects.filter(refund_id=refund_id).select_related("invoice").first()
