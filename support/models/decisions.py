"""Staff's cancellation decisions (R11) and the approvals that let a refund go out (R23)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .requests import ServiceRequest


class RefundKind(models.TextChoices):
    NONE = "none", _("No refund")
    PRORATED = "prorated", _("Prorated refund")
    FULL = "full", _("Full refund")


class DecisionStatus(models.TextChoices):
    # A refund above settings.REFUND_SECOND_APPROVAL_ABOVE waits here for a second staff member (R23).
    AWAITING_APPROVAL = "awaiting", _("Waiting for a second approval")
    PENDING = "pending", _("Processing")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class CancellationDecision(models.Model):
    """Staff's decision on a cancellation request; its key is the refund's idempotency key."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.PROTECT, related_name="decisions"
    )
    subscription = models.ForeignKey(
        "offers.Subscription", verbose_name=_("subscription"), on_delete=models.PROTECT, related_name="+"
    )
    payment = models.ForeignKey(
        "billing.Payment",
        verbose_name=_("refunded payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    refund_kind = models.CharField(_("refund"), max_length=10, choices=RefundKind.choices)
    amount = models.PositiveIntegerField(_("refund amount in minor units"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    failure_message = models.CharField(_("failure message"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    # When the decision last went ahead (its processing started); a first approval's time is on its row.
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    # Fixed when the decision is made (1, or 2 above the threshold), so a later change of the setting
    # does not change what an approval already given is worth.
    approvals_required = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Who turned down a decision waiting for its second approval (nothing was refunded).
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    refund = models.OneToOneField(
        "billing.Refund", verbose_name=_("refund"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    page_cache_owner = "request.organization_id"

    class Meta:
        verbose_name = _("cancellation decision")
        verbose_name_plural = _("cancellation decisions")
        ordering = ["-decided_at", "-id"]
        permissions = [("process_refund", _("Can process cancellations and refund payments"))]
        constraints = [
            # One request yields at most one completed decision (one cancellation, one refund) ...
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(status="completed"), name="decision_one_completed_per_request"
            ),
            # ... and at most one in flight, so a double click or a second staff member cannot start another.
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(status="pending"), name="decision_one_pending_per_request"
            ),
            # ... and at most one waiting for its second approval.
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(status="awaiting"), name="decision_one_awaiting_per_request"
            ),
            models.CheckConstraint(
                name="decision_one_or_two_approvals", condition=models.Q(approvals_required__in=[1, 2])
            ),
            models.CheckConstraint(
                name="decision_amount_matches_kind",
                condition=models.Q(refund_kind="none", amount=0)
                | (~models.Q(refund_kind="none") & models.Q(amount__gt=0)),
            ),
        ]

    def __str__(self):
        return f"{self.request} – {self.get_refund_kind_display()}"

    @property
    def key(self):
        """The refund's idempotency key: one decision, one refund, whatever the retries."""
        return f"cancellation-decision-{self.pk}"


class RefundApproval(models.Model):
    """One staff member's approval of a decision: who, when, and what (kind and amount) they approved.

    A decision goes ahead when it has ``approvals_required`` of these; the constraints make the second
    one come from another staff member, and allow no third. Staff-only: no partner page shows it, so it
    names no page-cache owner.
    """

    decision = models.ForeignKey(
        CancellationDecision, verbose_name=_("decision"), on_delete=models.PROTECT, related_name="approvals"
    )
    step = models.PositiveSmallIntegerField(_("approval"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    refund_kind = models.CharField(_("refund"), max_length=10, choices=RefundKind.choices)
    amount = models.PositiveIntegerField(_("approved amount in minor units"))
    currency = models.CharField(_("currency"), max_length=3)
    approved_at = models.DateTimeField(_("approved at"), default=timezone.now)

    class Meta:
        verbose_name = _("refund approval")
        verbose_name_plural = _("approvals")
        ordering = ["step"]
        constraints = [
            # Four eyes: the two approvals of a decision come from two different staff users.
            models.UniqueConstraint(fields=["decision", "approver"], name="approval_one_per_staff_member"),
            models.UniqueConstraint(fields=["decision", "step"], name="approval_one_per_step"),
            models.CheckConstraint(name="approval_first_or_second", condition=models.Q(step__in=[1, 2])),
        ]

    def __str__(self):
        return f"{self.decision_id} #{self.step} {self.approver}"
