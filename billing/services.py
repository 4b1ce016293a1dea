"""Writes for billing: Stripe customers, saved cards, orders and their charges (product.md R1–R5).

Money moves only in ``order_charge`` and ``order_confirm_payment``/``payment_intent_settle``.
A charge attempt is recorded and committed before Stripe is called, so a crash leaves a trace and a
concurrent request sees the order as in progress instead of charging it a second time (R5).
"""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import Organization
from membership.permissions import Action, denial_reason, user_can
from membership.services import activity_record

from .gateways import ChargeRequest, ChargeResult, ChargeStatus, GatewayError, PaymentDeclined, get_gateway
from .models import Order, OrderKind, OrderStatus, Payment, PaymentMethod, PaymentStatus

logger = logging.getLogger(__name__)

# Orders a partner may still charge: a new draft, or one whose last attempt failed (retry).
CHARGEABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.FAILED)
# Orders that are neither finished nor abandoned; Subscribe now reuses them instead of adding one.
OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.FAILED, OrderStatus.PROCESSING, OrderStatus.REQUIRES_ACTION)
UNAVAILABLE_CODE = "gateway_unavailable"


@dataclass
class ChargeOutcome:
    """What happened to a charge; ``status`` is one of the six below, ``message`` is for the user."""

    status: str  # paid | requires_action | declined | unavailable | already_paid | in_progress
    message: str = ""
    client_secret: str = ""
    order: Order | None = None

    @property
    def ok(self):
        return self.status in ("paid", "already_paid")


def unavailable_message():
    return _("The payment service is unavailable; you were not charged. Please try again in a few minutes.")


def decline_message(code: str = "") -> str:
    """A translated explanation for a Stripe failure code (Stripe's own text is English)."""
    if code in ("payment_intent_authentication_failure", "authentication_required"):
        return _("The card's authentication failed; you were not charged. Try again or use another card.")
    if code == "expired_card":
        return _("Your card has expired; you were not charged. Use another card.")
    if code == "insufficient_funds":
        return _("Your card has insufficient funds; you were not charged. Use another card.")
    return _("Your card was declined; you were not charged. Use another card.")


# --- Stripe customer and saved cards -------------------------------------------------------------


def customer_ensure(*, organization: Organization, email: str = "") -> str:
    """The organisation's Stripe customer id; created at Stripe on first use and stored."""
    if organization.stripe_customer_id:
        return organization.stripe_customer_id
    with transaction.atomic():
        # The row lock makes two first uses at once create one customer, not two.
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        if not locked.stripe_customer_id:
            locked.stripe_customer_id = get_gateway().create_customer(
                name=locked.name, email=email, organization_id=locked.pk
            )
            locked.save(update_fields=["stripe_customer_id"])
    organization.stripe_customer_id = locked.stripe_customer_id
    return locked.stripe_customer_id


def payment_method_setup_start(*, organization: Organization, user) -> dict:
    """Start a SetupIntent on the organisation's customer; the browser confirms it with stripe.js."""
    _require(user, Action.MANAGE_PAYMENT_METHODS, Action.BUY, Action.RENEW)
    try:
        customer_id = customer_ensure(organization=organization, email=getattr(user, "email", ""))
        setup = get_gateway().setup(customer_id=customer_id)
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    return {"client_secret": setup.client_secret, "setup_intent_id": setup.setup_intent_id}


