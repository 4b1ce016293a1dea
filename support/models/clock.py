"""The service-level clocks' history (R22): support.sla computes every figure from these events."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .requests import ServiceRequest


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class ClockEventKind(models.TextChoices):
    """What happened to a request's service-level clocks (support.sla reads the same values)."""

    STARTED = "started", _("Clock started")
    PAUSED = "paused", _("Clock paused: waiting on the partner")
    RESUMED = "resumed", _("Clock resumed")
    FIRST_RESPONSE = "first_response", _("First response sent")
    RESOLVED = "resolved", _("Resolved: clocks stopped")
    REOPENED = "reopened", _("Reopened: resolution clock running again")
    SEVERITY_CHANGED = "severity_changed", _("Severity changed: targets recomputed")
    WARNING_SENT = "warning_sent", _("Breach warning sent")


class ClockEvent(models.Model):
    """One event of the request's service-level clocks; the figures are computed from these alone.

    Staff-only history: no partner page shows it, so it names no page-cache owner.
    """

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.CASCADE, related_name="clock_events"
    )
    kind = models.CharField(_("event"), max_length=20, choices=ClockEventKind.choices)
    target = models.CharField(_("target"), max_length=20, choices=SlaTarget.choices, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Facts, not sentences: the severities of a change, the recipients of a warning.
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clock event")
        verbose_name_plural = _("service-level clock")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="sr_clock_event_idx")]
        constraints = [
            models.UniqueConstraint(fields=["request"], condition=models.Q(kind="started"), name="clock_one_start"),
            models.UniqueConstraint(
                fields=["request"], condition=models.Q(kind="first_response"), name="clock_one_first_response"
            ),
            # The 80 % warning is sent once per target, however often or concurrently the task runs.
            models.UniqueConstraint(
                fields=["request", "target"], condition=models.Q(kind="warning_sent"), name="clock_one_warning"
            ),
        ]

    def __str__(self):
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
