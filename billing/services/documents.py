"""Invoices and credit notes (R15): issued inside the transaction that records the money.

Numbers run without gaps per series and calendar year: the next one is taken under a row lock on
the series' counter for that year, in the caller's transaction, so a rollback gives the number
back and two payments settled at the same moment wait for each other instead of sharing or
skipping one. The unique (year, sequence) constraint of each table makes a repeat impossible
whatever the code does. The counter is the last row a settlement locks (after the order and the
payment), so it cannot take part in a lock cycle.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from membership.models import Organization

from ..models import BillingProfile, CreditNote, DocumentCounter, DocumentSeries, Invoice, Payment, Refund
from ..tax import tax_share

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InvoiceLine:
    """What was bought, as the owner of the order knows it (billing never reads the catalogue)."""

    item_code: str
    item_name_en: str
    item_name_ru: str = ""
    term_start: datetime.date | None = None
    term_end: datetime.date | None = None
    # R19's snapshot of the order (its net + tax is the payment's amount); no reason: before R19, untaxed.
    net_amount: int | None = None
    tax_amount: int = 0
    tax_rate: Decimal = Decimal("0")
    tax_reason: str = ""

    def tax_fields(self, amount: int) -> dict:
        """The document's tax columns for a payment of ``amount``."""
        if not self.tax_reason:
            return {}
        net, tax = self.net_amount or 0, self.tax_amount
        if net + tax != amount:
            # A payment of an earlier price of the order (an attempt settled late): the order's rate
            # applies to what was actually charged, so the invoice still adds up to the money.
            logger.warning("Invoice line %s: net %s + tax %s is not the payment's %s", self.item_code, net, tax, amount)
            tax = int((Decimal(amount) * self.tax_rate / (100 + self.tax_rate)).quantize(Decimal(1), ROUND_HALF_UP))
            net = amount - tax
        return {
            "net_amount": net,
            "tax_amount": tax,
            "tax_rate": self.tax_rate,
            "tax_reason": self.tax_reason,
        }


def document_number_next(*, series: str, year: int) -> tuple[int, str]:
    """The next sequence of the series in the year and its printed number (INV-2026-000001).

    Call it inside the transaction that saves the document: the counter row stays locked until
    that transaction ends.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_number_next must run inside the document's transaction")
    DocumentCounter.objects.get_or_create(series=series, year=year)
    counter = DocumentCounter.objects.select_for_update().get(series=series, year=year)
    counter.last_sequence += 1
    counter.save(update_fields=["last_sequence"])
    return counter.last_sequence, "%s-%d-%06d" % (series, year, counter.last_sequence)


def _seller():
    return {
        "seller_name": settings.SELLER_NAME,
        "seller_address": settings.SELLER_ADDRESS,
        "seller_tax_id": settings.SELLER_TAX_ID,
    }


def _buyer(organization_id):
    """The buyer as the billing profile says today; the organisation's name when it has none yet.

    An automatic renewal of a subscription bought before profiles existed is still invoiced (R15).
    """
    profile = BillingProfile.objects.filter(organization_id=organization_id).first()
    if profile is None:
        return {"buyer_name": Organization.objects.values_list("name", flat=True).get(pk=organization_id)}
    return {
        "buyer_name": profile.legal_name,
        "buyer_street": profile.street,
        "buyer_city": profile.city,
        "buyer_postal_code": profile.postal_code,
        "buyer_country": str(profile.country),
        "buyer_tax_id": profile.tax_id,
        "buyer_contact_email": profile.billing_contact_email,
        "purchase_order": profile.purchase_order,
    }


def invoice_issue(*, payment: Payment, line: InvoiceLine) -> Invoice:
    """The invoice of a succeeded payment; issuing it again returns the one already issued."""
    with transaction.atomic():
        existing = Invoice.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        today = timezone.localdate()
        sequence, number = document_number_next(series=DocumentSeries.INVOICE, year=today.year)
        invoice = Invoice(
            organization_id=payment.organization_id,
            payment=payment,
            reference=payment.reference,
            number=number,
            year=today.year,
            sequence=sequence,
            issue_date=today,
            item_code=line.item_code[:64],
            item_name_en=line.item_name_en[:200],
            item_name_ru=line.item_name_ru[:200],
            term_start=line.term_start,
            term_end=line.term_end,
            amount=payment.amount,
            currency=payment.currency,
            **line.tax_fields(payment.amount),
            **_seller(),
            **_buyer(payment.organization_id),
        )
        invoice.full_clean(validate_constraints=False)
        invoice.save()
    return invoice


def credit_note_issue(*, refund: Refund) -> CreditNote | None:
    """The credit note of a succeeded refund, referring to its payment's invoice.

    It repeats the parties and the line of the invoice it corrects. A payment settled before
    invoices existed has none to refer to: nothing is issued then (logged).
    """
    with transaction.atomic():
        existing = CreditNote.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        invoice = Invoice.objects.filter(payment_id=refund.payment_id).first()
        if invoice is None:
            logger.warning("Refund %s: payment %s has no invoice, so no credit note", refund.pk, refund.payment_id)
            return None
        today = timezone.localdate()
        sequence, number = document_number_next(series=DocumentSeries.CREDIT_NOTE, year=today.year)
        copied = {
            name: getattr(invoice, name)
            for name in (
                "seller_name",
                "seller_address",
                "seller_tax_id",
                "buyer_name",
                "buyer_street",
                "buyer_city",
                "buyer_postal_code",
                "buyer_country",
                "buyer_tax_id",
                "buyer_contact_email",
                "purchase_order",
                "item_code",
                "item_name_en",
                "item_name_ru",
                "term_start",
                "term_end",
            )
        }
        tax = {}
        if invoice.tax_reason:
            # The refund's share of the invoice's tax, half up; the rest of it is net (R19).
            share = tax_share(refund.amount, total=invoice.amount, total_tax=invoice.tax_amount)
            tax = {
                "net_amount": share.net,
                "tax_amount": share.tax,
                "tax_rate": invoice.tax_rate,
                "tax_reason": invoice.tax_reason,
            }
        note = CreditNote(
            organization_id=refund.organization_id,
            invoice=invoice,
            refund=refund,
            number=number,
            year=today.year,
            sequence=sequence,
            issue_date=today,
            amount=refund.amount,
            currency=refund.currency,
            **tax,
            **copied,
        )
        note.full_clean(validate_constraints=False)
        note.save()
    return note
