"""Charging an order exactly once (R4, R5): Buy in the wizard, 3-D Secure, automatic renewals, webhooks.

Money moves only through ``order_charge``. The order is locked, every rule that must hold when money
is taken is checked, and the Payment attempt is recorded and committed before Stripe is called, so a
crash leaves a trace and a concurrent request sees the order as in progress instead of charging it a
second time. Every outcome is recorded by ``_record`` (order first, then payment: one lock order);
a payment that settles elsewhere (webhook, 3-D Secure, a recovered attempt) arrives at
``order_payment_settled``, which offers registers as billing's settlement hook.
"""

import datetime
import enum
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import services as billing
from billing.gateways import GatewayError
from billing.models import Payment, PaymentStatus
from billing.services import AttemptResult, AttemptStatus, InvoiceLine, Settlement
from membership.models import Organization
from membership.permissions import Action, denial_reason, user_can

from ..emails import order_confirmation_send
from ..models import Order, OrderKind, OrderStatus, TimelineKind
from .orders import check_chargeable
from .subscriptions import subscription_create_for_order, subscription_renew_for_order, timeline_add

logger = logging.getLogger(__name__)

# The order's tax snapshot, which check_chargeable sets for the day of the charge (R19).
TAX_SNAPSHOT = ["net_amount", "tax_amount", "tax_rate", "tax_reason"]

# A pending attempt older than this outlived any request or task time limit: its worker died.
STALE_ATTEMPT_AFTER = datetime.timedelta(minutes=5)


class OutcomeStatus(enum.StrEnum):
    PAID = "paid"
    ALREADY_PAID = "already_paid"
    REQUIRES_ACTION = "requires_action"
    DECLINED = "declined"
    UNAVAILABLE = "unavailable"
    IN_PROGRESS = "in_progress"


@dataclass
class ChargeOutcome:
    """What happened to a charge; ``message`` is for the user."""

    status: OutcomeStatus
    message: str = ""
    client_secret: str = ""
    order: Order | None = None
    code: str = ""  # a decline's failure code (e.g. billing's CARD_MISSING), for a caller that tells why

    @property
    def ok(self):
        return self.status in (OutcomeStatus.PAID, OutcomeStatus.ALREADY_PAID)


def _already_paid(order):
    return ChargeOutcome(OutcomeStatus.ALREADY_PAID, _("This order is already paid."), order=order)


def _in_progress(order):
    return ChargeOutcome(OutcomeStatus.IN_PROGRESS, _("Your payment is being processed. Please wait."), order=order)


def _unavailable(order):
    return ChargeOutcome(OutcomeStatus.UNAVAILABLE, billing.unavailable_message(), order=order)


def _locked_order(**lookup) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("organization", "offer", "payment_method", "subscription")
        .get(**lookup)
    )


def _locked_order_and_payment(payment_id) -> tuple[Order, Payment]:
    """Lock the order, then its payment: always in this order, so two paths cannot deadlock."""
    order = _locked_order(number=billing.payment_reference(payment_id))
    return order, billing.payment_locked(payment_id)


# --- Charging -----------------------------------------------------------------------------------


