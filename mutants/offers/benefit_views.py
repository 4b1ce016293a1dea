"""The Action Pack benefits page and its actions: activate, issue a key, assign and release a seat."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from membership.decorators import role_required
from membership.permissions import Action
from membership.selectors import users_who_can

from .benefit_forms import SeatAssignForm
from .models import BenefitKind, OfferBenefit
from .selectors import organization_seat_assignment, organization_subscription_for_benefits, subscription_benefit_rows
from .services import benefit_activate as benefit_activate_service
from .services import license_key_issue
from .services import seat_assign as seat_assign_service
from .services import seat_release as seat_release_service


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@role_required(Action.VIEW)
def benefits(request):
    organization = request.user.organization
    subscription = organization_subscription_for_benefits(organization=organization)
    rows = subscription_benefit_rows(subscription=subscription) if subscription is not None else []
    return render(
        request,
        "offers/benefits/benefits.html",
        {
            "subscription": subscription,
            "offer_name": subscription.offer.localized("name") if subscription is not None else "",
            "rows": rows,
            "seat_form": SeatAssignForm(organization=organization),
            "who_can_activate": users_who_can(organization=organization, action=Action.ACTIVATE_BENEFITS),
        },
    )


def _benefit_target(request, benefit_id):
    subscription = organization_subscription_for_benefits(organization=request.user.organization)
    if subscription is None:
        return None, None
    benefit = get_object_or_404(OfferBenefit, pk=benefit_id, offer_id=subscription.offer_id)
    return subscription, benefit


@role_required(Action.ACTIVATE_BENEFITS)
@require_POST
def benefit_activate(request, benefit_id):
    subscription, benefit = _benefit_target(request, benefit_id)
    if subscription is None:
        messages.error(request, _("Your organisation has no Action Pack subscription."))
        return redirect("benefits:list")
    try:
        if benefit.kind == BenefitKind.LICENSE:
            key = license_key_issue(actor=request.user, subscription=subscription, benefit=benefit)
            messages.success(request, _("License key issued: %(key)s") % {"key": key.key})
        else:
            benefit_activate_service(actor=request.user, subscription=subscription, benefit=benefit)
            messages.success(request, _("%(benefit)s is activated.") % {"benefit": benefit.localized("name")})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("benefits:list")


@role_required(Action.ACTIVATE_BENEFITS)
@require_POST
def seat_assign(request, benefit_id):
    subscription, benefit = _benefit_target(request, benefit_id)
    if subscription is None:
        messages.error(request, _("Your organisation has no Action Pack subscription."))
        return redirect("benefits:list")
    form = SeatAssignForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        messages.error(request, _("Choose an active user of your organisation."))
        return redirect("benefits:list")
    try:
        seat = seat_assign_service(
            actor=request.user, subscription=subscription, benefit=benefit, user=form.cleaned_data["user"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("Seat %(seat)s assigned to %(user)s.") % {"seat": seat.seat, "user": seat.user.display_name}
        )
    return redirect("benefits:list")


@role_required(Action.ACTIVATE_BENEFITS)
@require_POST
def seat_release(request, pk):
    assignment = organization_seat_assignment(organization=request.user.organization, assignment_id=pk)
    try:
        seat_release_service(actor=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Seat released."))
    return redirect("benefits:list")
