"""Reads for billing; every query is filtered by the organisation (R12)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from partnerportal.fast_urls import object_url_maker, pinned_url_key
from partnerportal.i18n import choice_labels, localizer
from partnerportal.paging import paged
from partnerportal.sql import dict_rows

from . import order_lines
from .models import BillingProfile, CreditNote, Invoice, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus

# Billing > Billing history shows this many payments (with their refunds) a page.
BILLING_HISTORY_PER_PAGE = 25


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


def billing_currency_fixed(*, organization_id) -> bool:
    """R19: the billing currency is fixed once the organisation has paid anything (its first purchase)."""
    return Payment.objects.filter(organization_id=organization_id, status=PaymentStatus.SUCCEEDED).exists()


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


def billing_history_page(*, organization, page_number, per_page=BILLING_HISTORY_PER_PAGE):
    """One page of Billing history: payments newest first, each with its refunds; two queries on any page.

    The page is read-only, so rows are plain dicts: one query for the page's payments with their
    card, invoice, order line (the owner's joins, billing.order_lines) and the number of payments
    (partnerportal.paging); one for their refunds with credit notes. Both are SQL over the models'
    tables: built by the ORM (subqueries, joins) they cost five times the queries themselves.
    Labels, the offer's name in the reader's language and the links are set once per row.
    """
    line_select, line_joins = order_lines.sql("p.reference", HISTORY_FACTS)
    tables = {
        "payment": Payment._meta.db_table,
        "method": PaymentMethod._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "line_select": line_select,
        "line_joins": line_joins,
    }
    sql = (
        "SELECT p.id, p.reference, p.created_at, p.amount, p.currency, p.status, pm.last4 AS card_last4, "
        "i.id AS invoice_pk, i.number AS invoice_number, %(line_select)s, "
        "(SELECT COUNT(*) FROM %(payment)s WHERE organization_id = %%s) AS paging_total "
        "FROM %(payment)s p LEFT JOIN %(method)s pm ON pm.id = p.payment_method_id "
        "LEFT JOIN %(invoice)s i ON i.payment_id = p.id %(line_joins)s "
        "WHERE p.organization_id = %%s ORDER BY p.created_at DESC, p.id DESC LIMIT %%s OFFSET %%s" % tables
    )

    def fetch(offset, limit):
        return dict_rows(
            sql, [organization.pk, organization.pk, limit, offset], [Payment._meta.get_field("created_at")]
        )

    page = paged(fetch, page_number, per_page)
    with pinned_url_key():  # five routes: the URLconf and script prefix read once
        rows = _history_rows(page.object_list)
    page.object_list = rows
    return page


# What Billing history says of a payment's order line: the offer's name (billing.order_lines).
HISTORY_FACTS = ("offer_name_en", "offer_name_ru")


def _history_rows(payments):
    # Translated once per language in a process: a lazy label translates again on every str().
    payment_labels = choice_labels(PaymentStatus)
    # Each link's route reversed once per page (fast_urls): a page has three links a payment.
    receipt_url = object_url_maker("billing:receipt")
    invoice_links = _document_links("billing:invoice", "billing:invoice_pdf")
    localized = localizer()
    rows = []
    for payment in payments:
        line = order_lines.line(payment, HISTORY_FACTS) or {}
        rows.append(
            {
                "id": payment["id"],
                "reference": payment["reference"],
                "created_at": payment["created_at"],
                "amount": payment["amount"],
                "currency": payment["currency"],
                "status_label": payment_labels.get(payment["status"], payment["status"]),
                "payment_method__last4": payment["card_last4"],
                "offer_name": localized(line.get("offer_name_en"), line.get("offer_name_ru")),
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
    return rows


def _document_links(view_name, pdf_view_name):
    """A function of (pk, number): an invoice or credit note as the page links it, or None when there is none."""
    page_url, pdf_url = object_url_maker(view_name), object_url_maker(pdf_view_name)

    def document(pk, number):
        return None if pk is None else {"number": number, "url": page_url(pk), "pdf_url": pdf_url(pk)}

    return document


def reconciliation_rows(*, organization):
    """Every payment of the organisation, newest first, with its card, order line and refunds: two queries.

    Each payment is a dict of its columns, ``card_last4``, ``line`` (billing.order_lines.line, or
    None) and ``refunds`` (dicts, oldest first).
    """
    line_select, line_joins = order_lines.sql("p.reference")
    # R19: the net and the tax of a payment are its invoice's, those of a refund its credit note's.
    payments = dict_rows(
        "SELECT p.id, p.reference, p.created_at, p.succeeded_at, p.status, p.amount, p.currency, "
        "p.stripe_payment_intent_id, p.attempt, pm.last4 AS card_last4, "
        "i.net_amount, i.tax_amount, i.tax_rate, i.tax_reason, i.amount AS document_amount, %s "
        "FROM %s p LEFT JOIN %s pm ON pm.id = p.payment_method_id LEFT JOIN %s i ON i.payment_id = p.id %s "
        "WHERE p.organization_id = %%s ORDER BY p.created_at DESC, p.id DESC"
        % (line_select, Payment._meta.db_table, PaymentMethod._meta.db_table, Invoice._meta.db_table, line_joins),
        [organization.pk],
        [Payment._meta.get_field("created_at"), Payment._meta.get_field("succeeded_at")],
    )
    by_payment = {}
    for payment in payments:
        payment["line"] = order_lines.line(payment)
        payment["refunds"] = []
        by_payment[payment["id"]] = payment
    refunds = dict_rows(
        "SELECT r.payment_id, r.created_at, r.succeeded_at, r.status, r.amount, r.currency, r.stripe_refund_id, "
        "c.net_amount, c.tax_amount, c.tax_rate, c.tax_reason, c.amount AS document_amount "
        "FROM %s r JOIN %s p ON p.id = r.payment_id LEFT JOIN %s c ON c.refund_id = r.id "
        "WHERE p.organization_id = %%s ORDER BY r.created_at, r.id"
        % (Refund._meta.db_table, Payment._meta.db_table, CreditNote._meta.db_table),
        [organization.pk],
        [Refund._meta.get_field("created_at"), Refund._meta.get_field("succeeded_at")],
    )
    for refund in refunds:
        by_payment[refund["payment_id"]]["refunds"].append(refund)
    return payments


def organization_payment(*, organization, pk):
    """A payment and its order line (billing.order_lines.line), for its receipt; another organisation's id
    answers 404, and so does a payment whose reference names no line."""
    payment = get_object_or_404(
        Payment.objects.filter(organization=organization)
        .select_related("payment_method", "organization")
        .prefetch_related("refunds"),
        pk=pk,
    )
    line_select, line_joins = order_lines.sql("p.reference")
    rows = dict_rows(
        "SELECT %s FROM %s p %s WHERE p.id = %%s AND p.organization_id = %%s"
        % (line_select, Payment._meta.db_table, line_joins),
        [payment.pk, organization.pk],
    )
    line = order_lines.line(rows[0]) if rows else None
    if line is None:
        raise Http404("No order line for this payment.")
    return payment, line
