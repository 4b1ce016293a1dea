"""The purchase and renewal wizard (seed: Purchase steps 1–7, Renew steps 1–9).

After django-oscar's checkout: one view per step; each declares its preconditions and, when one
fails, sends the user back to the step that satisfies it. The wizard's state is the draft
``offers.Order`` row (terms acceptance, card, term dates, status), never hidden form fields.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from billing import selectors as billing_selectors
from billing.card_entry import card_entry_context, card_save
from billing.forms import BillingProfileForm, ChoosePaymentMethodForm
from billing.tax import tax_mention
from membership.decorators import partner_required
from membership.permissions import Action, denial_reason, user_can

from . import services
from .models import OrderKind, OrderStatus
from .rules import purchase_term, renewal_term
from .selectors import current_terms, organization_order
from .services import OutcomeStatus


class FailedPrecondition(Exception):
    def __init__(self, url, message=""):
        super().__init__(message)
        self.url = url
        self.message = message


def client_ip(request):
    # Behind the production proxy REMOTE_ADDR is the proxy; the proxy sets X-Forwarded-For.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "USE_X_FORWARDED_FOR", False):
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR") or None


def step_url(name, order):
    return reverse("offers:checkout_%s" % name, args=[order.pk])


def asks_for_billing_profile(order):
    """Whether the wizard shows Billing profile: the organisation had none when this order started."""
    profile = billing_selectors.billing_profile(organization=order.organization)
    return profile is None or profile.created_at >= order.created_at


def steps_for(order):
    """The wizard's steps for this kind of order, for the progress bar."""
    names = [
        ("terms", _("Terms")),
        ("payment", _("Payment")),
        ("review", _("Review")),
        ("done", _("Confirmation")),
    ]
    if asks_for_billing_profile(order):
        names.insert(1, ("billing_profile", _("Billing profile")))
    if order.kind == OrderKind.RENEWAL:
        names.insert(0, ("verify", _("Verify your order")))
    return names


def outcome_response(request, order, outcome):
    """Where a charge leads: confirmation, authentication, or back to a step with the reason."""
    if outcome.status in (OutcomeStatus.PAID, OutcomeStatus.ALREADY_PAID):
        return redirect(step_url("done", order))
    if outcome.status == OutcomeStatus.REQUIRES_ACTION:
        view = ReviewStep()
        view.setup(request, order_id=order.pk)
        view.order = outcome.order or order
        return view.render_review(client_secret=outcome.client_secret, status=200)
    if outcome.status == OutcomeStatus.DECLINED:
        messages.error(request, outcome.message)
        return redirect(step_url("payment", order))
    if outcome.status == OutcomeStatus.UNAVAILABLE:
        messages.error(request, outcome.message)
        return redirect(step_url("review", order))
    messages.info(request, outcome.message)
    return redirect(step_url("review", order))