def order_charge(
    *, order_id: int, off_session: bool = False, actor=None, stale_after: datetime.timedelta = STALE_ATTEMPT_AFTER
) -> ChargeOutcome:
    """Charge an order once (R5): Buy in the wizard, or an automatic renewal off-session.

    ``stale_after``: how old a pending attempt must be before it is taken for one whose run died;
    shorter only for a caller that knows no other run can be charging the order.
    """
    today = timezone.localdate()
    reconciled = _reconcile_stale_attempt(order_id=order_id, stale_after=stale_after)
    if reconciled is not None:
        return reconciled
    with transaction.atomic():
        # The organisation lock serialises charges of one organisation, so two orders for the same
        # offer cannot both pass the checks below; the order lock serialises clicks on one order.
        order = _locked_order(pk=order_id)
        Organization.objects.select_for_update().get(pk=order.organization_id)
        if order.status == OrderStatus.PAID:
            return _already_paid(order)
        if order.status == OrderStatus.PROCESSING:
            return _in_progress(order)
        pending = order.status == OrderStatus.REQUIRES_ACTION
        if not pending:
            if actor is not None and not (user_can(actor, Action.BUY) or user_can(actor, Action.RENEW)):
                raise PermissionDenied(denial_reason(Action.BUY))
            check_chargeable(order, today)
            payment = billing.payment_attempt_open(
                organization_id=order.organization_id,
                reference=order.number,
                payment_method=order.payment_method,
                amount=order.amount,
                currency=order.currency,
                key_prefix="order-%s" % order.number,
            )
            order.status = OrderStatus.PROCESSING
            order.failure_message = ""
            order.save(update_fields=["status", "failure_message", "term_start", "term_end", *TAX_SNAPSHOT])
    if pending:
        # Buy again while authentication is pending: look at where the PaymentIntent stands.
        return order_confirm_payment(order_id=order_id, actor=actor)
    # Committed: from here a crash leaves a pending attempt and a processing order, never a silent charge.
    result = billing.payment_attempt_send(
        payment=payment,
        customer_id=order.organization.stripe_customer_id,
        off_session=off_session,
        metadata={"order_id": order.pk, "order_number": order.number},
    )
    return _record(payment_id=payment.pk, result=result, actor=actor)


def order_confirm_payment(*, order_id: int, actor=None) -> ChargeOutcome:
    """After the browser's confirmCardPayment: re-read the PaymentIntent and complete or fail the order."""
    with transaction.atomic():
        order = _locked_order(pk=order_id)
        if order.status == OrderStatus.PAID:
            return _already_paid(order)
        if order.status != OrderStatus.REQUIRES_ACTION:
            if order.status == OrderStatus.PROCESSING:
                return _in_progress(order)
            return ChargeOutcome(
                OutcomeStatus.DECLINED, order.failure_message or billing.decline_message(), order=order
            )
        payment = billing.payment_last_with_intent(reference=order.number)
    if payment is None:
        return ChargeOutcome(OutcomeStatus.DECLINED, billing.decline_message(), order=order)
    result = billing.payment_intent_read(payment=payment)
    if result.status is AttemptStatus.UNAVAILABLE:
        # Nothing changes: the authentication can be finished when the service is back.
        return _unavailable(order)
    return _record(payment_id=payment.pk, result=result, actor=actor)


def order_payment_settled(settlement: Settlement) -> ChargeOutcome:
    """Billing's settlement hook (registered in OffersConfig.ready): a webhook settled an order's payment."""
    if not Order.objects.filter(number=settlement.reference).exists():
        return billing.payment_settle_alone(payment_id=settlement.payment_id, result=settlement.result)
    return _record(payment_id=settlement.payment_id, result=settlement.result)


# --- Recording outcomes -------------------------------------------------------------------------


def _record(*, payment_id: int, result: AttemptResult, actor=None) -> ChargeOutcome:
    """Apply a charge attempt's outcome to the payment and its order; safe to call twice."""
    if result.status is AttemptStatus.SUCCEEDED:
        return _settle_paid(payment_id=payment_id, payment_intent_id=result.payment_intent_id, actor=actor)
    if result.status is AttemptStatus.REQUIRES_ACTION:
        with transaction.atomic():
            order, payment = _locked_order_and_payment(payment_id)
            billing.payment_mark_requires_action(payment=payment, payment_intent_id=result.payment_intent_id)
            if order.status == OrderStatus.PROCESSING and billing.payment_is_latest(payment):
                order.status = OrderStatus.REQUIRES_ACTION
                order.save(update_fields=["status"])
        return ChargeOutcome(
            OutcomeStatus.REQUIRES_ACTION,
            _("Your bank asks you to confirm this payment."),
            client_secret=result.client_secret,
            order=order,
        )
    if result.status is AttemptStatus.PROCESSING:
        with transaction.atomic():
            order, payment = _locked_order_and_payment(payment_id)
            billing.payment_note_intent(payment=payment, payment_intent_id=result.payment_intent_id)
        # The payment_intent.succeeded webhook completes it.
        return _in_progress(order)
    if result.status is AttemptStatus.UNAVAILABLE:
        return _settle_unavailable(payment_id=payment_id, detail=result.failure_message)
    return _settle_failed(
        payment_id=payment_id,
        code=result.failure_code or "card_declined",
        detail=result.failure_message,
        payment_intent_id=result.payment_intent_id,
    )