def payment_method_add(*, organization: Organization, stripe_payment_method_id: str, actor) -> PaymentMethod:
    """Save a card the browser set up: attach it to our customer, check it is ours, keep its summary."""
    _require(actor, Action.MANAGE_PAYMENT_METHODS, Action.BUY, Action.RENEW)
    stripe_payment_method_id = (stripe_payment_method_id or "").strip()
    if not stripe_payment_method_id.startswith("pm_") or len(stripe_payment_method_id) > 64:
        raise ValidationError(_("The card could not be saved. Please enter it again."))
    existing = PaymentMethod.objects.filter(stripe_payment_method_id=stripe_payment_method_id).first()
    if existing is not None:
        if existing.organization_id != organization.pk or existing.removed_at is not None:
            raise ValidationError(_("This card cannot be used. Please enter it again."))
        return existing
    customer_id = customer_ensure(organization=organization, email=getattr(actor, "email", ""))
    try:
        card = get_gateway().attach_card(customer_id=customer_id, payment_method_id=stripe_payment_method_id)
    except PaymentDeclined as exc:
        if exc.code == "customer_mismatch":
            raise ValidationError(_("This card cannot be used. Please enter it again.")) from exc
        raise ValidationError(decline_message(exc.code)) from exc
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    # attach_card checked that the card is on our customer; this is the belt to its braces.
    if card.customer_id != customer_id:
        raise ValidationError(_("This card cannot be used. Please enter it again."))
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        has_default = PaymentMethod.objects.filter(
            organization=organization, is_default=True, removed_at__isnull=True
        ).exists()
        method = PaymentMethod(
            organization=organization,
            stripe_payment_method_id=card.payment_method_id,
            brand=card.brand or "card",
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            is_default=not has_default,
            added_by=actor,
        )
        method.full_clean(validate_constraints=False)
        method.save()
        activity_record(actor=actor, organization=organization, verb="payment_method.added", obj=method)
    return method


@transaction.atomic
def payment_method_set_default(*, organization: Organization, payment_method_id: int, actor) -> PaymentMethod:
    _require(actor, Action.MANAGE_PAYMENT_METHODS)
    Organization.objects.select_for_update().get(pk=organization.pk)
    method = PaymentMethod.objects.get(pk=payment_method_id, organization=organization, removed_at__isnull=True)
    if method.is_default:
        return method
    # Clear first: the partial unique constraint allows one default per organisation at any moment.
    PaymentMethod.objects.filter(organization=organization, is_default=True).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default"])
    activity_record(actor=actor, organization=organization, verb="payment_method.made_default", obj=method)
    return method


def payment_method_remove(*, organization: Organization, payment_method_id: int, actor) -> PaymentMethod:
    """Detach the card at Stripe and keep the row (receipts point at it) marked as removed."""
    _require(actor, Action.MANAGE_PAYMENT_METHODS)
    method = PaymentMethod.objects.get(pk=payment_method_id, organization=organization, removed_at__isnull=True)
    try:
        get_gateway().detach_card(payment_method_id=method.stripe_payment_method_id)
    except GatewayError as exc:
        raise ValidationError(unavailable_message()) from exc
    except PaymentDeclined:
        pass  # already detached at Stripe: removing it here is still right
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        method = PaymentMethod.objects.select_for_update().get(pk=method.pk)
        if method.removed_at is not None:
            return method
        was_default = method.is_default
        method.removed_at = timezone.now()
        method.is_default = False
        method.save(update_fields=["removed_at", "is_default"])
        if was_default:
            successor = (
                PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True)
                .order_by("-created_at", "-id")
                .first()
            )
            if successor is not None:
                successor.is_default = True
                successor.save(update_fields=["is_default"])
        activity_record(actor=actor, organization=organization, verb="payment_method.removed", obj=method)
    return method


# --- Orders: the wizard's server-side state ------------------------------------------------------


def _new_order_number() -> str:
    return "%s-%s" % (timezone.now().strftime("%y%m%d"), secrets.token_hex(4).upper())


def _require(user, *actions):
    """R2 in the service too, so no view can forget it."""
    if user is None:
        return  # system actors (automatic renewal, webhooks)
    if not any(user_can(user, action) for action in actions):
        raise PermissionDenied(denial_reason(actions[0]))


