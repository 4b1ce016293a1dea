"""The request form and the inlines of a service request page (messages, attachments, history, decisions)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..canned_replies import unfilled_placeholders
from ..models import (
    Attachment,
    CancellationDecision,
    ClockEvent,
    RequestMessage,
    ServiceRequest,
    Severity,
    StatusChange,
)
from .decisions import approvals_list


class ServiceRequestAdminForm(forms.ModelForm):
    class Meta:
        model = ServiceRequest
        fields = ["problem_type", "severity", "status", "assignee"]

    def clean_status(self):
        # The instance still holds the saved status here; the move must be one TRANSITIONS allows.
        new = self.cleaned_data["status"]
        old = self.instance.status
        if self.instance.pk and new != old:
            try:
                services.check_transition(old, new)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return new

    def clean_assignee(self):
        assignee = self.cleaned_data.get("assignee")
        if assignee is not None and not assignee.is_staff:
            raise forms.ValidationError(gettext("Only staff can be assigned to a service request."))
        return assignee


class ParentPermissionsMixin:
    """Inline rows are part of the request: whoever may view or change the request may see them."""

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("support.view_servicerequest") or request.user.has_perm(
            "support.change_servicerequest"
        )

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("support.change_servicerequest")

    def has_change_permission(self, request, obj=None):
        return False  # written history stays as it is

    def has_delete_permission(self, request, obj=None):
        return False


class RequestMessageForm(forms.ModelForm):
    class Meta:
        model = RequestMessage
        fields = ["body", "is_internal"]

    def clean(self):
        cleaned = super().clean()
        left = unfilled_placeholders(cleaned.get("body") or "")
        if left and not cleaned.get("is_internal"):
            # A canned reply's placeholder the request had no value for: staff write it in or remove it.
            self.add_error(
                "body",
                gettext("Replace or remove these placeholders before sending: %(names)s")
                % {"names": ", ".join("{%s}" % name for name in left)},
            )
        return cleaned


class RequestMessageInline(ParentPermissionsMixin, admin.StackedInline):
    """Replies and internal notes; written ones stay as they are, new ones go through the service."""

    model = RequestMessage
    form = RequestMessageForm
    extra = 1
    can_delete = False
    fields = ["body", "is_internal", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    verbose_name = _("reply or internal note")
    verbose_name_plural = _("conversation")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class AttachmentInline(ParentPermissionsMixin, admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["download", "size", "content_type", "message", "uploaded_by", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.pk is None:  # a row posted back with an id that names no attachment of this request
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), obj.original_name)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by", "message")

    def has_add_permission(self, request, obj=None):
        return False


class StatusChangeInline(ParentPermissionsMixin, admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["from_status", "to_status", "changed_by", "note", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request, obj=None):
        return False


class ClockEventInline(ParentPermissionsMixin, admin.TabularInline):
    """The service-level clock's history: every start, pause, resumption, stop and warning."""

    model = ClockEvent
    extra = 0
    can_delete = False
    fields = ["kind", "target", "actor", "details", "at"]
    readonly_fields = fields

    @admin.display(description=_("details"))
    def details(self, obj):
        data = obj.data or {}
        if "from" in data and "to" in data:
            labels = dict(Severity.choices)
            return "%s → %s" % (labels.get(data["from"], data["from"]), labels.get(data["to"], data["to"]))
        if "recipients" in data:
            return ngettext("%(count)d recipient", "%(count)d recipients", len(data["recipients"])) % {
                "count": len(data["recipients"])
            }
        return ""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False


class CancellationDecisionInline(ParentPermissionsMixin, admin.TabularInline):
    model = CancellationDecision
    extra = 0
    can_delete = False
    fields = [
        "refund_kind",
        "amount",
        "currency",
        "status",
        "approvals",
        "failure_message",
        "refund",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("approvals"))
    def approvals(self, obj):
        return approvals_list(obj)

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("decided_by", "refund").prefetch_related("approvals__approver")
        )

    def has_add_permission(self, request, obj=None):
        return False