def _settle_paid(*, payment_id: int, payment_intent_id: str = "", actor=None) -> ChargeOutcome:
    """A succeeded PaymentIntent: payment succeeded, order paid, subscription created or renewed, once."""
    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        if payment.status == PaymentStatus.SUCCEEDED:
            return _already_paid(order)
        if order.status == OrderStatus.PAID:
            # Two succeeded charges for one order cannot be recorded (constraint); staff must refund this one.
            billing.payment_mark_duplicate(payment=payment, payment_intent_id=payment_intent_id)
            return _already_paid(order)
        billing.payment_mark_succeeded(payment=payment, payment_intent_id=payment_intent_id)
        order.status = OrderStatus.PAID
        order.paid_at = payment.succeeded_at
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
        # R15: the invoice in the same transaction as the money, so a paid order never lacks one and a
        # rollback gives its number back. Last, because it locks the year's counter until commit.
        billing.invoice_issue(payment=payment, line=_invoice_line(order))
        if order.kind != OrderKind.AUTO_RENEWAL:
            # An automatic renewal is told by its own "renewed" e-mail (offers.services.renewals):
            # one e-mail per renewal, not a confirmation of an order nobody placed as well.
            order_id = order.pk
            transaction.on_commit(lambda: _enqueue_confirmation(order_id))
    return ChargeOutcome(OutcomeStatus.PAID, _("Your order is confirmed."), order=order)


def _invoice_line(order: Order) -> InvoiceLine:
    """What the invoice says was bought: billing keeps these facts, it never reads the catalogue."""
    return InvoiceLine(
        item_code=order.offer.code,
        item_name_en=order.offer.name,
        item_name_ru=order.offer.name_ru,
        term_start=order.term_start,
        term_end=order.term_end,
        net_amount=order.net_amount,
        tax_amount=order.tax_amount,
        tax_rate=order.tax_rate,
        tax_reason=order.tax_reason,
    )


def _enqueue_confirmation(order_id):
    try:
        order_confirmation_send.delay(order_id)
    except Exception:  # a broker outage must not turn a paid order into an error page
        logger.exception("Could not enqueue the confirmation e-mail of order %s", order_id)


def _settle_failed(*, payment_id: int, code: str, detail: str = "", payment_intent_id: str = "") -> ChargeOutcome:
    """A declined or unauthenticated attempt: nothing charged, the order can be paid with another card."""
    message = billing.decline_message(code)
    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        moved = billing.payment_mark_failed(
            payment=payment, code=code, detail=detail, payment_intent_id=payment_intent_id
        )
        if (
            moved
            and order.status in (OrderStatus.PROCESSING, OrderStatus.REQUIRES_ACTION)
            and billing.payment_is_latest(payment)
        ):
            order.status = OrderStatus.FAILED
            order.failure_message = message[:500]
            order.save(update_fields=["status", "failure_message"])
            if order.subscription_id:
                timeline_add(
                    subscription=order.subscription,
                    kind=TimelineKind.PAYMENT_FAILED,
                    data={"order": order.number, "attempt": payment.attempt, "reason": payment.failure_code},
                )
    if order.status == OrderStatus.PAID:
        return _already_paid(order)
    return ChargeOutcome(OutcomeStatus.DECLINED, message, order=order, code=code)


