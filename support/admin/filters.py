"""List filters and the paginator of the staff queue."""

import datetime
import re

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from membership.models import User
from partnerportal.ids import parse_id

from .. import sla

NUMBER_SEARCH = re.compile(r"(?:SR-?)?(\d{1,9})", re.IGNORECASE)


class CappedCountPaginator(Paginator):
    """Count at most CAP rows, so a page of a 100,000-row queue never pays for a full COUNT(*).

    The count runs as COUNT(*) over a LIMITed subquery of primary keys; past the cap the queue shows
    CAP rows' worth of pages, and staff narrow it with filters or search (which is how a queue is used).
    """

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by().values("pk")[: self.CAP].count()


class AgeFilter(admin.SimpleListFilter):
    title = _("age")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("1d", _("Less than a day")),
            ("7d", _("1 to 7 days")),
            ("30d", _("7 to 30 days")),
            ("older", _("More than 30 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        day = datetime.timedelta(days=1)
        ranges = {
            "1d": (now - day, None),
            "7d": (now - 7 * day, now - day),
            "30d": (now - 30 * day, now - 7 * day),
            "older": (None, now - 30 * day),
        }
        if self.value() not in ranges:
            return queryset
        newer_than, older_than = ranges[self.value()]
        if newer_than is not None:
            queryset = queryset.filter(created_at__gte=newer_than)
        if older_than is not None:
            queryset = queryset.filter(created_at__lt=older_than)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Assignee: me, nobody, or a staff member (from the small staff table, not the big queue)."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        choices = [("me", _("Me")), ("none", _("Nobody"))]
        staff = User.objects.filter(is_staff=True).order_by("email").values_list("pk", "email")
        return choices + [(str(pk), email) for pk, email in staff]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        assignee_id = parse_id(value)
        if assignee_id is not None:
            return queryset.filter(assignee_id=assignee_id)
        return queryset


class ServiceLevelFilter(admin.SimpleListFilter):
    """Requests by their earliest running deadline: breached, or breaching within one business hour.

    The hour is a business hour, like the targets: at 17:45 on a Friday a request due at 09:30 on
    Monday breaches within it. Both read the stored, indexed deadline.
    """

    title = _("service level")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("soon", _("Breaching within 1 h")), ("breached", _("Breached"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(sla_due_at__lte=now)
        if self.value() == "soon":
            within = sla.business_add(sla.calendar_from_settings(), now, datetime.timedelta(hours=1))
            return queryset.filter(sla_due_at__gt=now, sla_due_at__lte=within)
        return queryset
