"""Action Pack benefits: the license key pool, activations, seats and monthly credits."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import OfferBenefit
from .subscriptions import Subscription


class LicenseKey(models.Model):
    """One product key in the pool staff keep for a license benefit; issued to at most one subscription."""

    benefit = models.ForeignKey(
        OfferBenefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="license_keys"
    )
    key = models.CharField(_("key"), max_length=100, unique=True)
    issued_to_subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("issued to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="license_keys",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    page_cache_owner = "issued_to_subscription.organization_id"

    class Meta:
        verbose_name = _("license key")
        verbose_name_plural = _("license keys")
        ordering = ["benefit", "pk"]
        constraints = [
            models.CheckConstraint(
                name="license_key_issued_fields_together",
                condition=(
                    models.Q(issued_to_subscription__isnull=True, issued_at__isnull=True)
                    | models.Q(issued_to_subscription__isnull=False, issued_at__isnull=False)
                ),
            ),
        ]
        indexes = [models.Index(fields=["benefit", "issued_to_subscription"], name="license_key_pool_idx")]

    def __str__(self):
        return f"{self.benefit} – {self.masked}"

    @property
    def masked(self):
        return "•••••-" + self.key[-5:]


class BenefitActivation(models.Model):
    """An activated benefit that is on or off (developer tools, the account, the monthly credit)."""

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="benefit_activations",
    )
    benefit = models.ForeignKey(
        OfferBenefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="activations"
    )
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("activated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    activated_at = models.DateTimeField(_("activated at"), default=timezone.now)

    page_cache_owner = "subscription.organization_id"

    class Meta:
        verbose_name = _("benefit activation")
        verbose_name_plural = _("benefit activations")
        ordering = ["-activated_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "benefit"], name="benefit_activation_once"),
        ]

    def __str__(self):
        return f"{self.benefit} – {self.subscription}"


class SeatAssignment(models.Model):
    """A seat of a seat benefit given to a named user of the organisation.

    The seat number ranges over 1..quantity (the service picks a free one under a lock on the
    subscription row); the unique (subscription, benefit, seat) constraint makes it impossible
    for two assignments to share a seat, so the count can never pass the quantity.
    """

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="seat_assignments",
    )
    benefit = models.ForeignKey(
        OfferBenefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="seat_assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="seat_assignments"
    )
    seat = models.PositiveSmallIntegerField(_("seat number"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    page_cache_owner = "subscription.organization_id"

    class Meta:
        verbose_name = _("seat assignment")
        verbose_name_plural = _("seat assignments")
        ordering = ["benefit", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "benefit", "seat"], name="seat_unique_number"),
            models.UniqueConstraint(fields=["subscription", "benefit", "user"], name="seat_one_per_user"),
            models.CheckConstraint(name="seat_number_positive", condition=models.Q(seat__gte=1)),
        ]

    def __str__(self):
        return f"{self.benefit} #{self.seat} – {self.user}"


class CreditGrant(models.Model):
    """One month's cloud credit for a subscription; unique per month, so a second run adds nothing."""

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="credit_grants"
    )
    benefit = models.ForeignKey(
        OfferBenefit, verbose_name=_("benefit"), on_delete=models.PROTECT, related_name="credit_grants"
    )
    month = models.DateField(_("month"))  # always the first day of the month
    amount = models.PositiveIntegerField(_("amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    created_at = models.DateTimeField(_("granted at"), default=timezone.now)

    page_cache_owner = "subscription.organization_id"

    class Meta:
        verbose_name = _("credit grant")
        verbose_name_plural = _("credit grants")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "month"], name="credit_grant_once_per_month"),
            models.CheckConstraint(name="credit_grant_first_of_month", condition=models.Q(month__day=1)),
        ]

    def __str__(self):
        return f"{self.subscription} – {self.month:%Y-%m}"
