"""Subscriptions and the reminders sent for each term (R9); their timeline (R13) is the activity log's entries about them."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from membership.models import Organization
from partnerportal.i18n import choice_labels

from ..timeline import ReminderKind, TimelineKind  # noqa: F401  (TimelineKind: re-exported by offers.models)
from .catalogue import Offer


class SubscriptionStatus(models.TextChoices):
    # A context of their own: Russian agrees them with "подписка" (feminine), unlike the same
    # English words used for users or competencies elsewhere.
    ACTIVE = "active", pgettext_lazy("subscription status", "Active")
    PAST_DUE = "past_due", pgettext_lazy("subscription status", "Past due")
    EXPIRED = "expired", pgettext_lazy("subscription status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("subscription status", "Cancelled")


LIVE_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class Subscription(models.Model):
    """An organisation's subscription to an offer; state changes only through offers.services."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(
        _("status"), max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    auto_renew = models.BooleanField(_("automatic renewal"), default=True)
    started_on = models.DateField(_("first purchased on"))
    current_period_start = models.DateField(_("current term starts"))
    current_period_end = models.DateField(_("current term ends"))
    # What the last purchase or renewal charged (R19: net + tax), shown as the next charge. A renewal
    # charges the price and the tax of its own day (offers.rules.renewal_price).
    price_amount = models.PositiveIntegerField(_("price in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    payment_method = models.ForeignKey(
        "billing.PaymentMethod",
        verbose_name=_("card for renewals"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    renewal_attempts = models.PositiveSmallIntegerField(_("failed renewal attempts"), default=0)
    next_renewal_attempt_on = models.DateField(_("next renewal attempt"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        constraints = [
            # R3: one live subscription to an offer per organisation.
            models.UniqueConstraint(
                fields=["organization", "offer"],
                condition=models.Q(status__in=["active", "past_due"]),
                name="subscription_one_live_per_org_offer",
            ),
            models.CheckConstraint(
                name="subscription_period_ordered",
                condition=models.Q(current_period_end__gt=models.F("current_period_start")),
            ),
        ]
        indexes = [
            # The daily sweep selects live subscriptions by end date.
            models.Index(fields=["status", "current_period_end"], name="subscription_due_idx"),
            # The staff's admin home (support.programme): live terms ending within 30 days, read from
            # the index alone, and the months' new, cancelled and expired subscriptions.
            models.Index(
                fields=["current_period_end", "auto_renew", "currency", "price_amount"],
                condition=models.Q(status="active"),
                name="subscription_active_end_idx",
            ),
            models.Index(fields=["started_on"], name="subscription_started_idx"),
            models.Index(
                fields=["cancelled_at"],
                condition=models.Q(cancelled_at__isnull=False),
                name="subscription_cancelled_idx",
            ),
            models.Index(
                fields=["expired_at"], condition=models.Q(expired_at__isnull=False), name="subscription_expired_idx"
            ),
        ]

    def __str__(self):
        return f"{self.offer} – {self.organization}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("subscriptions:detail", args=[self.pk])

    @property
    def status_label(self) -> str:
        """The status in the reader's language: ``get_status_display``, without rebuilding the choices each call."""
        return choice_labels(SubscriptionStatus).get(self.status, self.status)

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES


class Reminder(models.Model):
    """One reminder of a kind per subscription term (R9); the constraint makes a second send impossible."""

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ReminderKind.choices)
    term_end = models.DateField(_("term end"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    page_cache_owner = "subscription.organization_id"

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "kind", "term_end"], name="reminder_once_per_term")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.term_end})"
