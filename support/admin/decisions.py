"""Cancellation decisions in Django admin, with who approved what (R23): read-only, as money rows are."""

from django.contrib import admin
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.admin import ReadOnlyAdmin
from partnerportal.money import format_money

from ..models import CancellationDecision, RefundApproval


def approvals_list(decision):
    """Each approval of the decision: who, what (kind and amount) and when; from prefetched rows."""
    approvals = list(decision.approvals.all())
    if not approvals:
        return "—"
    return format_html_join(
        "",
        '<span class="approval" data-step="{}">{}</span><br>',
        (
            (
                approval.step,
                gettext("%(step)d. %(who)s approved %(kind)s (%(amount)s) on %(when)s")
                % {
                    "step": approval.step,
                    "who": approval.approver,
                    "kind": approval.get_refund_kind_display(),
                    "amount": format_money(approval.amount, approval.currency),
                    "when": date_format(approval.approved_at, "DATETIME_FORMAT"),
                },
            )
            for approval in approvals
        ),
    )


class RefundApprovalInline(admin.TabularInline):
    model = RefundApproval
    extra = 0
    can_delete = False
    fields = ["step", "approver", "refund_kind", "amount", "currency", "approved_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("approver")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CancellationDecision)
class CancellationDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "request",
        "subscription",
        "refund_kind",
        "amount",
        "currency",
        "status",
        "approved_by",
        "decided_by",
        "decided_at",
    ]
    list_filter = ["status", "refund_kind"]
    list_select_related = ["request", "subscription__offer", "subscription__organization", "decided_by"]
    search_fields = ["=request__number"]
    inlines = [RefundApprovalInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("approvals__approver")

    @admin.display(description=_("approvals"))
    def approved_by(self, obj):
        return approvals_list(obj)
