"""Orders: Subscribe now, Renew subscriptions and the automatic renewal's order, and the wizard's steps.

An order is built in one place (``_order_new``) at the price ``rules.order_price`` gives (R19: the
price of the day in the billing currency, and its tax; an automatic renewal's day is its renewal
day) for the term ``rules`` gives. A purchase or a renewal by hand is priced again for the day it
is charged (``order_reprice``), and Buy refuses a total the partner has not seen.
"""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.models import PaymentMethod
from billing.services import require_any
from membership.models import Organization
from membership.permissions import Action

from ..models import Order, OrderKind, OrderStatus, Subscription, TermsAcceptance
from ..rules import (
    RenewalVerdict,
    auto_renewal_term,
    order_price,
    purchase_refusal,
    purchase_term,
    renewal_decision,
    renewal_price,
    renewal_term,
)

# Orders a partner may still charge: a new draft, or one whose last attempt failed (retry).
CHARGEABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.FAILED)
# Orders that are neither finished nor abandoned; Subscribe now reuses them instead of adding one.
OPEN_STATUSES = (OrderStatus.DRAFT, OrderStatus.FAILED, OrderStatus.PROCESSING, OrderStatus.REQUIRES_ACTION)


def check_can_buy(*, organization, offer) -> None:
    """R1 and R3 as an error for the wizard and the charge."""
    refusal = purchase_refusal(organization=organization, offer=offer)
    if refusal:
        raise ValidationError(refusal)


def check_can_renew(subscription: Subscription, today: datetime.date) -> None:
    """R8 as an error for the wizard and the charge (the details page words it as a hint)."""
    decision = renewal_decision(subscription, today)
    if decision.verdict is RenewalVerdict.CANCELLED:
        raise ValidationError(_("A cancelled subscription cannot be renewed."))
    if decision.verdict is RenewalVerdict.TOO_EARLY:
        raise ValidationError(
            _("This subscription can be renewed from %(date)s.") % {"date": date_format(decision.opens, "DATE_FORMAT")}
        )
    if decision.verdict is RenewalVerdict.TOO_LATE:
        raise ValidationError(
            _("The renewal period of this subscription ended on %(date)s. Subscribe to the offer again instead.")
            % {"date": date_format(decision.closes, "DATE_FORMAT")}
        )


def check_chargeable(order: Order, today) -> None:
    """Every rule that must hold at the moment money is taken; raises ValidationError otherwise."""
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
    price = check_price_seen(order, today)
    if price is not None:
        # The tax snapshot of the day it is charged (the total is the one the partner saw).
        for name, value in price.order_fields().items():
            setattr(order, name, value)
    if order.kind == OrderKind.PURCHASE:
        if order.terms_acceptance_id is None:
            raise ValidationError(_("Accept the terms before you buy."))
        check_can_buy(organization=order.organization, offer=order.offer)
        order.term_start, order.term_end = purchase_term(today=today, months=order.offer.term_months)
    else:
        subscription = Subscription.objects.select_for_update().get(pk=order.subscription_id)
        if order.kind == OrderKind.RENEWAL:
            if order.terms_acceptance_id is None:
                raise ValidationError(_("Accept the terms before you buy."))
            check_can_renew(subscription, today)
            order.term_start, order.term_end = renewal_term(
                period_end=subscription.current_period_end, today=today, months=order.offer.term_months
            )
        if (
            subscription.current_period_end >= order.term_end
            or Order.objects.filter(subscription=subscription, term_start=order.term_start, status=OrderStatus.PAID)
            .exclude(pk=order.pk)
            .exists()
        ):
            raise ValidationError(_("This term is already paid."))


def _new_order_number() -> str:
    return "%s-%s" % (timezone.now().strftime("%y%m%d"), secrets.token_hex(4).upper())


def _auto_renewal_number(subscription: Subscription, term_start: datetime.date) -> str:
    # Deterministic, so even the number cannot be taken twice for one term.
    return "AR-%06d-%s" % (subscription.pk, term_start.strftime("%Y%m%d"))


def _order_new(*, kind, organization_id, offer, price, number=None, **fields) -> Order:
    """An unsaved draft order at ``price`` (an ``OrderPrice``: net, tax and the total it charges)."""
    return Order(
        number=number or _new_order_number(),
        organization_id=organization_id,
        offer=offer,
        kind=kind,
        status=OrderStatus.DRAFT,
        **price.order_fields(),
        **fields,
    )


def _current_price(order: Order, today: datetime.date):
    """What the order costs if it is charged today (R19): for a purchase or a renewal by hand."""
    return order_price(offer=order.offer, organization=order.organization_id, on_date=today)