def _check_can_buy(*, organization: Organization, offer) -> None:
    from offers.models import LIVE_STATUSES, Subscription

    if offer.requires_network_membership and not organization.is_network_member:
        raise ValidationError(
            _("Only network members can buy this offer. Join the Microsoft Partner Network first.")
        )
    if not offer.is_active:
        raise ValidationError(_("This offer is no longer available."))
    if Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).exists():
        raise ValidationError(
            _("Your organisation already has this subscription. Renew it from its details instead.")
        )


def order_start_purchase(*, organization: Organization, offer, user) -> Order:
    """Subscribe now: the organisation's open purchase order for the offer, created if there is none."""
    _require(user, Action.BUY)
    with transaction.atomic():
        # Serialises Subscribe now across tabs: both get the same draft.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        _check_can_buy(organization=organization, offer=offer)
        order = (
            Order.objects.filter(
                organization=organization, offer=offer, kind=OrderKind.PURCHASE, status__in=OPEN_STATUSES
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if order is not None:
            return order
        order = Order(
            number=_new_order_number(),
            organization=organization,
            offer=offer,
            kind=OrderKind.PURCHASE,
            status=OrderStatus.DRAFT,
            created_by=user,
            amount=offer.price_amount,
            currency=offer.currency,
        )
        order.full_clean()
        order.save()
        return order


def _check_renewal_window(subscription, today):
    from offers.models import SubscriptionStatus
    from offers.terms import renewal_window

    if subscription.status == SubscriptionStatus.CANCELLED:
        raise ValidationError(_("A cancelled subscription cannot be renewed."))
    opens, closes = renewal_window(subscription.current_period_end)
    if today < opens:
        raise ValidationError(
            _("This subscription can be renewed from %(date)s.") % {"date": _format_date(opens)}
        )
    if today > closes:
        raise ValidationError(
            _("The renewal period of this subscription ended on %(date)s. Subscribe to the offer again instead.")
            % {"date": _format_date(closes)}
        )


def _format_date(day):
    from django.utils.formats import date_format

    return date_format(day, "DATE_FORMAT")


def order_start_renewal(*, organization: Organization, subscription, user, today=None) -> Order:
    """Renew subscriptions: a renewal order for the next term (R8), reused while it is open."""
    from offers.models import Subscription
    from offers.terms import renewal_term

    _require(user, Action.RENEW)
    today = today or timezone.localdate()
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        subscription = Subscription.objects.select_related("offer").get(pk=subscription.pk, organization=organization)
        _check_renewal_window(subscription, today)
        start, end = renewal_term(
            period_end=subscription.current_period_end, today=today, months=subscription.offer.term_months
        )
        order = (
            Order.objects.filter(subscription=subscription, kind=OrderKind.RENEWAL, status__in=OPEN_STATUSES)
            .order_by("-created_at", "-id")
            .first()
        )
        if order is not None:
            if order.status in CHARGEABLE_STATUSES and (order.term_start, order.term_end) != (start, end):
                order.term_start, order.term_end = start, end
                order.save(update_fields=["term_start", "term_end"])
            return order
        offer = subscription.offer
        order = Order(
            number=_new_order_number(),
            organization=organization,
            offer=offer,
            kind=OrderKind.RENEWAL,
            status=OrderStatus.DRAFT,
            subscription=subscription,
            created_by=user,
            # A renewal by hand is at today's catalogue price; the new term's price is kept on the subscription.
            amount=offer.price_amount,
            currency=offer.currency,
            term_start=start,
            term_end=end,
        )
        order.full_clean()
        order.save()
        return order


@transaction.atomic
def order_accept_terms(*, order: Order, terms, user, ip_address: str | None) -> Order:
    """Next on the terms step: record who accepted which version, when and from where."""
    from offers.models import TermsAcceptance

    _require(user, Action.BUY, Action.RENEW)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in CHARGEABLE_STATUSES:
        raise ValidationError(_("This order can no longer be changed."))
    if terms.offer_id != order.offer_id:
        raise ValidationError(_("These terms are not the terms of this offer."))
    acceptance = TermsAcceptance(
        organization_id=order.organization_id, user=user, terms=terms, ip_address=ip_address or None
    )
    acceptance.full_clean()
    acceptance.save()
    order.terms_acceptance = acceptance
    order.save(update_fields=["terms_acceptance"])
    return order


@transaction.atomic
def order_set_payment_method(*, order: Order, payment_method: PaymentMethod, user) -> Order:
    _require(user, Action.BUY, Action.RENEW)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in CHARGEABLE_STATUSES:
        raise ValidationError(_("This order can no longer be changed."))
    if payment_method.organization_id != order.organization_id or payment_method.removed_at is not None:
        raise ValidationError(_("This card cannot be used. Please enter it again."))
    order.payment_method = payment_method
    order.save(update_fields=["payment_method"])
    return order


# --- Charging -----------------------------------------------------------------------------------


def _check_chargeable(order: Order, today) -> None:
    """Every rule that must hold at the moment money is taken; raises ValidationError otherwise."""
    from offers.models import Subscription
    from offers.terms import add_months, renewal_term

    if order.status not in CHARGEABLE_STATUSES:
        raise ValidationError(_("This order cannot be paid in its current state."))
    method = order.payment_method
    if method is None or method.removed_at is not None or method.organization_id != order.organization_id:
        raise ValidationError(_("Choose a card for this order first."))
    if not order.organization.stripe_customer_id:
        raise ValidationError(_("Choose a card for this order first."))
    # Another order of the organisation for this offer being charged right now: one at a time.
    if (
        Order.objects.filter(
            organization_id=order.organization_id,
            offer_id=order.offer_id,
            status__in=(OrderStatus.PROCESSING, OrderStatus.REQUIRES_ACTION),
        )
        .exclude(pk=order.pk)
        .exists()
    ):
        raise ValidationError(_("Another payment for this offer is in progress. Please wait for it to finish."))
    if order.kind == OrderKind.PURCHASE:
        if order.terms_acceptance_id is None:
            raise ValidationError(_("Accept the terms before you buy."))
        _check_can_buy(organization=order.organization, offer=order.offer)
        order.term_start = today
        order.term_end = add_months(today, order.offer.term_months)
    else:
        subscription = Subscription.objects.select_for_update().get(pk=order.subscription_id)
        if order.kind == OrderKind.RENEWAL:
            if order.terms_acceptance_id is None:
                raise ValidationError(_("Accept the terms before you buy."))
            _check_renewal_window(subscription, today)
            order.term_start, order.term_end = renewal_term(
                period_end=subscription.current_period_end, today=today, months=order.offer.term_months
            )
        if subscription.current_period_end >= order.term_end or Order.objects.filter(
            subscription=subscription, term_start=order.term_start, status=OrderStatus.PAID
        ).exclude(pk=order.pk).exists():
            raise ValidationError(_("This term is already paid."))


def _locked_order(order_id) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("organization", "offer", "payment_method", "subscription")
        .get(pk=order_id)
    )


# A pending attempt older than this outlived any request or task time limit: its worker died.
STALE_ATTEMPT_AFTER = datetime.timedelta(minutes=5)


def order_charge(*, order_id: int, off_session: bool = False, actor=None) -> ChargeOutcome:
    """Charge an order once (R5): Buy in the wizard, or an automatic renewal off-session."""
    today = timezone.localdate()
    reconciled = _reconcile_stale_attempt(order_id=order_id)
    if reconciled is not None:
        return reconciled
    with transaction.atomic():
        # The organisation lock serialises charges of one organisation, so two orders for the same
        # offer cannot both pass the checks below; the order lock serialises clicks on one order.
        order = _locked_order(order_id)
        Organization.objects.select_for_update().get(pk=order.organization_id)
        if order.status == OrderStatus.PAID:
            return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
        if order.status == OrderStatus.PROCESSING:
            return ChargeOutcome("in_progress", _("Your payment is being processed. Please wait."), order=order)
        if order.status == OrderStatus.REQUIRES_ACTION:
            pending = True
        else:
            pending = False
            if actor is not None and not (user_can(actor, Action.BUY) or user_can(actor, Action.RENEW)):
                raise PermissionDenied(denial_reason(Action.BUY))
            _check_chargeable(order, today)
            attempt = (order.payments.order_by("-attempt").values_list("attempt", flat=True).first() or 0) + 1
            payment = Payment(
                order=order,
                organization_id=order.organization_id,
                attempt=attempt,
                payment_method=order.payment_method,
                idempotency_key="order-%s-attempt-%d" % (order.number, attempt),
                amount=order.amount,
                currency=order.currency,
                status=PaymentStatus.PENDING,
            )
            payment.full_clean(validate_constraints=False)
            payment.save()
            order.status = OrderStatus.PROCESSING
            order.failure_message = ""
            order.save(update_fields=["status", "failure_message", "term_start", "term_end"])
    if pending:
        # Buy again while authentication is pending: look at where the PaymentIntent stands.
        return order_confirm_payment(order_id=order_id, actor=actor)
    # Committed: from here a crash leaves a pending attempt and a processing order, never a silent charge.
    request = ChargeRequest(
        customer_id=order.organization.stripe_customer_id,
        payment_method_id=order.payment_method.stripe_payment_method_id,
        amount=order.amount,
        currency=order.currency,
        idempotency_key=payment.idempotency_key,
        off_session=off_session,
        metadata={"order_id": order.pk, "order_number": order.number, "payment_id": payment.pk},
    )
    try:
        result = get_gateway().charge(request)
    except PaymentDeclined as exc:
        logger.info("Order %s attempt %s declined: %s", order.number, payment.attempt, exc.code)
        return _payment_fail(
            payment_id=payment.pk, code=exc.code, detail=str(exc), payment_intent_id=exc.payment_intent_id
        )
    except Exception as exc:  # GatewayError, or anything unexpected: nothing was charged as far as we know
        if not isinstance(exc, GatewayError):
            logger.exception("Unexpected error charging order %s", order.number)
        else:
            logger.warning("Payment service unavailable for order %s: %s", order.number, exc)
        return _payment_unavailable(payment_id=payment.pk, detail=str(exc))
    return _payment_record(payment_id=payment.pk, result=result, actor=actor)


def order_confirm_payment(*, order_id: int, actor=None) -> ChargeOutcome:
    """After the browser's confirmCardPayment: re-read the PaymentIntent and complete or fail the order."""
    with transaction.atomic():
        order = _locked_order(order_id)
        if order.status == OrderStatus.PAID:
            return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
        if order.status != OrderStatus.REQUIRES_ACTION:
            if order.status == OrderStatus.PROCESSING:
                return ChargeOutcome("in_progress", _("Your payment is being processed. Please wait."), order=order)
            return ChargeOutcome("declined", order.failure_message or decline_message(), order=order)
        payment = order.payments.exclude(stripe_payment_intent_id=None).order_by("-attempt").first()
    if payment is None:
        return ChargeOutcome("declined", decline_message(), order=order)
    try:
        result = get_gateway().retrieve(payment_intent_id=payment.stripe_payment_intent_id)
    except GatewayError:
        # Nothing changes: the authentication can be finished when the service is back.
        return ChargeOutcome("unavailable", unavailable_message(), order=order)
    return _payment_record(payment_id=payment.pk, result=result, actor=actor)


def _payment_record(*, payment_id: int, result: ChargeResult, actor=None) -> ChargeOutcome:
    if result.status == ChargeStatus.SUCCEEDED:
        return payment_intent_settle(payment_id=payment_id, payment_intent_id=result.payment_intent_id, actor=actor)
    if result.status == ChargeStatus.REQUIRES_ACTION:
        with transaction.atomic():
            order, payment = _locked_order_and_payment(payment_id)
            if payment.status == PaymentStatus.PENDING:
                payment.status = PaymentStatus.REQUIRES_ACTION
                payment.stripe_payment_intent_id = result.payment_intent_id
                payment.save(update_fields=["status", "stripe_payment_intent_id"])
            if order.status == OrderStatus.PROCESSING and _is_latest(payment):
                order.status = OrderStatus.REQUIRES_ACTION
                order.save(update_fields=["status"])
        return ChargeOutcome(
            "requires_action",
            _("Your bank asks you to confirm this payment."),
            client_secret=result.client_secret,
            order=order,
        )
    if result.status == ChargeStatus.PROCESSING:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=payment_id)
            if not payment.stripe_payment_intent_id:
                payment.stripe_payment_intent_id = result.payment_intent_id
                payment.save(update_fields=["stripe_payment_intent_id"])
        # The payment_intent.succeeded webhook completes it.
        return ChargeOutcome(
            "in_progress", _("Your payment is being processed. Please wait."), order=Order.objects.get(pk=payment.order_id)
        )
    return _payment_fail(
        payment_id=payment_id,
        code=result.failure_code or "card_declined",
        detail=result.failure_message,
        payment_intent_id=result.payment_intent_id,
    )


