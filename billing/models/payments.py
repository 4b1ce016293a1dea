"""Payment methods, payments, refunds and received Stripe events. Money is integer minor units.

Billing knows organisations, never what they buy: a payment names the document it pays (an order
number) by its ``reference``, and the owner of that document finds its payments by it.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from membership.models import Organization


class PaymentMethod(models.Model):
    """A card saved on the organisation's Stripe customer; the card data itself stays at Stripe."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="payment_methods"
    )
    stripe_payment_method_id = models.CharField(_("Stripe payment method id"), max_length=64, unique=True)
    # Stripe's fingerprint of the card number: the same card entered twice has the same one.
    fingerprint = models.CharField(_("card fingerprint"), max_length=64, blank=True)
    brand = models.CharField(_("brand"), max_length=20)
    last4 = models.CharField(_("last 4 digits"), max_length=4)
    exp_month = models.PositiveSmallIntegerField(_("expiry month"))
    exp_year = models.PositiveSmallIntegerField(_("expiry year"))
    is_default = models.BooleanField(_("default"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)
    # Removed cards stay for receipts and history; they can no longer be charged.
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("payment method")
        verbose_name_plural = _("payment methods")
        ordering = ["-is_default", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True, removed_at__isnull=True),
                name="payment_method_one_default_per_org",
            ),
            models.CheckConstraint(
                name="payment_method_month_valid", condition=models.Q(exp_month__gte=1, exp_month__lte=12)
            ),
        ]

    def __str__(self):
        return f"{self.brand.title()} ••{self.last4}"

    @property
    def is_usable(self):
        return self.removed_at is None

    def expires_before(self, day):
        """Whether the card's last valid day falls before the given date."""
        return (self.exp_year, self.exp_month) < (day.year, day.month)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Requires authentication")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    """One charge attempt for a document (an order), recorded before Stripe is called so a crash leaves a trace."""

    # The paid document's own number (an order number); one succeeded payment per reference (R5).
    reference = models.CharField(_("reference"), max_length=64)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="payments"
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    payment_method = models.ForeignKey(
        PaymentMethod,
        verbose_name=_("payment method"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )
    stripe_payment_intent_id = models.CharField(
        _("PaymentIntent id"), max_length=64, unique=True, null=True, blank=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    amount = models.PositiveIntegerField(_("amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    failure_code = models.CharField(_("failure code"), max_length=64, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "attempt"], name="payment_attempt_unique"),
            # R5: at most one successful charge per order.
            models.UniqueConstraint(
                fields=["reference"], condition=models.Q(status="succeeded"), name="payment_one_success_per_reference"
            ),
            models.CheckConstraint(name="payment_amount_positive", condition=models.Q(amount__gt=0)),
        ]
        # Billing history reads an organisation's payments newest first with the id as tie-break: with
        # the id in the index the page stops after its rows instead of sorting all of them (the sort
        # grew with the history).
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="payment_org_created_id_idx")]

    def __str__(self):
        return f"{self.reference} #{self.attempt}"

    def get_absolute_url(self):
        return reverse("billing:receipt", args=[self.pk])


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money returned on a payment; one per staff decision, keyed by that decision."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.PositiveIntegerField(_("amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices, default=RefundStatus.PENDING)
    stripe_refund_id = models.CharField(_("Stripe refund id"), max_length=64, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    failure_message = models.CharField(_("failure message"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(name="refund_amount_positive", condition=models.Q(amount__gt=0))]

    def __str__(self):
        return f"Refund {self.amount} {self.currency} on {self.payment_id}"


class WebhookEvent(models.Model):
    """A Stripe event received once; the unique id makes a redelivery a no-op."""

    stripe_event_id = models.CharField(_("event id"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=100)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.stripe_event_id}"