@method_decorator(partner_required, name="dispatch")
class CheckoutStep(View):
    """A wizard step on one of the organisation's open orders."""

    template_name = ""
    step = ""
    preconditions = ()

    def dispatch(self, request, *args, **kwargs):
        self.order = organization_order(organization=request.user.organization, pk=kwargs["order_id"])
        action = Action.BUY if self.order.kind == OrderKind.PURCHASE else Action.RENEW
        if self.order.kind == OrderKind.AUTO_RENEWAL or not user_can(request.user, action):
            raise PermissionDenied(denial_reason(action))
        try:
            for name in self.preconditions:
                getattr(self, name)()
        except FailedPrecondition as failed:
            if failed.message:
                messages.warning(request, failed.message)
            return redirect(failed.url)
        return super().dispatch(request, *args, **kwargs)

    # Preconditions --------------------------------------------------------------------------

    def check_not_finished(self):
        if self.order.status == OrderStatus.PAID:
            raise FailedPrecondition(step_url("done", self.order))
        if self.order.status == OrderStatus.ABANDONED:
            raise FailedPrecondition(reverse("offers:offer_list"), _("This order was abandoned. Start again."))

    def check_editable(self):
        """Terms and card can change only before a charge is under way."""
        if self.order.status not in services.CHARGEABLE_STATUSES:
            raise FailedPrecondition(step_url("review", self.order))

    def check_terms_accepted(self):
        acceptance = self.order.terms_acceptance
        terms = current_terms(offer=self.order.offer)
        if acceptance is None or terms is None or acceptance.terms_id != terms.pk:
            raise FailedPrecondition(step_url("terms", self.order), _("Accept the terms to continue."))

    def check_billing_profile(self):
        """Invoices are made out to the billing profile: it is asked for before payment (R15)."""
        if billing_selectors.billing_profile(organization=self.order.organization) is None:
            raise FailedPrecondition(
                step_url("billing_profile", self.order), _("Enter your billing profile to continue.")
            )

    def check_payment_method(self):
        method = self.order.payment_method
        if method is None or method.removed_at is not None:
            raise FailedPrecondition(step_url("payment", self.order), _("Choose a way to pay to continue."))

    def check_paid(self):
        if self.order.status != OrderStatus.PAID:
            raise FailedPrecondition(step_url("review", self.order))

    # Rendering -------------------------------------------------------------------------------

    def context(self, **extra):
        context = {
            "order": self.order,
            "offer": self.order.offer,
            "offer_name": self.order.offer.localized("name"),
            "steps": steps_for(self.order),
            "current_step": self.step,
            "is_renewal": self.order.kind == OrderKind.RENEWAL,
            "tax_mention": tax_mention(self.order.tax_reason),
        }
        context.update(extra)
        return context

    def term_dates(self):
        """The term the review shows: the one Buy will charge for today (offers.terms)."""
        today = timezone.localdate()
        if self.order.kind == OrderKind.PURCHASE:
            return purchase_term(today=today, months=self.order.offer.term_months)
        return renewal_term(
            period_end=self.order.subscription.current_period_end, today=today, months=self.order.offer.term_months
        )


class VerifyStep(CheckoutStep):
    """Renewal step 1: verify the order details, then Next."""

    template_name = "offers/checkout/verify.html"
    step = "verify"
    preconditions = ("check_not_finished",)

    def get(self, request, order_id):
        if self.order.kind != OrderKind.RENEWAL:
            return redirect(step_url("terms", self.order))
        start, end = self.term_dates()
        return render(
            request,
            self.template_name,
            self.context(subscription=self.order.subscription, term_start=start, term_end=end),
        )


