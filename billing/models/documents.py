"""Invoices and credit notes (R15): numbered without gaps per calendar year, with the facts of their day.

A document copies everything it shows when it is issued (the seller from settings, the buyer's
billing profile, the line the owner of the order passed in), so a later change of the profile, the
settings or the catalogue never changes an issued document.
"""

from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from membership.models import Organization

from .payments import Payment, Refund
from .tax import TaxReason, tax_mention


class DocumentSeries(models.TextChoices):
    INVOICE = "INV", _("Invoice")
    CREDIT_NOTE = "CN", _("Credit note")


class DocumentCounter(models.Model):
    """The last number given in a series and year; its row is locked while the next one is taken."""

    series = models.CharField(_("series"), max_length=3, choices=DocumentSeries.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last_sequence = models.PositiveIntegerField(_("last sequence"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="document_counter_unique")]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last_sequence}"


class Document(models.Model):
    """What an invoice and a credit note share: number, parties and the line, as they were that day."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="%(class)ss"
    )
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issue_date = models.DateField(_("date of issue"))
    seller_name = models.CharField(_("seller"), max_length=200)
    seller_address = models.TextField(_("seller's address"), blank=True)
    seller_tax_id = models.CharField(_("seller's tax ID"), max_length=32, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_street = models.CharField(_("buyer's street address"), max_length=200, blank=True)
    buyer_city = models.CharField(_("buyer's city"), max_length=100, blank=True)
    buyer_postal_code = models.CharField(_("buyer's postal code"), max_length=20, blank=True)
    buyer_country = models.CharField(_("buyer's country"), max_length=2, blank=True)
    buyer_tax_id = models.CharField(_("buyer's tax ID"), max_length=32, blank=True)
    buyer_contact_email = models.EmailField(_("buyer's billing contact"), blank=True)
    purchase_order = models.CharField(_("purchase-order number"), max_length=35, blank=True)
    item_code = models.CharField(_("item code"), max_length=64)
    item_name_en = models.CharField(_("item (English)"), max_length=200)
    item_name_ru = models.CharField(_("item (Russian)"), max_length=200, blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    # The gross (net + tax): what was charged or given back (R19). A document from before R19 has no
    # tax reason, and its net is its amount.
    amount = models.PositiveIntegerField(_("amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    net_amount = models.PositiveIntegerField(_("net amount in minor units"), default=0)
    tax_amount = models.PositiveIntegerField(_("tax in minor units"), default=0)
    tax_rate = models.DecimalField(_("VAT rate in percent"), max_digits=5, decimal_places=2, default=0)
    tax_reason = models.CharField(_("tax reason"), max_length=20, choices=TaxReason.choices, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        abstract = True
        ordering = ["-issued_at", "-id"]

    def __str__(self):
        return self.number

    @property
    def net(self) -> int:
        """The net of the line and of the total (a document from before R19: its amount)."""
        return self.net_amount if self.tax_reason else self.amount

    @property
    def tax_mention(self) -> str:
        """The legal mention of the document's tax reason, in the reader's language (R19)."""
        return tax_mention(self.tax_reason)

    @property
    def item_name(self):
        """The line's name in the active language (the reader's)."""
        if translation.get_language() == "ru" and self.item_name_ru:
            return self.item_name_ru
        return self.item_name_en


class Invoice(Document):
    """The invoice of one paid order (its payment); the order is named by its number (``reference``)."""

    payment = models.OneToOneField(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="invoice")
    reference = models.CharField(_("order number"), max_length=64)

    class Meta(Document.Meta):
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            # R15: gap-free numbers per year are given under the counter's lock; this makes a repeat impossible.
            models.UniqueConstraint(fields=["year", "sequence"], name="invoice_year_sequence_unique"),
            models.UniqueConstraint(fields=["reference"], name="invoice_one_per_order"),
            models.CheckConstraint(name="invoice_amount_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="invoice_amount_is_net_plus_tax",
                condition=models.Q(tax_reason="") | models.Q(amount=models.F("net_amount") + models.F("tax_amount")),
            ),
            models.CheckConstraint(name="invoice_sequence_positive", condition=models.Q(sequence__gt=0)),
        ]

    def get_absolute_url(self):
        return reverse("billing:invoice", args=[self.pk])

    def get_pdf_url(self):
        return reverse("billing:invoice_pdf", args=[self.pk])


class CreditNote(Document):
    """Money given back on an invoice: one per succeeded refund."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    refund = models.OneToOneField(
        Refund, verbose_name=_("refund"), on_delete=models.PROTECT, related_name="credit_note"
    )

    class Meta(Document.Meta):
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="credit_note_year_sequence_unique"),
            models.CheckConstraint(name="credit_note_amount_positive", condition=models.Q(amount__gt=0)),
            models.CheckConstraint(
                name="credit_note_amount_is_net_plus_tax",
                condition=models.Q(tax_reason="") | models.Q(amount=models.F("net_amount") + models.F("tax_amount")),
            ),
            models.CheckConstraint(name="credit_note_sequence_positive", condition=models.Q(sequence__gt=0)),
        ]

    def get_absolute_url(self):
        return reverse("billing:credit_note", args=[self.pk])

    def get_pdf_url(self):
        return reverse("billing:credit_note_pdf", args=[self.pk])
