"""The catalogue, orders and subscriptions.

A subscription comes from a paid purchase order through offers.services.subscription_create_for_order,
as a purchase makes it; paid_subscription() also charges a real card at localstripe first.
"""

import datetime

import factory
from django.utils import timezone

from billing.gateways import ChargeRequest, ChargeStatus, get_gateway
from membership.dates import add_months
from offers.demo_catalogue import load_demo_catalogue
from offers.models import LIVE_STATUSES, Offer, Order, OrderKind, OrderStatus, Subscription, SubscriptionStatus
from offers.selectors import ACTION_PACK_CODE
from offers.services import subscription_create_for_order
from tests.factories.billing import CardFactory, PaymentFactory
from tests.factories.membership import OrganizationFactory


def action_pack():
    """The demo catalogue's Action Pack (loaded on first use), with its benefits."""
    return Offer.objects.filter(code=ACTION_PACK_CODE).first() or load_demo_catalogue()


class OfferFactory(factory.django.DjangoModelFactory):
    """A bare offer row without benefits (the demo catalogue is action_pack())."""

    class Meta:
        model = Offer

    code = factory.Sequence(lambda n: f"offer-{n}")
    name = factory.Sequence(lambda n: f"Offer {n}")
    price_amount = 47500
    currency = "USD"


class OrderFactory(factory.django.DjangoModelFactory):
    """An order row in a given state (default: a draft purchase of the Action Pack at its price)."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD-T{n:06d}")
    organization = factory.SubFactory(OrganizationFactory)
    offer = factory.LazyFunction(action_pack)
    kind = OrderKind.PURCHASE
    status = OrderStatus.DRAFT
    amount = factory.SelfAttribute("offer.price_amount")
    currency = factory.SelfAttribute("offer.currency")


def _date(day):
    return datetime.date.fromisoformat(day) if isinstance(day, str) else day


class OrderPaymentFactory(PaymentFactory):
    """A payment of an order: billing keys it by the order's number."""

    class Params:
        order = factory.SubFactory(OrderFactory)

    reference = factory.SelfAttribute("order.number")
    organization = factory.SelfAttribute("order.organization")
    payment_method = factory.SelfAttribute("order.payment_method")
    amount = factory.SelfAttribute("order.amount")
    currency = factory.SelfAttribute("order.currency")


class SubscriptionFactory(factory.Factory):
    """A subscription bought on ``start`` (default today; or 12 months before ``end``), made by the service.

    subscription_create_for_order makes it from a paid purchase order that is built but not saved:
    the tests that use this count orders and payments, and expect only the ones they make (for a
    real charge and its order, use paid_subscription). ``payment_method`` is the card the order was
    paid with (e.g. a CardFactory); ``order_number`` names the order, whose number the timeline
    shows. ``status`` and ``auto_renew`` set a later state (past due, auto-renewal off); a finished
    one (expired, cancelled) is a row from history, since the service only makes live ones and the
    organisation may already hold its live one (R3).
    """

    class Meta:
        model = Subscription
        strategy = factory.CREATE_STRATEGY

    organization = factory.SubFactory(OrganizationFactory)
    offer = factory.LazyFunction(action_pack)
    start = None
    end = None
    status = SubscriptionStatus.ACTIVE
    auto_renew = True
    payment_method = None
    order_number = None
    actor = None

    @classmethod
    def _create(
        cls, model_class, *, organization, offer, start, end, status, auto_renew, payment_method, order_number, actor
    ):
        start, end = _date(start), _date(end)
        if start is None:
            start = add_months(end, -offer.term_months) if end else timezone.localdate()
        end = end or add_months(start, offer.term_months)
        if status not in LIVE_STATUSES:
            return model_class.objects.create(
                organization=organization,
                offer=offer,
                status=status,
                auto_renew=auto_renew,
                started_on=start,
                current_period_start=start,
                current_period_end=end,
                price_amount=offer.price_amount,
                currency=offer.currency,
                payment_method=payment_method,
            )
        order = OrderFactory.build(
            organization=organization,
            offer=offer,
            status=OrderStatus.PAID,
            paid_at=timezone.now(),
            term_start=start,
            term_end=end,
            payment_method=payment_method,
            created_by=actor,
            **({"number": order_number} if order_number else {}),
        )
        subscription = subscription_create_for_order(order=order, actor=actor, today=start)
        if (status, auto_renew) != (subscription.status, subscription.auto_renew):
            model_class.objects.filter(pk=subscription.pk).update(status=status, auto_renew=auto_renew)
            subscription.refresh_from_db()
        return subscription