def _locked_order_and_payment(payment_id):
    """Lock the order, then its payment: always in this order, so two paths cannot deadlock."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = _locked_order(order_id)
    return order, Payment.objects.select_for_update().get(pk=payment_id)


def _reconcile_stale_attempt(*, order_id: int) -> ChargeOutcome | None:
    """Settle an attempt whose worker died during the Stripe call, instead of charging again (R5).

    Returns the outcome when the attempt was settled (or still cannot be), None when the order is
    free to be charged: no PaymentIntent at Stripe for the attempt means Stripe never got the call,
    so the attempt is closed and the order goes back to draft.
    """
    order = Order.objects.select_related("organization").get(pk=order_id)
    if order.status == OrderStatus.DRAFT:
        return _reconcile_unanswered_attempt(order)
    if order.status != OrderStatus.PROCESSING:
        return None
    payment = order.payments.filter(status=PaymentStatus.PENDING).order_by("-attempt").first()
    if payment is None or payment.created_at > timezone.now() - STALE_ATTEMPT_AFTER:
        return None  # a live charge in another request: order_charge answers "in progress"
    gateway = get_gateway()
    try:
        if payment.stripe_payment_intent_id:
            result = gateway.retrieve(payment_intent_id=payment.stripe_payment_intent_id)
        else:
            result = _find_intent_for_attempt(gateway, order, payment)
    except GatewayError:
        return ChargeOutcome("unavailable", unavailable_message(), order=order)
    logger.warning("Reconciling interrupted attempt %s of order %s: %s", payment.attempt, order.number, result)
    if result is None:
        _payment_unavailable(payment_id=payment.pk, detail="Interrupted before reaching the payment service")
        return None
    return _payment_record(payment_id=payment.pk, result=result)


def _reconcile_unanswered_attempt(order) -> ChargeOutcome | None:
    """Before a retry after "unavailable": did Stripe charge the attempt whose answer was lost?

    A timeout can hide a charge that went through; a new attempt has a new idempotency key, so
    without this look a retry could charge twice (R5).
    """
    payment = order.payments.order_by("-attempt").first()
    if payment is None or payment.status != PaymentStatus.FAILED or payment.failure_code != UNAVAILABLE_CODE:
        return None
    try:
        result = _find_intent_for_attempt(get_gateway(), order, payment)
    except GatewayError:
        return ChargeOutcome("unavailable", unavailable_message(), order=order)
    if result is None or result.status != ChargeStatus.SUCCEEDED:
        return None
    logger.warning("Order %s attempt %s was charged although Stripe's answer was lost", order.number, payment.attempt)
    return payment_intent_settle(payment_id=payment.pk, payment_intent_id=result.payment_intent_id)


def _find_intent_for_attempt(gateway, order, payment):
    """The PaymentIntent created for this attempt (its metadata names it), or None."""
    from .gateways.stripe_gateway import StripeGateway

    client = getattr(gateway, "client", None)
    if client is None:
        return None
    try:
        page = gateway._call(
            client.v1.payment_intents.list, params={"customer": order.organization.stripe_customer_id, "limit": 100}
        )
    except GatewayError:
        page = gateway._call(client.v1.payment_intents.list, params={"limit": 100})  # localstripe: no filters
    for intent in page.auto_paging_iter():
        metadata = intent.to_dict().get("metadata") or {}
        if str(metadata.get("payment_id", "")) == str(payment.pk) and metadata.get("order_number") == order.number:
            return StripeGateway._result(intent)
    return None


def _is_latest(payment: Payment) -> bool:
    return not Payment.objects.filter(order_id=payment.order_id, attempt__gt=payment.attempt).exists()


def payment_intent_settle(*, payment_id: int, payment_intent_id: str = "", actor=None) -> ChargeOutcome:
    """A succeeded PaymentIntent: payment succeeded, order paid, subscription created or renewed, once."""
    from offers.services import subscription_create_for_order, subscription_renew_for_order

    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        if payment.status == PaymentStatus.SUCCEEDED:
            return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
        if order.status == OrderStatus.PAID:
            # Two succeeded charges for one order cannot be recorded (constraint); staff must refund this one.
            logger.error("Order %s already paid; PaymentIntent %s needs a refund", order.number, payment_intent_id)
            payment.status = PaymentStatus.FAILED
            payment.failure_code = "duplicate_charge"
            payment.failure_message = "Order already paid by another attempt; refund this PaymentIntent."
            payment.stripe_payment_intent_id = payment_intent_id or payment.stripe_payment_intent_id
            payment.save(update_fields=["status", "failure_code", "failure_message", "stripe_payment_intent_id"])
            return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
        now = timezone.now()
        payment.status = PaymentStatus.SUCCEEDED
        payment.succeeded_at = now
        payment.failure_code = payment.failure_message = ""
        if payment_intent_id:
            payment.stripe_payment_intent_id = payment_intent_id
        payment.save(update_fields=["status", "succeeded_at", "failure_code", "failure_message", "stripe_payment_intent_id"])
        order.status = OrderStatus.PAID
        order.paid_at = now
        order.failure_message = ""
        order.payment_method_id = payment.payment_method_id or order.payment_method_id
        order.save(update_fields=["status", "paid_at", "failure_message", "payment_method"])
        actor = actor or order.created_by
        if order.kind == OrderKind.PURCHASE:
            subscription = subscription_create_for_order(order=order, actor=actor)
            order.subscription = subscription
            order.save(update_fields=["subscription"])
        else:
            subscription_renew_for_order(order=order, actor=actor)
        order_id = order.pk
        transaction.on_commit(lambda: _enqueue_confirmation(order_id))
    return ChargeOutcome("paid", _("Your order is confirmed."), order=order)


def _enqueue_confirmation(order_id):
    from .tasks import send_order_confirmation

    try:
        send_order_confirmation.delay(order_id)
    except Exception:  # a broker outage must not turn a paid order into an error page
        logger.exception("Could not enqueue the confirmation e-mail of order %s", order_id)


def _payment_fail(*, payment_id: int, code: str, detail: str = "", payment_intent_id: str = "") -> ChargeOutcome:
    """A declined or unauthenticated attempt: nothing charged, the order can be paid with another card."""
    message = decline_message(code)
    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION):
            payment.status = PaymentStatus.FAILED
            payment.failure_code = (code or "card_declined")[:64]
            payment.failure_message = (detail or "")[:500]
            if payment_intent_id and not payment.stripe_payment_intent_id:
                payment.stripe_payment_intent_id = payment_intent_id
            payment.save(update_fields=["status", "failure_code", "failure_message", "stripe_payment_intent_id"])
            if order.status in (OrderStatus.PROCESSING, OrderStatus.REQUIRES_ACTION) and _is_latest(payment):
                order.status = OrderStatus.FAILED
                order.failure_message = message[:500]
                order.save(update_fields=["status", "failure_message"])
                _timeline_payment_failed(order, payment)
    if order.status == OrderStatus.PAID:
        return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
    return ChargeOutcome("declined", message, order=order)


def _timeline_payment_failed(order, payment):
    if order.subscription_id:
        from offers.models import TimelineKind
        from offers.services import timeline_add

        timeline_add(
            subscription=order.subscription,
            kind=TimelineKind.PAYMENT_FAILED,
            detail="Order %s attempt %s: %s" % (order.number, payment.attempt, payment.failure_code),
        )


def _payment_unavailable(*, payment_id: int, detail: str = "") -> ChargeOutcome:
    """Stripe could not be reached: the attempt is closed and the order goes back to draft for a retry."""
    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        if payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.failure_code = UNAVAILABLE_CODE
            payment.failure_message = (detail or "")[:500]
            payment.save(update_fields=["status", "failure_code", "failure_message"])
            if order.status == OrderStatus.PROCESSING and _is_latest(payment):
                order.status = OrderStatus.DRAFT
                order.failure_message = unavailable_message()[:500]
                order.save(update_fields=["status", "failure_message"])
    if order.status == OrderStatus.PAID:
        return ChargeOutcome("already_paid", _("This order is already paid."), order=order)
    return ChargeOutcome("unavailable", unavailable_message(), order=order)


# --- Stripe webhooks ----------------------------------------------------------------------------


def _payment_for_intent(intent: dict) -> Payment | None:
    payment = Payment.objects.filter(stripe_payment_intent_id=intent.get("id")).first()
    if payment is None:
        # The webhook can overtake the browser's request that stores the PaymentIntent id.
        # Ids alone could match another database's rows (a restored copy, a test run): the random
        # order number must match too.
        metadata = intent.get("metadata") or {}
        payment_id = metadata.get("payment_id")
        if payment_id and str(payment_id).isdigit():
            payment = (
                Payment.objects.filter(
                    pk=int(payment_id), order__number=metadata.get("order_number", ""), stripe_payment_intent_id=None
                )
                .first()
            )
    if payment is not None and intent.get("amount") not in (None, payment.amount):
        logger.error("PaymentIntent %s amount differs from payment %s", intent.get("id"), payment.pk)
        return None
    return payment


def webhook_event_record(*, event_id: str, event_type: str, payload: dict):
    """Store an event once; returns (event, created). A redelivery finds the row and does nothing."""
    from django.db import IntegrityError

    from .models import WebhookEvent

    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(stripe_event_id=event_id, type=event_type, payload=payload), True
    except IntegrityError:
        return WebhookEvent.objects.get(stripe_event_id=event_id), False


def webhook_event_process(*, event) -> None:
    """Apply a stored event; payment events are idempotent with the browser's own path."""
    intent = (event.payload.get("data") or {}).get("object") or {}
    error = ""
    if event.type == "payment_intent.succeeded":
        payment = _payment_for_intent(intent)
        if payment is None:
            error = "no payment for this PaymentIntent"
        else:
            payment_intent_settle(payment_id=payment.pk, payment_intent_id=intent.get("id", ""))
    elif event.type == "payment_intent.payment_failed":
        payment = _payment_for_intent(intent)
        if payment is None:
            error = "no payment for this PaymentIntent"
        else:
            last_error = intent.get("last_payment_error") or {}
            _payment_fail(
                payment_id=payment.pk,
                code=last_error.get("decline_code") or last_error.get("code") or "card_declined",
                detail=last_error.get("message") or "",
                payment_intent_id=intent.get("id", ""),
            )
    event.processed_at = timezone.now()
    event.error = error
    event.save(update_fields=["processed_at", "error"])
