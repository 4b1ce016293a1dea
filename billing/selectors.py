"""Reads for billing; every query is filtered by the organisation (R12)."""

from django.shortcuts import get_object_or_404

from partnerportal.sql import dict_rows

from .models import BillingProfile, CreditNote, Invoice, PaymentMethod


def usable_payment_methods(*, organization):
    """Cards that can still be charged, default first."""
    return PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True).order_by(
        "-is_default", "-created_at", "-id"
    )


def card_list(*, organization):
    """The usable cards as Billing shows them (brand, last4, expiry, default), default first: plain rows.

    The same cards as usable_payment_methods, read in SQL: the page lists them on every request, and
    the ORM's compiler cost several times the query.
    """
    return dict_rows(
        "SELECT id, brand, last4, exp_month, exp_year, is_default FROM %s "
        "WHERE organization_id = %%s AND removed_at IS NULL ORDER BY is_default DESC, created_at DESC, id DESC"
        % PaymentMethod._meta.db_table,
        [organization.pk],
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
