"""Reads of orders, and what an order line says for billing's pages; every query is filtered by the organisation (R12)."""

from django.shortcuts import get_object_or_404

from billing.order_lines import OrderLineSQL

from ..models import Offer, Order


def organization_order(*, organization, pk):
    """One of the organisation's orders; another organisation's id answers 404."""
    return get_object_or_404(
        Order.objects.filter(organization=organization).select_related(
            "offer", "payment_method", "subscription", "terms_acceptance__terms"
        ),
        pk=pk,
    )


def order_line_sql():
    """What an order line says, as SQL for billing's own queries (registered in OffersConfig.ready()).

    Billing keys a payment by its order's number and cannot import offers; see billing.order_lines
    for the contract. The joins follow the number's unique index, so a page of payments reads its
    lines in the same query.
    """
    return OrderLineSQL(
        joins="LEFT JOIN %s line_order ON line_order.number = {reference} "
        "LEFT JOIN %s line_offer ON line_offer.id = line_order.offer_id" % (Order._meta.db_table, Offer._meta.db_table),
        columns={
            "kind": "line_order.kind",
            "offer_code": "line_offer.code",
            "offer_name_en": "line_offer.name",
            "offer_name_ru": "line_offer.name_ru",
            "term_start": "line_order.term_start",
            "term_end": "line_order.term_end",
        },
    )