class TermsStep(CheckoutStep):
    """Show the current terms version; Next records the acceptance (user, version, time, IP)."""

    template_name = "offers/checkout/terms.html"
    step = "terms"
    preconditions = ("check_not_finished", "check_editable")

    def get(self, request, order_id):
        terms = current_terms(offer=self.order.offer)
        extra = {"terms": terms}
        if terms is not None:
            extra.update(terms_title=terms.localized("title"), terms_body=terms.localized("body"))
        return render(request, self.template_name, self.context(**extra))

    def post(self, request, order_id):
        terms = current_terms(offer=self.order.offer)
        if terms is None:
            messages.error(request, _("The terms of this offer are not published yet. Please try later."))
            return redirect(step_url("terms", self.order))
        try:
            services.order_accept_terms(order=self.order, terms=terms, user=request.user, ip_address=client_ip(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(step_url("terms", self.order))
        if billing_selectors.billing_profile(organization=self.order.organization) is None:
            return redirect(step_url("billing_profile", self.order))
        return redirect(step_url("payment", self.order))


class BillingProfileStep(CheckoutStep):
    """Asked when the organisation has no billing profile yet: who the invoice is made out to."""

    template_name = "offers/checkout/billing_profile.html"
    step = "billing_profile"
    preconditions = ("check_not_finished", "check_editable", "check_terms_accepted")

    def get(self, request, order_id):
        form = BillingProfileForm(organization=request.user.organization)
        return render(request, self.template_name, self.context(form=form))

    def post(self, request, order_id):
        form = BillingProfileForm(request.POST, organization=request.user.organization)
        if form.save_profile(actor=request.user) is None:
            return render(request, self.template_name, self.context(form=form), status=400)
        return redirect(step_url("payment", self.order))


class PaymentStep(CheckoutStep):
    """Saved cards as choices, or Get started! Add a way to pay (stripe.js card entry)."""

    template_name = "offers/checkout/payment.html"
    step = "payment"
    preconditions = ("check_not_finished", "check_editable", "check_terms_accepted", "check_billing_profile")

    def get(self, request, order_id):
        organization = request.user.organization
        methods = list(billing_selectors.usable_payment_methods(organization=organization))
        initial = self.order.payment_method_id or next((m.pk for m in methods if m.is_default), None)
        form = ChoosePaymentMethodForm(payment_methods=methods, initial={"payment_method": initial})
        return render(
            request,
            self.template_name,
            self.context(form=form, methods=methods, **card_entry_context(request, organization=organization)),
        )

    def post(self, request, order_id):
        methods = list(billing_selectors.usable_payment_methods(organization=request.user.organization))
        form = ChoosePaymentMethodForm(request.POST, payment_methods=methods)
        if not form.is_valid():
            messages.error(request, _("Choose one of your cards, or add a way to pay."))
            return redirect(step_url("payment", self.order))
        try:
            services.order_set_payment_method(
                order=self.order, payment_method=form.cleaned_data["payment_method"], user=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(step_url("payment", self.order))
        return redirect(step_url("review", self.order))


class AddCardStep(CheckoutStep):
    """The browser confirmed a SetupIntent; save the card and choose it for this order."""

    step = "payment"
    preconditions = ("check_not_finished", "check_editable", "check_terms_accepted", "check_billing_profile")
    http_method_names = ["post"]

    def post(self, request, order_id):
        def choose_for_order(method):
            services.order_set_payment_method(order=self.order, payment_method=method, user=request.user)

        if card_save(request, then=choose_for_order) is None:
            return redirect(step_url("payment", self.order) + "?add=1")
        return redirect(step_url("payment", self.order))


class ReviewStep(CheckoutStep):
    """Offer, price, term dates and card; Buy charges the card at once."""

    template_name = "offers/checkout/review.html"
    step = "review"
    preconditions = ("check_not_finished", "check_terms_accepted", "check_billing_profile", "check_payment_method")

    def get(self, request, order_id):
        # R19: the total shown is the one of today (price, rate, profile), and Buy charges exactly it.
        try:
            self.order = services.order_reprice(order=self.order)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(reverse("offers:offer_list"))
        return self.render_review()

    def render_review(self, client_secret="", status=200):
        start, end = self.term_dates()
        if self.order.term_start and self.order.status not in services.CHARGEABLE_STATUSES:
            start, end = self.order.term_start, self.order.term_end
        return render(
            self.request,
            self.template_name,
            self.context(
                term_start=start,
                term_end=end,
                client_secret=client_secret,
                STRIPE_JS_URL=settings.STRIPE_JS_URL,
                STRIPE_PUBLISHABLE_KEY=settings.STRIPE_PUBLISHABLE_KEY,
            ),
            status=status,
        )


class BuyStep(CheckoutStep):
    step = "review"
    preconditions = ("check_not_finished", "check_terms_accepted", "check_billing_profile", "check_payment_method")
    http_method_names = ["post"]

    def post(self, request, order_id):
        try:
            outcome = services.order_charge(order_id=self.order.pk, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(step_url("review", self.order))
        return outcome_response(request, self.order, outcome)


class ConfirmPaymentStep(CheckoutStep):
    """The browser ran confirmCardPayment; the server re-reads the PaymentIntent."""

    step = "review"
    preconditions = ("check_not_finished",)
    http_method_names = ["post"]

    def post(self, request, order_id):
        outcome = services.order_confirm_payment(order_id=self.order.pk, actor=request.user)
        return outcome_response(request, self.order, outcome)


class DoneStep(CheckoutStep):
    """Your order is confirmed. with the order number; Close returns to Offers."""

    template_name = "offers/checkout/done.html"
    step = "done"
    preconditions = ("check_paid",)

    def get(self, request, order_id):
        return render(request, self.template_name, self.context())
