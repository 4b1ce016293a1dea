"""Reads of orders and what was paid for them; every query is filtered by the organisation (R12)."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404

from billing.models import CreditNote, Invoice, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
from partnerportal.fast_urls import object_url_maker
from partnerportal.i18n import choice_labels
from partnerportal.paging import paged
from partnerportal.sql import dict_rows

from ..models import Offer, Order
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

    The page is read-only, so rows are plain dicts: one query for the page's payments with their
    card, invoice, the offer of the order each paid (joined by number, as billing keys them) and the
    number of payments (partnerportal.paging); one for their refunds with credit notes. Both are SQL
    over the models' tables: built by the ORM (subqueries, joins) they cost five times the queries
    themselves. Labels, the offer's name in the reader's language and the links are set once per row.
    """
    tables = {
        "payment": Payment._meta.db_table,
        "method": PaymentMethod._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "order": Order._meta.db_table,
        "offer": Offer._meta.db_table,
    }
    sql = (
        "SELECT p.id, p.reference, p.created_at, p.amount, p.currency, p.status, pm.last4 AS card_last4, "
        "i.id AS invoice_pk, i.number AS invoice_number, ofr.name AS offer_name_en, ofr.name_ru AS offer_name_ru, "
        "(SELECT COUNT(*) FROM %(payment)s WHERE organization_id = %%s) AS paging_total "
        "FROM %(payment)s p LEFT JOIN %(method)s pm ON pm.id = p.payment_method_id "
        "LEFT JOIN %(invoice)s i ON i.payment_id = p.id LEFT JOIN %(order)s o ON o.number = p.reference "
        "LEFT JOIN %(offer)s ofr ON ofr.id = o.offer_id "
        "WHERE p.organization_id = %%s ORDER BY p.created_at DESC, p.id DESC LIMIT %%s OFFSET %%s" % tables
    )

    def fetch(offset, limit):
        return dict_rows(
            sql, [organization.pk, organization.pk, limit, offset], [Payment._meta.get_field("created_at")]
        )

    page = paged(fetch, page_number, per_page)
    # Translated once per language in a process: a lazy label translates again on every str().
    payment_labels = choice_labels(PaymentStatus)
    # Each link's route reversed once per page (fast_urls): a page has three links a payment.
    receipt_url = object_url_maker("history:receipt")
    invoice_links = _document_links("billing:invoice", "billing:invoice_pdf")
    rows = []
    for payment in page.object_list:
        rows.append(
            {
                "id": payment["id"],
                "reference": payment["reference"],
                "created_at": payment["created_at"],
                "amount": payment["amount"],
                "currency": payment["currency"],
                "status_label": payment_labels.get(payment["status"], payment["status"]),
                "payment_method__last4": payment["card_last4"],
                "offer_name": localized_value(payment["offer_name_en"], payment["offer_name_ru"]),
                "receipt_url": receipt_url(payment["id"]) if payment["status"] == PaymentStatus.SUCCEEDED else "",
                "document": invoice_links(payment["invoice_pk"], payment["invoice_number"]),
                "refunds": [],
            }
        )
    if rows:
        by_payment = {row["id"]: row for row in rows}
        refund_labels = choice_labels(RefundStatus)
        credit_note_links = _document_links("billing:credit_note", "billing:credit_note_pdf")
        refunds = dict_rows(
            "SELECT r.id, r.payment_id, r.created_at, r.amount, r.currency, r.status, cn.id AS credit_note_pk, "
            "cn.number AS credit_note_number FROM %s r LEFT JOIN %s cn ON cn.refund_id = r.id "
            "WHERE r.payment_id IN (%s) ORDER BY r.created_at, r.id"
            % (Refund._meta.db_table, CreditNote._meta.db_table, ", ".join(["%s"] * len(rows))),
            list(by_payment),
            [Refund._meta.get_field("created_at")],
        )
        for refund in refunds:
            by_payment[refund["payment_id"]]["refunds"].append(
                {
                    "created_at": refund["created_at"],
                    "amount": refund["amount"],
                    "currency": refund["currency"],
                    "status_label": refund_labels.get(refund["status"], refund["status"]),
                    "document": credit_note_links(refund["credit_note_pk"], refund["credit_note_number"]),
                }
            )
    page.object_list = rows
    return page


def _document_links(view_name, pdf_view_name):
    """A function of (pk, number): an invoice or credit note as the page links it, or None when there is none."""
    page_url, pdf_url = object_url_maker(view_name), object_url_maker(pdf_view_name)

    def document(pk, number):
        return None if pk is None else {"number": number, "url": page_url(pk), "pdf_url": pdf_url(pk)}

    return document


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