def check_price_seen(order: Order, today: datetime.date):
    """Buy charges only the total the review page showed (R19): a price, a rate or a profile that
    changed since sends the partner back to the review, which shows the new total, instead of
    charging it. Returns the price of the day (None for an automatic renewal, priced for its day)."""
    if order.kind == OrderKind.AUTO_RENEWAL:
        return None
    price = _current_price(order, today)
    if (price.gross, price.currency) != (order.amount, order.currency):
        raise ValidationError(
            _("The price or the tax of this order has changed. Check the new total and select Buy again."),
            code="price_changed",
        )
    return price


@transaction.atomic
def order_reprice(*, order: Order, today: datetime.date | None = None) -> Order:
    """Price a purchase or a renewal by hand for today before the review shows it (R19); no-op when unchanged."""
    today = today or timezone.localdate()
    order = Order.objects.select_for_update().select_related("offer").get(pk=order.pk)
    if order.kind == OrderKind.AUTO_RENEWAL or order.status not in CHARGEABLE_STATUSES:
        return order
    fields = _current_price(order, today).order_fields()
    if fields != {name: getattr(order, name) for name in fields}:
        for name, value in fields.items():
            setattr(order, name, value)
        order.full_clean(validate_unique=False, validate_constraints=False)
        order.save(update_fields=list(fields))
    return order


def order_start_purchase(*, organization: Organization, offer, user) -> Order:
    """Subscribe now: the organisation's open purchase order for the offer, created if there is none."""
    require_any(user, Action.BUY)
    with transaction.atomic():
        # Serialises Subscribe now across tabs: both get the same draft.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        check_can_buy(organization=organization, offer=offer)
        order = (
            Order.objects.filter(
                organization=organization, offer=offer, kind=OrderKind.PURCHASE, status__in=OPEN_STATUSES
            )
            .order_by("-created_at", "-id")
            .first()
        )
        if order is not None:
            return order
        price = order_price(offer=offer, organization=organization, on_date=timezone.localdate())
        order = _order_new(
            kind=OrderKind.PURCHASE, organization_id=organization.pk, offer=offer, price=price, created_by=user
        )
        order.full_clean()
        order.save()
        return order


def order_start_renewal(*, organization: Organization, subscription, user, today=None) -> Order:
    """Renew subscriptions: a renewal order for the next term (R8), reused while it is open."""
    require_any(user, Action.RENEW)
    today = today or timezone.localdate()
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        subscription = Subscription.objects.select_related("offer").get(pk=subscription.pk, organization=organization)
        check_can_renew(subscription, today)
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
        # A renewal by hand is at today's price and tax (R19); the new term's price is kept on the subscription.
        order = _order_new(
            kind=OrderKind.RENEWAL,
            organization_id=organization.pk,
            offer=subscription.offer,
            price=order_price(offer=subscription.offer, organization=organization, on_date=today),
            subscription=subscription,
            created_by=user,
            term_start=start,
            term_end=end,
        )
        order.full_clean()
        order.save()
        return order


def order_for_auto_renewal(*, subscription: Subscription, card: PaymentMethod) -> Order:
    """The term's one automatic-renewal order: created by the first run, reused by retries and by rivals."""
    term_start = subscription.current_period_end
    lookup = {"subscription": subscription, "kind": OrderKind.AUTO_RENEWAL, "term_start": term_start}
    order = Order.objects.filter(**lookup).first()
    if order is None:
        # R19: the price and the tax of the renewal day, in the subscription's currency.
        price = renewal_price(subscription, term_start)
        order = _order_new(
            kind=OrderKind.AUTO_RENEWAL,
            number=_auto_renewal_number(subscription, term_start),
            organization_id=subscription.organization_id,
            offer=subscription.offer,
            price=price,
            subscription=subscription,
            payment_method=card,
            term_start=term_start,
            term_end=auto_renewal_term(period_end=term_start, months=subscription.offer.term_months)[1],
        )
        # Uniqueness is the database's to decide: a rival insert must end in IntegrityError below.
        order.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                order.save()
        except IntegrityError:
            # Another run created it between our read and our insert: it owns the row, we reuse it.
            order = Order.objects.get(**lookup)
    settled = (OrderStatus.DRAFT, OrderStatus.FAILED, OrderStatus.REQUIRES_ACTION)
    if order.status in settled and order.payment_method_id != card.pk:
        # A retry charges the card that is current now (the partner may have replaced it); never
        # while a charge is in flight or after it succeeded.
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.status in settled:
                locked.payment_method = card
                locked.save(update_fields=["payment_method"])
            order = locked
    return order


@transaction.atomic
def order_accept_terms(*, order: Order, terms, user, ip_address: str | None) -> Order:
    """Next on the terms step: record who accepted which version, when and from where."""
    require_any(user, Action.BUY, Action.RENEW)
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
    require_any(user, Action.BUY, Action.RENEW)
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in CHARGEABLE_STATUSES:
        raise ValidationError(_("This order can no longer be changed."))
    if payment_method.organization_id != order.organization_id or payment_method.removed_at is not None:
        raise ValidationError(_("This card cannot be used. Please enter it again."))
    order.payment_method = payment_method
    order.save(update_fields=["payment_method"])
    return order
