"""Partnership > Offers, and the two entries into the wizard (Subscribe now, Renew subscriptions)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from membership.decorators import partner_required, role_required
from membership.permissions import Action
from partnerportal.page_cache import cached_page
from partnerportal.redirects import safe_next

from . import checkout, services
from .models import Offer, Subscription
from .selectors import offers_page


@partner_required
@cached_page("offers")
def offer_list(request):
    organization = request.user.organization
    offers, subscriptions = offers_page(organization=organization, today=timezone.localdate())
    return render(
        request,
        "offers/offer_list.html",
        {
            "offers": offers,
            "subscriptions": subscriptions,
            "is_network_member": organization.is_network_member,
        },
        using="jinja2",  # the hot pages' engine, asked directly (Django's loaders would look first)
    )


@role_required(Action.BUY)
@require_POST
def subscribe(request, offer_id):
    """Subscribe now: create or reuse the draft order, then the first step."""
    offer = get_object_or_404(Offer.objects.filter(is_active=True), pk=offer_id)
    try:
        order = services.order_start_purchase(organization=request.user.organization, offer=offer, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("offers:offer_list")
    return redirect(checkout.step_url("terms", order))


@role_required(Action.RENEW)
@require_POST
def renew_start(request, subscription_id):
    """Renew subscriptions: a renewal order for the next term (R8), then Verify your order."""
    subscription = get_object_or_404(
        Subscription.objects.filter(organization=request.user.organization), pk=subscription_id
    )
    try:
        order = services.order_start_renewal(
            organization=request.user.organization, subscription=subscription, user=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(safe_next(request, request.POST.get("back"), "offers:offer_list"))
    return redirect(checkout.step_url("verify", order))
