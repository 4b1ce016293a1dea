"""The partner's Settings pages: users and invitations, and the activity log."""

import csv
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerportal.forms import add_service_errors

from .decorators import role_required
from .forms import AcceptInvitationForm, ActivityFilterForm, InvitationForm, MemberRolesForm
from .permissions import Action
from .selectors import (
    organization_activity,
    organization_invitation,
    organization_open_invitations,
    organization_user,
    organization_users,
    users_who_can,
)
from .services import (
    invitation_accept as invitation_accept_service,
)
from .services import (
    invitation_create,
    invitation_from_token,
    member_deactivate,
    member_reactivate,
    member_roles_update,
)
from .services import (
    invitation_revoke as invitation_revoke_service,
)


@role_required(Action.VIEW)
def users(request):
    organization = request.user.organization
    return render(
        request,
        "membership/users.html",
        {
            "users": organization_users(organization=organization),
            "invitations": organization_open_invitations(organization=organization),
            "who_can_manage_users": users_who_can(organization=organization, action=Action.MANAGE_USERS),
        },
    )


@role_required(Action.VIEW)
def user_detail(request, pk):
    member = organization_user(organization=request.user.organization, user_id=pk)
    form = MemberRolesForm(initial={"roles": sorted(member.role_set())})
    return render(
        request,
        "membership/user_detail.html",
        {
            "member": member,
            "form": form,
            "who_can_manage_users": users_who_can(organization=request.user.organization, action=Action.MANAGE_USERS),
        },
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
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
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
            add_service_errors(form, exc, field="password1")
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
        messages.success(
            request, _("%(name)s is deactivated and signed out everywhere.") % {"name": member.display_name}
        )
    return redirect("membership:user_detail", pk=member.pk)


@role_required(Action.MANAGE_USERS)
@require_POST
def user_reactivate(request, pk):
    member = organization_user(organization=request.user.organization, user_id=pk)
    member_reactivate(actor=request.user, member=member)
    messages.success(request, _("%(name)s can sign in again.") % {"name": member.display_name})
    return redirect("membership:user_detail", pk=member.pk)


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
        {
            "form": form,
            "entries": entries[:ACTIVITY_PAGE_SIZE],
            "page_size": ACTIVITY_PAGE_SIZE,
            "query": request.GET.urlencode(),
        },
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
                entry.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                _csv_cell(entry.actor.email if entry.actor else _("system")),
                _csv_cell(entry.verb_label),
                entry.object_type,
                entry.object_id,
                _csv_cell(entry.object_repr),
                _csv_cell(entry.detail),
            ]
        )
    return response
