"""Views for users and invitations, the membership overview, benefits and the activity log (issue 6)."""

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .decorators import role_required
from .forms import AcceptInvitationForm, ActivityFilterForm, InvitationForm, MemberRolesForm, SeatAssignForm
from .permissions import Action
from .selectors import (
    membership_overview,
    organization_activity,
    organization_invitation,
    organization_seat_assignment,
    organization_subscription_for_benefits,
    organization_user,
    subscription_benefit_rows,
    users_who_can,
)
from .services import (
    benefit_activate as benefit_activate_service,
    invitation_accept as invitation_accept_service,
    invitation_create,
    invitation_from_token,
    invitation_revoke as invitation_revoke_service,
    license_key_issue,
    member_deactivate,
    member_reactivate,
    member_roles_update,
    seat_assign as seat_assign_service,
    seat_release as seat_release_service,
)


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- users and invitations --------------------------------------------------------------------

@role_required(Action.MANAGE_USERS)
def invite(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                roles=form.cleaned_data["roles"],
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("membership:users")
    return render(request, "membership/invite.html", {"form": form})


@role_required(Action.MANAGE_USERS)
@require_POST
def invitation_revoke(request, pk):
    invitation = organization_invitation(organization=request.user.organization, invitation_id=pk)
    invitation_revoke_service(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("membership:users")


def invitation_accept(request, token):
    """The invitee's page: set a name and a password, then sign in."""
    try:
        invitation = invitation_from_token(token)
    except ValidationError as exc:
        status = 410 if getattr(exc, "code", None) in ("expired", "used", "revoked") else 400
        return render(request, "membership/invitation_invalid.html", {"error": _error_text(exc)}, status=status)
    if request.user.is_authenticated:
        # Someone already signed in (maybe in another organisation) must not join through this link.
        return render(request, "membership/invitation_signed_in.html", {"invitation": invitation}, status=409)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation_accept_service(
                token=token,
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password1"],
                language=translation.get_language() or None,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) in ("expired", "used", "revoked", "invalid", "exists"):
                return render(request, "membership/invitation_invalid.html", {"error": _error_text(exc)}, status=410)
            form.add_error("password1", exc)
        else:
            messages.success(request, _("Your account is ready. Sign in with your e-mail address and new password."))
            return redirect("login")
    return render(request, "membership/invitation_accept.html", {"invitation": invitation, "form": form})


@role_required(Action.MANAGE_USERS)
@require_POST
def user_roles(request, pk):
    member = organization_user(organization=request.user.organization, user_id=pk)
    form = MemberRolesForm(request.POST)
    if form.is_valid():
        try:
            member_roles_update(actor=request.user, member=member, roles=form.cleaned_data["roles"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Roles saved."))
    else:
        messages.error(request, _("Choose valid roles."))
    if member.pk == request.user.pk:
        request.user._role_cache = None
    return redirect("membership:user_detail", pk=member.pk)


@role_required(Action.MANAGE_USERS)
@require_POST
def user_deactivate(request, pk):
    member = organization_user(organization=request.user.organization, user_id=pk)
    try:
        member_deactivate(actor=request.user, member=member)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("%(name)s is deactivated and signed out everywhere.") % {"name": member.display_name})
    return redirect("membership:user_detail", pk=member.pk)


@role_required(Action.MANAGE_USERS)
@require_POST
def user_reactivate(request, pk):
    member = organization_user(organization=request.user.organization, user_id=pk)
    member_reactivate(actor=request.user, member=member)
    messages.success(request, _("%(name)s can sign in again.") % {"name": member.display_name})
    return redirect("membership:user_detail", pk=member.pk)


# --- membership overview ----------------------------------------------------------------------

@role_required(Action.VIEW)
def overview(request):
    return render(
        request,
        "membership/overview.html",
        {"overview": membership_overview(organization=request.user.organization), "today": timezone.localdate()},
    )


# --- benefits ---------------------------------------------------------------------------------

@role_required(Action.VIEW)
def benefits(request):
    organization = request.user.organization
    subscription = organization_subscription_for_benefits(organization=organization)
    rows = subscription_benefit_rows(subscription=subscription) if subscription is not None else []
    return render(
        request,
        "membership/benefits.html",
        {
            "subscription": subscription,
            "offer_name": subscription.offer.localized("name") if subscription is not None else "",
            "rows": rows,
            "seat_form": SeatAssignForm(organization=organization),
            "who_can_activate": users_who_can(organization=organization, action=Action.ACTIVATE_BENEFITS),
        },
    )


def _benefit_target(request, benefit_id):
    from offers.models import OfferBenefit

    subscription = organization_subscription_for_benefits(organization=request.user.organization)
    if subscription is None:
        return None, None
    benefit = get_object_or_404(OfferBenefit, pk=benefit_id, offer_id=subscription.offer_id)
    return subscription, benefit


@role_required(Action.ACTIVATE_BENEFITS)
@require_POST
def benefit_activate(request, benefit_id):
    from offers.models import BenefitKind

    subscription, benefit = _benefit_target(request, benefit_id)
    if subscription is None:
        messages.error(request, _("Your organisation has no Action Pack subscription."))
        return redirect("membership:benefits")
    try:
        if benefit.kind == BenefitKind.LICENSE:
            key = license_key_issue(actor=request.user, subscription=subscription, benefit=benefit)
            messages.success(request, _("License key issued: %(key)s") % {"key": key.key})
        else:
            benefit_activate_service(actor=request.user, subscription=subscription, benefit=benefit)
            messages.success(request, _("%(benefit)s is activated.") % {"benefit": benefit.localized("name")})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("membership:benefits")


@role_required(Action.ACTIVATE_BENEFITS)
@require_POST
def seat_assign(request, benefit_id):
    subscription, benefit = _benefit_target(request, benefit_id)
    if subscription is None:
        messages.error(request, _("Your organisation has no Action Pack subscription."))
        return redirect("membership:benefits")
    form = SeatAssignForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        messages.error(request, _("Choose an active user of your organisation."))
        return redirect("membership:benefits")
    try:
        seat = seat_assign_service(
            actor=request.user, subscription=subscription, benefit=benefit, user=form.cleaned_data["user"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Seat %(seat)s assigned to %(user)s.") % {"seat": seat.seat, "user": seat.user.display_name})
    return redirect("membership:benefits")


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
    return redirect("membership:benefits")


# --- activity log -----------------------------------------------------------------------------

def _activity_entries(request):
    form = ActivityFilterForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    return form, organization_activity(organization=request.user.organization, start=start, end=end)


ACTIVITY_PAGE_SIZE = 500


@role_required(Action.VIEW_ACTIVITY)
def activity(request):
    form, entries = _activity_entries(request)
    return render(
        request,
        "membership/activity.html",
        {"form": form, "entries": entries[:ACTIVITY_PAGE_SIZE], "page_size": ACTIVITY_PAGE_SIZE, "query": request.GET.urlencode()},
    )


def _csv_cell(value) -> str:
    """Neutralise spreadsheet formulas in user-provided text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@role_required(Action.VIEW_ACTIVITY)
def activity_export(request):
    _form, entries = _activity_entries(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="activity.csv"'
    writer = csv.writer(response)
    writer.writerow([_("When (UTC)"), _("By"), _("Action"), _("Object type"), _("Object id"), _("Object"), _("Detail")])
    for entry in entries.iterator(chunk_size=500):
        writer.writerow(
            [
                entry.created_at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                _csv_cell(entry.actor.email if entry.actor else _("system")),
                _csv_cell(entry.verb_label),
                entry.object_type,
                entry.object_id,
                _csv_cell(entry.object_repr),
                _csv_cell(entry.detail),
            ]
        )
    return response
