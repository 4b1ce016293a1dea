"""The staff workflow in Django admin: the service request queue, its actions, a request's page and canned replies.

Processing a cancellation (the decision and its approvals) is in ``cancellation``; its pages hang off this admin.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from membership.models import Organization, User
from partnerportal.ids import parse_id

from .. import selectors, services, sla
from ..canned_replies import canned_reply_fill
from ..models import (
    RequestMessage,
    RequestStatus,
    ServiceRequest,
    SlaTarget,
)
from ..quote_text import quote_computed_on, quote_sentence
from .cancellation import ProcessCancellationMixin
from .filters import NUMBER_SEARCH, AgeFilter, AssigneeFilter, CappedCountPaginator, ServiceLevelFilter
from .inlines import (
    AttachmentInline,
    CancellationDecisionInline,
    ClockEventInline,
    RequestMessageInline,
    ServiceRequestAdminForm,
    StatusChangeInline,
)


def _duration(value: datetime.timedelta) -> str:
    """Business time as hours and minutes ("26 h 05 min"): a business day is not 24 hours."""
    minutes = int(value.total_seconds() // 60)
    return gettext("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _status_action(to_status):
    def action(modeladmin, request, queryset):
        moved, refused = 0, []
        for service_request in queryset:
            try:
                services.request_change_status(service_request=service_request, to_status=to_status, actor=request.user)
            except ValidationError:
                refused.append(service_request.number)
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request, gettext("%(count)d request(s) updated.") % {"count": moved}, messages.SUCCESS
            )
        if refused:
            modeladmin.message_user(
                request,
                gettext("Not allowed from their current status: %(numbers)s") % {"numbers": ", ".join(refused)},
                messages.ERROR,
            )

    action.__name__ = f"mark_{to_status}"
    return admin.action(description=_("Mark as: %(status)s") % {"status": RequestStatus(to_status).label})(action)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ProcessCancellationMixin, admin.ModelAdmin):
    form = ServiceRequestAdminForm
    change_form_template = "admin/support/servicerequest/change_form.html"
    list_display = [
        "number",
        "title",
        "organization",
        "requester_email",
        "problem_type",
        "severity",
        "status",
        "assignee",
        "time_left",
        "age",
    ]
    list_display_links = ["number", "title"]
    list_filter = [
        "status",
        ServiceLevelFilter,
        "problem_type",
        "severity",
        "cancellation_reason",
        AssigneeFilter,
        AgeFilter,
    ]
    # Exact number, organisation name, requester e-mail.
    search_fields = ["=number", "organization__name", "requester__email"]
    search_help_text = _("Search by request number (SR-000123), organisation name or requester e-mail.")
    list_select_related = ["organization", "requester", "assignee"]
    list_per_page = 50
    show_full_result_count = False
    paginator = CappedCountPaginator
    # The least time left first (overdue ones lead); requests with no running clock (paused, resolved)
    # after them, newest first. The deadline is stored and indexed (support.services.clock).
    ordering = [F("sla_due_at").asc(nulls_last=True), "-created_at", "-id"]
    actions = [
        "assign_to_me",
        _status_action(RequestStatus.IN_PROGRESS),
        _status_action(RequestStatus.WAITING_ON_PARTNER),
        _status_action(RequestStatus.RESOLVED),
        _status_action(RequestStatus.CLOSED),
    ]
    readonly_fields = [
        "number",
        "organization",
        "requester",
        "title",
        "description",
        "subscription_link",
        "order",
        "wants_cancellation",
        "reason_for_cancelling",
        "quoted_refund",
        "created_at",
        "updated_at",
        "resolved_at",
        "closed_at",
        "service_level",
    ]
    fieldsets = [
        (None, {"fields": ["number", "organization", "requester", "title", "description"]}),
        (
            _("Subscription"),
            {"fields": ["subscription_link", "wants_cancellation", "reason_for_cancelling", "quoted_refund", "order"]},
        ),
        (_("Handling"), {"fields": ["problem_type", "severity", "status", "assignee"]}),
        (_("Service level"), {"fields": ["service_level"]}),
        (_("Dates"), {"fields": ["created_at", "updated_at", "resolved_at", "closed_at"]}),
    ]
    inlines = [
        RequestMessageInline,
        AttachmentInline,
        StatusChangeInline,
        ClockEventInline,
        CancellationDecisionInline,
    ]

    def get_search_results(self, request, queryset, search_term):
        """One indexed lookup per kind of term, instead of Django's OR over every field.

        "SR-000123" or "123" → the number (unique index); "name@…" → the requester's e-mail;
        anything else → organisation name or e-mail. Each narrows through an index or a small table.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        match = NUMBER_SEARCH.fullmatch(term)
        if match:
            return queryset.filter(number=f"SR-{int(match.group(1)):06d}"), False
        # Match in the small tables first, then reach the queue through its foreign-key indexes.
        users = User.objects.filter(email__icontains=term).values("pk")
        if "@" in term:
            return queryset.filter(requester_id__in=users), False
        organizations = Organization.objects.filter(name__icontains=term).values("pk")
        return queryset.filter(Q(organization_id__in=organizations) | Q(requester_id__in=users)), False

    @admin.display(description=_("requester e-mail"), ordering="requester__email")
    def requester_email(self, obj):
        return obj.requester.email

    @admin.display(description=_("age"), ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description=_("time left"), ordering=F("sla_due_at").asc(nulls_last=True))
    def time_left(self, obj):
        """Business time to the earliest running deadline, from the stored deadline (no query)."""
        left = selectors.sla_time_left(due_at=obj.sla_due_at, now=timezone.now())
        if left is None:
            if obj.status == RequestStatus.WAITING_ON_PARTNER:
                return format_html('<span class="sla-paused">{}</span>', gettext("Paused"))
            return "—"
        if left < datetime.timedelta(0):
            return format_html(
                '<strong class="sla-overdue">{}</strong>', gettext("overdue by %(time)s") % {"time": _duration(-left)}
            )
        return format_html('<span class="sla-left">{}</span>', gettext("%(time)s left") % {"time": _duration(left)})

    @admin.display(description=_("clocks"))
    def service_level(self, obj):
        """Both targets of the request, computed from its clock events at this moment."""
        if obj.pk is None:
            return "—"
        states = {
            sla.NOT_STARTED: gettext("Not started"),
            sla.RUNNING: gettext("Running"),
            sla.CLOCK_PAUSED: gettext("Paused: waiting on the partner"),
            sla.STOPPED: gettext("Stopped"),
        }
        targets = dict(SlaTarget.choices)
        zone = ZoneInfo(settings.STAFF_TIME_ZONE)
        rows = []
        for target, clock in selectors.request_clocks(service_request=obj, now=timezone.now()).items():
            if clock.left < datetime.timedelta(0):
                left = gettext("overdue by %(time)s") % {"time": _duration(-clock.left)}
            else:
                left = gettext("%(time)s left") % {"time": _duration(clock.left)}
            due = date_format(clock.due_at.astimezone(zone), "DATETIME_FORMAT") if clock.due_at else "—"
            rows.append((target, targets[target], states[clock.state], _duration(clock.budget), left, due))
        return format_html(
            '<table class="sla-clocks"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>'
            '</thead><tbody>{}</tbody></table><p class="help">{}</p>',
            gettext("Target"),
            gettext("State"),
            gettext("Allowed"),
            gettext("Time left"),
            gettext("Due"),
            format_html_join(
                "",
                '<tr id="sla-{}"><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                rows,
            ),
            gettext("Business hours in %(zone)s; the clocks stop while the request waits on the partner.")
            % {"zone": settings.STAFF_TIME_ZONE},
        )

    @admin.display(description=_("subscription"))
    def subscription_link(self, obj):
        if not obj.subscription_id:
            return "—"
        subscription = obj.subscription
        url = reverse("admin:offers_subscription_change", args=[subscription.pk])
        return format_html(
            '<a href="{}">{}</a> — <strong id="subscription-status">{}</strong>',
            url,
            str(subscription),
            subscription.status_label,
        )

    @admin.display(description=_("reason for cancelling"))
    def reason_for_cancelling(self, obj):
        if not obj.cancellation_reason:
            return "—"
        if obj.cancellation_reason_other:
            return format_html("{} — <q>{}</q>", obj.get_cancellation_reason_display(), obj.cancellation_reason_other)
        return obj.get_cancellation_reason_display()

    @admin.display(description=_("refund quoted to the partner"))
    def quoted_refund(self, obj):
        quote = services.recorded_quote(obj)
        if quote is None:
            return "—"
        return gettext("On %(date)s: %(quote)s") % {"date": quote_computed_on(quote), "quote": quote_sentence(quote)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organization", "requester", "assignee")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True).order_by("email")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "assignee" and hasattr(field.widget, "can_add_related"):
            # Pick a colleague; creating or editing users is not part of answering a request.
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_delete_related = field.widget.can_view_related = False
        return field

    def has_add_permission(self, request):
        return False  # partners file requests; staff answer them

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        count = 0
        for service_request in queryset:
            services.request_assign(service_request=service_request, assignee=request.user, actor=request.user)
            count += 1
        self.message_user(
            request, gettext("%(count)d request(s) assigned to you.") % {"count": count}, messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        new_status = obj.status
        status_changed = "status" in form.changed_data
        assignee_changed = "assignee" in form.changed_data
        severity_changed = "severity" in form.changed_data
        # Only the plain fields are saved here; severity, status and assignee go through the services.
        obj.save(update_fields=["problem_type", "updated_at"])
        if severity_changed:
            services.request_change_severity(service_request=obj, severity=obj.severity, actor=request.user)
        if assignee_changed:
            services.request_assign(service_request=obj, assignee=obj.assignee, actor=request.user)
        if status_changed:
            try:
                services.request_change_status(service_request=obj, to_status=new_status, actor=request.user)
            except ValidationError as exc:
                # Someone else moved it meanwhile and this move is no longer allowed.
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not RequestMessage:
            return super().save_formset(request, form, formset, change)
        for message in formset.save(commit=False):
            if message.pk is None:
                created = services.message_add(
                    service_request=form.instance,
                    author=request.user,
                    body=message.body,
                    is_internal=message.is_internal,
                )
                message.pk = created.pk

    # --- Canned replies --------------------------------------------------------------------------

    def _canned_reply(self, request, obj):
        """The canned reply the staff member chose (``?canned_reply=<id>``), filled for this request."""
        if obj is None or request.method != "GET":
            return None
        reply_id = parse_id(request.GET.get("canned_reply"))
        canned = selectors.canned_replies_offered().filter(pk=reply_id).first() if reply_id else None
        if canned is None:
            return None
        return canned_reply_fill(canned_reply=canned, service_request=obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RequestMessageInline):
            filled = getattr(request, "_canned_reply", None)
            if filled is not None:
                # The reply form starts with the filled text; staff edit it and send it with Save.
                kwargs["initial"] = [{"body": filled.text}]
        return kwargs

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        request._canned_reply = filled = self._canned_reply(request, obj)
        if filled is not None and filled.missing:
            messages.warning(
                request,
                gettext("This request has no value for: %(names)s. Write it in or remove it before sending.")
                % {"names": ", ".join("{%s}" % name for name in filled.missing)},
            )
        extra_context = {
            **(extra_context or {}),
            "canned_replies": selectors.canned_replies_offered() if obj is not None else (),
            "canned_reply_chosen": parse_id(request.GET.get("canned_reply")),
            "canned_reply_language": filled.language if filled else "",
        }
        return super().change_view(request, object_id, form_url, extra_context)
