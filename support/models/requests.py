"""Service requests, their conversation, attachments and status history.

State changes happen only in support.services (the allowed status transitions live there, in one dict).
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from membership.models import Organization


class ProblemType(models.TextChoices):
    """The 'Type of problem' list of Partner Center support (seed section 5 names the first one)."""

    INVOICE_PAYMENT = "invoice_payment", _("Help with partner invoice, payment, or reconciliation file")
    ACTION_PACK = "action_pack", _("Action Pack subscription or internal-use rights")
    BENEFITS = "benefits", _("Partner benefits, licenses, or Azure credits")
    MEMBERSHIP = "membership", _("Membership or competencies")
    ACCOUNT = "account", _("Partner account, profile, or verification")
    USERS = "users", _("Users, roles, and permissions")
    SIGN_IN = "sign_in", _("Sign-in or access to Partner Center")
    OTHER = "other", _("Other Partner Center problem")


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MODERATE = "moderate", _("Moderate")
    MINIMAL = "minimal", _("Minimal")


class RequestStatus(models.TextChoices):
    # "Open" is also the seed's button label (Открыть); the status reads Открыт.
    OPEN = "open", pgettext_lazy("request status", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_ON_PARTNER = "waiting_on_partner", _("Waiting on partner")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class CancellationReason(models.TextChoices):
    """Why a partner asks to cancel; stored as the code so that staff can count them."""

    TOO_EXPENSIVE = "too_expensive", _("It is too expensive")
    NOT_USING_BENEFITS = "not_using_benefits", _("We are not using the benefits")
    OTHER_PROGRAMME = "other_programme", _("We are moving to another programme")
    BOUGHT_BY_MISTAKE = "bought_by_mistake", _("It was bought by mistake")
    OTHER = "other", _("Other")


class QuoteKind(models.TextChoices):
    """What cancelling would refund under R11 at the moment of the quote."""

    FULL = "full", _("Full refund")
    STAFF_DECIDE = "staff_decide", _("Staff decide: prorated or no refund")
    NOTHING_PAID = "nothing_paid", _("No payment to refund")


class ServiceRequest(models.Model):
    """A partner's service request; staff work the queue in Django admin."""

    # Set from the primary key right after the insert ("SR-000123"); unique, so never shared.
    number = models.CharField(_("number"), max_length=20, unique=True, null=True, blank=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="service_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="service_requests"
    )
    problem_type = models.CharField(_("type of problem"), max_length=30, choices=ProblemType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10000)
    subscription = models.ForeignKey(
        "offers.Subscription",
        verbose_name=_("subscription"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_requests",
    )
    order = models.ForeignKey(
        "offers.Order", verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wants_cancellation = models.BooleanField(_("wants the subscription cancelled"), default=False)
    cancellation_reason = models.CharField(
        _("reason for cancelling"), max_length=30, choices=CancellationReason.choices, blank=True
    )
    # The partner's own words, only when the reason is "other".
    cancellation_reason_other = models.TextField(_("other reason"), max_length=1000, blank=True)
    # The refund quote the partner saw when filing (R21), as facts rendered per reader: requests
    # filed before quotes were recorded have none (all null or blank).
    quote_kind = models.CharField(_("quoted refund"), max_length=20, choices=QuoteKind.choices, blank=True)
    quote_amount = models.PositiveIntegerField(_("quoted amount in minor units"), null=True, blank=True)
    quote_currency = models.CharField(_("quoted currency"), max_length=3, blank=True)
    quote_paid_on = models.DateField(_("quoted from the payment of"), null=True, blank=True)
    quote_day = models.PositiveIntegerField(_("quoted on day"), null=True, blank=True)
    quote_window_days = models.PositiveSmallIntegerField(_("full-refund window in days"), null=True, blank=True)
    quote_benefits_activated = models.BooleanField(_("benefits activated when quoted"), null=True, blank=True)
    quote_benefits_activated_on = models.DateField(_("benefits first activated on"), null=True, blank=True)
    quote_computed_at = models.DateTimeField(_("quoted at"), null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MODERATE)
    status = models.CharField(_("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_service_requests",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Service-level deadlines (R22), derived from the clock events by support.sla and rewritten with
    # each event: deadlines move only on events, so storing them makes the queue sortable and
    # filterable through an index. Null while a clock is paused or stopped.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True, editable=False)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True, editable=False)
    # The earlier of the two: what the queue sorts and filters by.
    sla_due_at = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    # When the next breach warning is owed (80 % of a running target not yet warned about).
    sla_warn_at = models.DateTimeField(_("warning due"), null=True, blank=True, editable=False)

    page_cache_owner = "organization_id"

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="service_request_cancellation_names_subscription",
                condition=models.Q(wants_cancellation=False) | models.Q(subscription__isnull=False),
            ),
            # A reason belongs to a cancellation, and free text only to the reason "other".
            models.CheckConstraint(
                name="service_request_reason_only_on_cancellation",
                condition=models.Q(wants_cancellation=True) | models.Q(cancellation_reason=""),
            ),
            models.CheckConstraint(
                name="service_request_reason_text_only_for_other",
                condition=models.Q(cancellation_reason="other") | models.Q(cancellation_reason_other=""),
            ),
        ]
        indexes = [
            # The staff queue: newest first, usually filtered by status and/or assignee.
            models.Index(fields=["status", "-created_at"], name="sr_status_created_idx"),
            models.Index(fields=["assignee", "status", "-created_at"], name="sr_assignee_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="sr_created_idx"),
            # The partner's list: one organisation's requests, newest first, the id breaking ties, so a
            # page stops after its rows instead of sorting all of them; filtered by status, the same.
            models.Index(fields=["organization", "-created_at", "-id"], name="sr_org_created_id_idx"),
            models.Index(fields=["organization", "status", "-created_at", "-id"], name="sr_org_status_created_idx"),
            # The staff queue's default order (time left) and its "breached"/"within 1 h" filters.
            models.Index(fields=["sla_due_at"], name="sr_sla_due_idx"),
            # The warning task's scan: only requests whose warning is owed.
            models.Index(fields=["sla_warn_at"], name="sr_sla_warn_idx"),
            # The staff's admin home: requests by state and deadline, and cancellations by reason.
            models.Index(fields=["status", "sla_due_at"], name="sr_status_sla_idx"),
            models.Index(
                fields=["cancellation_reason"], condition=~models.Q(cancellation_reason=""), name="sr_reason_idx"
            ),
        ]

    def __str__(self):
        return f"{self.number or '—'} {self.title}"

    def get_absolute_url(self):
        return reverse("support:request_detail", args=[self.pk])

    @property
    def is_cancellation(self):
        return self.wants_cancellation and self.subscription_id is not None


class RequestMessage(models.Model):
    """One entry of the conversation: a public reply (partner or staff) or a staff-only internal note."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=10000)
    is_internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Internal notes are visible to staff only.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    page_cache_owner = "request.organization_id"

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="sr_message_request_idx")]

    def __str__(self):
        return f"{self.request_id} – {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_from_staff(self):
        return bool(self.author_id and self.author.is_staff)


def attachment_upload_to(instance, filename):
    # Files are stored under a random-free, per-request folder; downloads go through a checked view.
    return f"support/{instance.request_id}/{filename}"


class Attachment(models.Model):
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        RequestMessage,
        verbose_name=_("message"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    page_cache_owner = "request.organization_id"

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("support:attachment_download", args=[self.request_id, self.pk])


class StatusChange(models.Model):
    """The request's status history: who moved it from what to what, and when."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=RequestStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    page_cache_owner = "request.organization_id"

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="sr_status_change_idx")]

    def __str__(self):
        return f"{self.from_status or '∅'} → {self.to_status}"