def paid_subscription(organization, *, user=None, days_ago=0, link_order=True):
    """A live Action Pack subscription bought ``days_ago`` days ago with a real localstripe charge.

    The order is charged at localstripe and recorded as paid, then the subscription is made by
    subscription_create_for_order. ``link_order=False`` leaves the order without its subscription
    (as orders older than that link were). Returns (subscription, payment).
    """
    offer = action_pack()
    card = CardFactory(organization=organization, added_by=user, exp_year=2030)
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    paid_at = timezone.now() - datetime.timedelta(days=days_ago)
    order = OrderFactory(
        organization=organization,
        offer=offer,
        status=OrderStatus.PROCESSING,
        created_by=user,
        payment_method=card,
        term_start=start,
        term_end=add_months(start, offer.term_months),
        created_at=paid_at,
    )
    key = f"order-{order.pk}-attempt-1"
    result = get_gateway().charge(
        ChargeRequest(
            customer_id=organization.stripe_customer_id,
            payment_method_id=card.stripe_payment_method_id,
            amount=order.amount,
            currency=order.currency,
            idempotency_key=key,
            metadata={"order": order.number},
        )
    )
    assert result.status == ChargeStatus.SUCCEEDED, result
    payment = OrderPaymentFactory(
        order=order,
        stripe_payment_intent_id=result.payment_intent_id,
        idempotency_key=key,
        created_at=paid_at,
        succeeded_at=paid_at,
    )
    order.status = OrderStatus.PAID
    order.paid_at = paid_at
    order.save(update_fields=["status", "paid_at"])
    subscription = subscription_create_for_order(order=order, actor=user, today=start)
    if link_order:
        order.subscription = subscription
        order.save(update_fields=["subscription"])
    return subscription, payment


def paid_orders(organization, count, *, offer=None, prefix=None, amount=47500, amount_step=0):
    """``count`` paid purchase orders with their succeeded payments, in bulk (list pages at size).

    Order numbers are ``<prefix><i:05>`` (default ``H<organisation id>-``); payment i costs
    ``amount + i * amount_step`` and was made i hours ago, so the first is the newest. Returns the
    payments, oldest order first; the page cache is told, as bulk_create sends no signal.
    """
    from billing.models import Payment, PaymentStatus
    from partnerportal import page_cache
    from tests.factories.billing import PaymentMethodFactory

    offer = offer or action_pack()
    prefix = "H%d-" % organization.pk if prefix is None else prefix
    card = PaymentMethodFactory(organization=organization)
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            number="%s%05d" % (prefix, i),
            organization=organization,
            offer=offer,
            amount=amount + i * amount_step,
            currency="USD",
            status=OrderStatus.PAID,
            paid_at=now,
            payment_method=card,
        )
        for i in range(count)
    )
    payments = Payment.objects.bulk_create(
        Payment(
            reference=order.number,
            organization=organization,
            payment_method=card,
            amount=order.amount,
            currency="USD",
            status=PaymentStatus.SUCCEEDED,
            succeeded_at=now,
            created_at=now - datetime.timedelta(hours=i),
            idempotency_key="k-%s" % order.number,
            stripe_payment_intent_id="pi_%s" % order.number,
        )
        for i, order in enumerate(orders)
    )
    page_cache.organization_changed(organization.pk)
    return payments
