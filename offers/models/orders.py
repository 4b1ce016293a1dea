"""Orders: what an organisation buys or renews, and the wizard's server-side state."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Payment, PaymentMethod, TaxReason
from membership.models import Organization

from .catalogue import Offer, TermsAcceptance
from .subscriptions import Subscription


class OrderKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    RENEWAL = "renewal", _("Renewal")
    AUTO_RENEWAL = "auto_renewal", _("Automatic renewal")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROCESSING = "processing", _("Processing")
    REQUIRES_ACTION = "requires_action", _("Awaiting authentication")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    ABANDONED = "abandoned", _("Abandoned")


class Order(models.Model):
    """A purchase or renewal; its wizard state lives here on the server, never in form fields."""

    number = models.CharField(_("order number"), max_length=32, unique=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="orders"
    )
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="orders")
    kind = models.CharField(_("kind"), max_length=20, choices=OrderKind.choices, default=OrderKind.PURCHASE)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    terms_acceptance = models.ForeignKey(
        TermsAcceptance,
        verbose_name=_("terms acceptance"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    payment_method = models.ForeignKey(
        PaymentMethod,
        verbose_name=_("payment method"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
    )
    # What is charged: net + tax (R19). The tax snapshot is the one of the day the order was priced
    # (offers.rules.order_price); an order from before R19 has no reason and its net is its amount.
    amount = models.PositiveIntegerField(_("amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    net_amount = models.PositiveIntegerField(_("net amount in minor units"), default=0)
    tax_amount = models.PositiveIntegerField(_("tax in minor units"), default=0)
    tax_rate = models.DecimalField(_("VAT rate in percent"), max_digits=5, decimal_places=2, default=0)
    tax_reason = models.CharField(_("tax reason"), max_length=20, choices=TaxReason.choices, blank=True)
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            # R5: one paid order per subscription term.
            models.UniqueConstraint(
                fields=["subscription", "term_start"],
                condition=models.Q(status="paid"),
                name="order_one_paid_per_subscription_term",
            ),
            # One automatic-renewal order per term; its retries are further payments of that order.
            models.UniqueConstraint(
                fields=["subscription", "term_start"],
                condition=models.Q(kind="auto_renewal"),
                name="order_one_auto_renewal_per_term",
            ),
            models.CheckConstraint(
                name="order_amount_is_net_plus_tax",
                condition=models.Q(tax_reason="") | models.Q(amount=models.F("net_amount") + models.F("tax_amount")),
            ),
            models.CheckConstraint(
                name="order_paid_has_time", condition=~models.Q(status="paid") | models.Q(paid_at__isnull=False)
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="order_org_created_idx")]

    def __str__(self):
        return self.number

    @property
    def payments(self):
        """The charge attempts of this order; billing keys them by the order number."""
        return Payment.objects.filter(reference=self.number)
