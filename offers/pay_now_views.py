"""Update the card and pay now (R20): a past-due subscription's renewal paid at once, by a Billing or Global admin."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing import selectors as billing_selectors
from billing.card_entry import card_entry_context, card_save
from billing.forms import ChoosePaymentMethodForm
from membership.decorators import role_required
from membership.permissions import Action

from .models import Subscription, SubscriptionStatus
from .rules import auto_renewal_term
from .selectors import renewal_card, renewal_charge, subscription_for_organization
from .services import OutcomeStatus, subscription_pay_now, subscription_pay_now_confirm


def _subscription_or_404(request, pk) -> Subscription:
    try:
        return subscription_for_organization(organization=request.user.organization, pk=pk)
    except Subscription.DoesNotExist as exc:
        raise Http404("No such subscription in your organisation.") from exc


def _page_url(subscription):
    return reverse("subscriptions:pay_now", args=[subscription.pk])


def _render(request, subscription, *, form=None, client_secret="", status=200):
    organization = request.user.organization
    methods = list(billing_selectors.usable_payment_methods(organization=organization))
    if form is None:
        chosen = request.GET.get("card") or getattr(renewal_card(subscription), "pk", None)
        form = ChoosePaymentMethodForm(payment_methods=methods, initial={"payment_method": chosen})
    start = subscription.current_period_end
    amount, currency = renewal_charge(subscription)
    context = {
        "subscription": subscription,
        "amount": amount,
        "currency": currency,
        "offer_name": subscription.offer.localized("name"),
        "term_start": start,
        "term_end": auto_renewal_term(period_end=start, months=subscription.offer.term_months)[1],
        "methods": methods,
        "form": form,
        "client_secret": client_secret,
        **card_entry_context(request, organization=organization),
    }
    # card_entry_context sets the same two keys; the 3-D Secure form needs them without a SetupIntent.
    context.update(STRIPE_JS_URL=settings.STRIPE_JS_URL, STRIPE_PUBLISHABLE_KEY=settings.STRIPE_PUBLISHABLE_KEY)
    return render(request, "offers/subscription_pay_now.html", context, status=status)


def _outcome_response(request, subscription, outcome):
    """Paid: back to the details, active; 3-D Secure: the confirmation; otherwise the reason, nothing changed."""
    if outcome.ok:
        subscription.refresh_from_db()
        messages.success(
            request,
            _("Payment received. Your subscription is active until %(date)s.")
            % {"date": date_format(subscription.current_period_end, "DATE_FORMAT")},
        )
        return redirect(subscription)
    if outcome.status == OutcomeStatus.REQUIRES_ACTION:
        return _render(request, subscription, client_secret=outcome.client_secret)
    if outcome.status == OutcomeStatus.DECLINED:
        messages.error(request, outcome.message)
    else:
        messages.info(request, outcome.message)
    return redirect(_page_url(subscription))


@role_required(Action.RENEW)
def pay_now(request, pk):
    """GET: the saved cards (or add one) and the amount; POST: charge the chosen card at once."""
    subscription = _subscription_or_404(request, pk)
    if subscription.status != SubscriptionStatus.PAST_DUE:
        messages.info(request, _("This subscription is not past due: there is nothing to pay now."))
        return redirect(subscription)
    if request.method != "POST":
        return _render(request, subscription)
    methods = list(billing_selectors.usable_payment_methods(organization=request.user.organization))
    form = ChoosePaymentMethodForm(request.POST, payment_methods=methods)
    if not form.is_valid():
        messages.error(request, _("Choose one of your cards, or add a way to pay."))
        return redirect(_page_url(subscription))
    try:
        outcome = subscription_pay_now(
            subscription_id=subscription.pk,
            payment_method_id=form.cleaned_data["payment_method"].pk,
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_page_url(subscription))
    return _outcome_response(request, subscription, outcome)


@role_required(Action.RENEW)
@require_POST
def pay_now_add_card(request, pk):
    """The browser confirmed a SetupIntent (3-D Secure included): save the card and offer it for paying."""
    subscription = _subscription_or_404(request, pk)
    card = card_save(request)
    if card is None:
        return redirect(_page_url(subscription) + "?add=1")
    return redirect("%s?card=%d" % (_page_url(subscription), card.pk))


@role_required(Action.RENEW)
@require_POST
def pay_now_confirm(request, pk):
    """The browser ran confirmCardPayment; the server re-reads the PaymentIntent (it trusts Stripe, not the page)."""
    subscription = _subscription_or_404(request, pk)
    try:
        outcome = subscription_pay_now_confirm(subscription_id=subscription.pk, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(subscription)
    return _outcome_response(request, subscription, outcome)
