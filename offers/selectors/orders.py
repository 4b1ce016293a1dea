"""Reads of orders and what was paid for them; every query is filtered by the organisation (R12)."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404

from billing.models import Payment, PaymentStatus, Refund, RefundStatus
from partnerportal.fast_urls import object_url
from partnerportal.paging import page_of

from ..models import Order
from ..models.catalogue import localized_value

# Billing > Billing history shows this many payments (with their refunds) a page.
BILLING_HISTORY_PER_PAGE = 25


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


def billing_history_page(*, organization, page_number, per_page=BILLING_HISTORY_PER_PAGE):
    """One page of Billing history: payments newest first, each with its refunds; two queries on any page.

    The page is read-only, so rows are plain dicts from ``values()`` (no model instances): one query
    for the page's payments with their card, invoice, the offer of the order each paid (looked up by
    number as billing keys them) and the number of payments (partnerportal.paging); one for their
    refunds with credit notes. Labels, the offer's name in the reader's language and the links are
    set here once per row.
    """
    order = Order.objects.filter(number=OuterRef("reference"))
    payments = (
        Payment.objects.filter(organization=organization)
        .order_by("-created_at", "-id")
        .values(
            "id",
            "reference",
            "created_at",
            "amount",
            "currency",
            "status",
            "payment_method__last4",
            "invoice__id",
            "invoice__number",
        )
        .annotate(
            offer_name_en=Subquery(order.values("offer__name")[:1]),
            offer_name_ru=Subquery(order.values("offer__name_ru")[:1]),
        )
    )
    page = page_of(payments, page_number, per_page)
    refunds = {}
    refund_rows = (
        Refund.objects.filter(payment_id__in=[row["id"] for row in page.object_list])
        .order_by("created_at", "id")
        .values("payment_id", "created_at", "amount", "currency", "status", "credit_note__id", "credit_note__number")
    )
    refund_labels, payment_labels = dict(RefundStatus.choices), dict(PaymentStatus.choices)
    for refund in refund_rows:
        refund["status_label"] = refund_labels.get(refund["status"], refund["status"])
        refund["document"] = _document(refund, "credit_note", "billing:credit_note", "billing:credit_note_pdf")
        refunds.setdefault(refund["payment_id"], []).append(refund)
    for row in page.object_list:
        row["offer_name"] = localized_value(row["offer_name_en"], row["offer_name_ru"])
        row["status_label"] = payment_labels.get(row["status"], row["status"])
        row["receipt_url"] = (
            object_url("history:receipt", row["id"]) if row["status"] == PaymentStatus.SUCCEEDED else ""
        )
        row["document"] = _document(row, "invoice", "billing:invoice", "billing:invoice_pdf")
        row["refunds"] = refunds.get(row["id"], [])
    return page


def _document(row, prefix, view_name, pdf_view_name):
    """The invoice or credit note of a row as the page links it, or None when it has none."""
    pk = row[prefix + "__id"]
    if pk is None:
        return None
    return {
        "number": row[prefix + "__number"],
        "url": object_url(view_name, pk),
        "pdf_url": object_url(pdf_view_name, pk),
    }


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
