"""Billing > Payment methods and Billing > Billing profile; thin views."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from membership.decorators import partner_required, role_required
from membership.permissions import Action, denial_reason, user_can
from membership.selectors import users_who_can

from . import selectors, services
from .card_entry import card_entry_context, card_save
from .forms import BillingProfileForm


@role_required(Action.VIEW_BILLING)
def payment_methods(request):
    organization = request.user.organization
    return render(
        request,
        "billing/payment_methods.html",
        {
            "methods": list(selectors.usable_payment_methods(organization=organization)),
            **card_entry_context(request, organization=organization),
        },
    )


@role_required(Action.MANAGE_PAYMENT_METHODS)
@require_POST
def payment_method_add(request):
    card_save(request)
    return redirect("billing:payment_methods")


@role_required(Action.MANAGE_PAYMENT_METHODS)
@require_POST
def payment_method_set_default(request, pk):
    method = selectors.organization_payment_method(organization=request.user.organization, pk=pk)
    services.payment_method_set_default(
        organization=request.user.organization, payment_method_id=method.pk, actor=request.user
    )
    messages.success(request, _("Card ••%(last4)s is now your default way to pay.") % {"last4": method.last4})
    return redirect("billing:payment_methods")


@role_required(Action.MANAGE_PAYMENT_METHODS)
@require_POST
def payment_method_remove(request, pk):
    method = selectors.organization_payment_method(organization=request.user.organization, pk=pk)
    try:
        services.payment_method_remove(
            organization=request.user.organization, payment_method_id=method.pk, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Card ••%(last4)s is removed.") % {"last4": method.last4})
    return redirect("billing:payment_methods")


@partner_required
@require_http_methods(["GET", "HEAD", "POST"])
def billing_profile(request):
    """Global and Billing admins edit it; everyone else reads it with the reason they cannot."""
    organization = request.user.organization
    if request.method == "POST":
        if not user_can(request.user, Action.EDIT_BILLING_PROFILE):
            raise PermissionDenied(denial_reason(Action.EDIT_BILLING_PROFILE))
        form = BillingProfileForm(request.POST, organization=organization)
        if form.save_profile(actor=request.user) is not None:
            messages.success(request, _("Your billing profile is saved."))
            return redirect("billing:profile")
        status = 400
    else:
        form = BillingProfileForm(organization=organization)
        status = 200
    return render(
        request,
        "billing/profile.html",
        {
            "form": form,
            "profile": selectors.billing_profile(organization=organization),
            "who_can_edit": users_who_can(organization=organization, action=Action.EDIT_BILLING_PROFILE),
        },
        status=status,
    )
