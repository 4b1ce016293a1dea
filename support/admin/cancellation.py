"""Process cancellation, a page of the request's admin: R11's eligibility, the decision, its approvals (R23).

Finance staff (``support.process_refund``) choose a refund, review it on an intermediate page and
confirm. A refund above ``settings.REFUND_SECOND_APPROVAL_ABOVE`` then waits for a second approval by
another member of finance staff, on this same page; the service enforces both rules, the page only
hides what the reader may not do.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext

from partnerportal.ids import parse_id
from partnerportal.money import format_money

from .. import services
from ..models import DecisionStatus, RefundKind
from ..quote_text import change_sentence, quote_computed_on, quote_sentence, quote_short

TEMPLATE = "admin/support/servicerequest/process_cancellation.html"


class ProcessCancellationMixin:
    """The process-cancellation view of ServiceRequestAdmin."""

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/process-cancellation/",
                self.admin_site.admin_view(self.process_cancellation_view),
                name="support_servicerequest_process_cancellation",
            )
        ]
        return custom + super().get_urls()

    def process_cancellation_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or obj.subscription_id is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        can_refund = request.user.has_perm(services.REFUND_PERMISSION)
        change_url = reverse("admin:support_servicerequest_change", args=[obj.pk])
        quote = services.cancellation_quote(service_request=obj)
        decisions = obj.decisions.select_related("refund", "decided_by").prefetch_related("approvals__approver")
        completed = next((d for d in decisions if d.status == DecisionStatus.COMPLETED), None)
        awaiting = next((d for d in decisions if d.status == DecisionStatus.AWAITING_APPROVAL), None)
        last_failed = next((d for d in decisions if d.status == DecisionStatus.FAILED), None)
        approved_by_me = awaiting is not None and any(
            a.approver_id == request.user.pk for a in awaiting.approvals.all()
        )
        kinds = [(kind, label, quote.amount_for(kind)) for kind, label in RefundKind.choices]
        context = {
            **self._quote_comparison(obj, quote),
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": gettext("Process cancellation of %(number)s") % {"number": obj.number},
            "quote": quote,
            "kinds": kinds,
            "completed": completed,
            "awaiting": awaiting if completed is None else None,
            "approved_by_me": approved_by_me,
            "last_failed": last_failed if completed is None and awaiting is None else None,
            "can_refund": can_refund,
            "change_url": change_url,
            "default_kind": awaiting.refund_kind
            if awaiting
            else (RefundKind.FULL if quote.full_eligible else RefundKind.PRORATED),
            "full_within_days": settings.REFUND_FULL_WITHIN_DAYS,
            "second_approval_above": format_money(settings.REFUND_SECOND_APPROVAL_ABOVE, quote.currency),
        }
        if request.method == "POST" and completed is None:
            if not can_refund:
                raise PermissionDenied(
                    gettext("Only staff with the billing permission can process cancellations and refunds.")
                )
            if request.POST.get("reject"):
                return self._reject(request, obj)
            kind = request.POST.get("refund_kind", "")
            if kind not in RefundKind.values:
                messages.error(request, gettext("Choose a refund option."))
                return TemplateResponse(request, TEMPLATE, context)
            amount = quote.amount_for(kind)
            if not request.POST.get("post"):
                # Django admin's own pattern (delete_selected): an intermediate page that posts the
                # choice again with post=yes, so nothing moves money before staff confirm it.
                return self._cancellation_confirmation(request, obj, context, kind=kind, amount=amount)
            expected = parse_id(request.POST.get("expected_amount"))
            if expected is None:
                # The reviewed amount did not come back: the choice must be reviewed again.
                messages.error(
                    request, gettext("The amount has changed since you reviewed it. Review the decision again.")
                )
                return HttpResponseRedirect(request.path)
            try:
                decision = services.cancellation_process(
                    service_request=obj, refund_kind=kind, actor=request.user, expected_amount=expected
                )
            except services.CancellationError as exc:
                messages.error(request, gettext("The cancellation was not completed: %(error)s") % {"error": exc})
                return HttpResponseRedirect(request.path)
            if decision.status == DecisionStatus.AWAITING_APPROVAL:
                messages.success(
                    request,
                    gettext(
                        "Your approval of %(kind)s (%(amount)s) is recorded. A refund above %(threshold)s "
                        "needs a second approval by another member of finance staff: nothing is refunded "
                        "until then."
                    )
                    % {
                        "kind": decision.get_refund_kind_display(),
                        "amount": format_money(decision.amount, decision.currency),
                        "threshold": format_money(settings.REFUND_SECOND_APPROVAL_ABOVE, decision.currency),
                    },
                )
                return HttpResponseRedirect(change_url)
            messages.success(
                request, gettext("Subscription cancelled and request %(number)s resolved.") % {"number": obj.number}
            )
            return HttpResponseRedirect(change_url)
        return TemplateResponse(request, TEMPLATE, context)

    def _reject(self, request, obj):
        try:
            services.cancellation_reject(service_request=obj, actor=request.user)
        except services.CancellationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("The decision was rejected; nothing was refunded. Decide again."))
        return HttpResponseRedirect(request.path)

    def _quote_comparison(self, obj, quote):
        """The quote the partner saw when filing, beside today's eligibility, and why they differ."""
        recorded = services.recorded_quote(obj)
        if recorded is None:
            return {"recorded_quote": None}
        today = services.refund_quote_from(quote, computed_at=timezone.now())
        changes = services.quote_changes(recorded=recorded, current=today)
        return {
            "recorded_quote": quote_sentence(recorded),
            "quote_summary": gettext("Quoted on %(date)s: %(then)s; today: %(now)s.")
            % {"date": quote_computed_on(recorded), "then": quote_short(recorded), "now": quote_short(today)},
            "quote_changes": [change_sentence(change) for change in changes],
        }

    def _cancellation_confirmation(self, request, obj, context, *, kind, amount):
        """The intermediate page: what will happen, and the choice posted again with post=yes."""
        awaiting, failed = context["awaiting"], context["last_failed"]
        second = awaiting is not None and (awaiting.refund_kind, awaiting.amount) == (kind, amount)
        # A retry of a failed decision already approved enough needs no new approval.
        retry = (
            failed is not None
            and (failed.refund_kind, failed.amount) == (kind, amount)
            and len(failed.approvals.all()) >= failed.approvals_required
        )
        return TemplateResponse(
            request,
            "admin/support/servicerequest/process_cancellation_confirmation.html",
            {
                **context,
                "title": gettext("Confirm the cancellation of %(number)s") % {"number": obj.number},
                "process_url": request.path,
                "chosen_kind": kind,
                "chosen_label": RefundKind(kind).label,
                "chosen_amount": amount,
                # Above the threshold and not yet approved by anyone: this approval is the first of two.
                "first_of_two": not (second or retry) and services.approvals_needed(amount) > 1,
                "second_approval": second,
            },
        )