def _settle_unavailable(*, payment_id: int, detail: str = "") -> ChargeOutcome:
    """Stripe could not be reached: the attempt is closed and the order goes back to draft for a retry."""
    with transaction.atomic():
        order, payment = _locked_order_and_payment(payment_id)
        moved = billing.payment_mark_unavailable(payment=payment, detail=detail)
        if moved and order.status == OrderStatus.PROCESSING and billing.payment_is_latest(payment):
            order.status = OrderStatus.DRAFT
            order.failure_message = billing.unavailable_message()[:500]
            order.save(update_fields=["status", "failure_message"])
    if order.status == OrderStatus.PAID:
        return _already_paid(order)
    return _unavailable(order)


def order_close_unauthenticated(*, order_id: int, reason: str) -> None:
    """An off-session attempt that asks for authentication nobody can give: failed, and cancelled at Stripe."""
    with transaction.atomic():
        order = _locked_order(pk=order_id)
        payment = billing.payment_last_with_intent(reference=order.number)
        intent_id = ""
        if payment is not None:
            payment = billing.payment_locked(payment.pk)
            if payment.status == PaymentStatus.REQUIRES_ACTION:
                billing.payment_mark_failed(
                    payment=payment,
                    code="authentication_required",
                    detail=reason,
                    from_statuses=(PaymentStatus.REQUIRES_ACTION,),
                )
                intent_id = payment.stripe_payment_intent_id or ""
        if order.status == OrderStatus.REQUIRES_ACTION:
            order.status = OrderStatus.FAILED
            order.failure_message = reason
            order.save(update_fields=["status", "failure_message"])
        if intent_id:
            transaction.on_commit(lambda: billing.payment_intent_cancel(payment_intent_id=intent_id))


# --- Attempts whose answer was lost -------------------------------------------------------------


def _reconcile_stale_attempt(*, order_id: int, stale_after: datetime.timedelta) -> ChargeOutcome | None:
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
    payment = billing.payment_pending(reference=order.number)
    if payment is None or payment.created_at > timezone.now() - stale_after:
        return None  # a live charge in another request: order_charge answers "in progress"
    if payment.stripe_payment_intent_id:
        result = billing.payment_intent_read(payment=payment)
        if result.status is AttemptStatus.UNAVAILABLE:
            return _unavailable(order)
    else:
        try:
            result = billing.payment_intent_find(payment=payment, customer_id=order.organization.stripe_customer_id)
        except GatewayError as exc:
            logger.warning("Cannot look up interrupted attempt of order %s: %s", order.number, exc)
            return _unavailable(order)
    logger.warning("Reconciling interrupted attempt %s of order %s: %s", payment.attempt, order.number, result)
    if result is None:
        _settle_unavailable(payment_id=payment.pk, detail="Interrupted before reaching the payment service")
        return None
    return _record(payment_id=payment.pk, result=result)


def _reconcile_unanswered_attempt(order) -> ChargeOutcome | None:
    """Before a retry after "unavailable": did Stripe charge the attempt whose answer was lost?

    A timeout can hide a charge that went through; a new attempt has a new idempotency key, so
    without this look a retry could charge twice (R5).
    """
    payment = billing.payment_last(reference=order.number)
    if payment is None or payment.status != PaymentStatus.FAILED or payment.failure_code != billing.UNAVAILABLE_CODE:
        return None
    try:
        result = billing.payment_intent_find(payment=payment, customer_id=order.organization.stripe_customer_id)
    except GatewayError:
        return _unavailable(order)
    if result is None or result.status is not AttemptStatus.SUCCEEDED:
        return None
    logger.warning("Order %s attempt %s was charged although Stripe's answer was lost", order.number, payment.attempt)
    return _settle_paid(payment_id=payment.pk, payment_intent_id=result.payment_intent_id)
