"""The dashboard and the membership overview: the partner's tiers, which include the Action Pack subscription."""

from django.shortcuts import render
from django.utils import timezone

from membership.decorators import partner_required, role_required
from membership.forms import EnrolForm
from membership.permissions import Action
from partnerportal.page_cache import deferred

from .selectors import membership_overview, organization_tiers


@partner_required
def dashboard(request):
    # Read only when the page's cached part misses (partnerportal/templatetags/page_cache.py).
    dashboard = deferred(lambda: {"tiers": organization_tiers(organization=request.user.organization)})
    return render(request, "offers/dashboard/dashboard.html", {"dashboard": dashboard, "enrol_form": EnrolForm()})


@role_required(Action.VIEW)
def overview(request):
    return render(
        request,
        "offers/dashboard/overview.html",
        {
            "page": deferred(lambda: {"overview": membership_overview(organization=request.user.organization)}),
            "today": timezone.localdate(),
        },
    )
