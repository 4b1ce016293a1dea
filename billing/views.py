"""Billing: payment methods, billing history, receipts, the reconciliation file; thin views."""

import csv
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from membership.decorators import role_required
from membership.permissions import Action

from . import selectors, services
from .forms import NewCardForm
from .templatetags.money import MINOR_DIGITS


@role_required(Action.VIEW_BILLING)
def billing_home(request):
    organization = request.user.organization
    payments = list(selectors.billing_history(organization=organization))
    for payment in payments:
        payment.offer_name = payment.order.offer.localized("name")  # already joined: no query
    return render(
        request,
        "billing/billing_home.html",
        {"methods": list(selectors.usable_payment_methods(organization=organization)), "payments": payments},
    )


@role_required(Action.VIEW_BILLING)
def payment_methods(request):
    organization = request.user.organization
    setup = None
    if request.GET.get("add"):
        try:
            setup = services.payment_method_setup_start(organization=organization, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:  # may view billing, may not add cards: say why
            messages.error(request, str(exc))
    return render(
        request,
        "billing/payment_methods.html",
        {
            "methods": list(selectors.usable_payment_methods(organization=organization)),
            "setup": setup,
            "card_form": NewCardForm(),
            "STRIPE_JS_URL": settings.STRIPE_JS_URL,
            "STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
        },
    )


@role_required(Action.MANAGE_PAYMENT_METHODS)
@require_POST
def payment_method_add(request):
    form = NewCardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The card could not be saved. Please enter it again."))
        return redirect("billing:payment_methods")
    try:
        method = services.payment_method_add(
            organization=request.user.organization,
            stripe_payment_method_id=form.cleaned_data["payment_method_id"],
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("billing:payment_methods")
    messages.success(request, _("Your card ••%(last4)s is saved.") % {"last4": method.last4})
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


@role_required(Action.VIEW_BILLING)
def receipt(request, pk):
    payment = selectors.organization_payment(organization=request.user.organization, pk=pk)
    return render(
        request,
        "billing/receipt.html",
        {"payment": payment, "order": payment.order, "offer_name": payment.order.offer.localized("name")},
    )


def _decimal(amount, currency):
    digits = MINOR_DIGITS.get(currency, 2)
    return str((Decimal(amount) / (10**digits)).quantize(Decimal(1).scaleb(-digits)))


@role_required(Action.VIEW_BILLING)
def reconciliation_csv(request):
    """Payments and refunds of the organisation, one row each, for the partner's accounting."""
    organization = request.user.organization
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="reconciliation-%s.csv"' % timezone.localdate().isoformat()
    writer = csv.writer(response)
    writer.writerow(
        [
            "type", "date", "order_number", "order_kind", "offer", "status", "amount_minor", "amount",
            "currency", "payment_intent_id", "refund_id", "attempt", "card_last4",
        ]
    )
    for payment in selectors.billing_history(organization=organization):
        order = payment.order
        writer.writerow(
            [
                "payment", (payment.succeeded_at or payment.created_at).isoformat(), order.number, order.kind,
                order.offer.code, payment.status, payment.amount, _decimal(payment.amount, payment.currency),
                payment.currency, payment.stripe_payment_intent_id or "", "", payment.attempt,
                payment.payment_method.last4 if payment.payment_method else "",
            ]
        )
        for refund in payment.refunds.all():
            writer.writerow(
                [
                    "refund", (refund.succeeded_at or refund.created_at).isoformat(), order.number, order.kind,
                    order.offer.code, refund.status, -refund.amount, _decimal(-refund.amount, refund.currency),
                    refund.currency, payment.stripe_payment_intent_id or "", refund.stripe_refund_id or "",
                    payment.attempt, "",
                ]
            )
    return response
