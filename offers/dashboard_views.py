"""The dashboard and the membership overview: the partner's tiers, which include the Action Pack subscription."""

from django.shortcuts import render
from django.utils import timezone

from membership.decorators import partner_required, role_required
from membership.forms import EnrolForm
from membership.permissions import Action
from partnerportal.page_cache import cached_page

from .selectors import membership_overview, organization_tiers


@partner_required
@cached_page("dashboard")
def dashboard(request):
    tiers = organization_tiers(organization=request.user.organization)
    return render(
        request, "offers/dashboard/dashboard.html", {"tiers": tiers, "enrol_form": EnrolForm()}, using="jinja2"
    )


@role_required(Action.VIEW)
@cached_page("overview")
def overview(request):
    return render(
        request,
        "offers/dashboard/overview.html",
        {"overview": membership_overview(organization=request.user.organization), "today": timezone.localdate()},
    )
