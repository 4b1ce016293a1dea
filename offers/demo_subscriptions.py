"""Demo subscriptions bought through the real purchase services, so the sweep has something to do.

`manage.py run_subscription_sweep --today <a year from now>` then shows each rule at work:
Fabrikam renews (R6), Northwind expires with its after-expiry reminder (R7, R9), and Adventure
Works' renewal is declined and goes past due (R10).

Each demo organisation has a billing profile that shows one case of R19 (prices per currency and
tax): Contoso in Ireland pays Irish VAT (23 %) in EUR, Fabrikam in Germany with a VAT number is
reverse-charged in EUR, Northwind in the United States and Adventure Works in Russia are outside
the scope of EU VAT and pay in USD and RUB.

Cards are created on the server, which only a test-mode Stripe (localstripe) allows. `make run`
keeps localstripe's state in var/localstripe.pickle beside the SQLite database, so a restart finds
the demo customers and cards again. When only that file was removed (the database kept), each run
still checks the demo customers and cards are known there and recreates the ones that are not.
"""

import logging

from django.db import transaction

from billing import services as billing_services
from billing.gateways import GatewayError, get_gateway
from billing.gateways.testmode import server_side_card
from billing.models import BillingProfile, PaymentMethod
from membership.models import Organization, Role, User
from membership.services import organization_enrol, user_roles_set
from partnerportal.money import money_decimal

from . import services
from .models import LIVE_STATUSES, Subscription, SubscriptionStatus
from .selectors import current_terms
from .services import subscription_turn_off_auto_renewal

logger = logging.getLogger(__name__)

OK_CARD = "4242424242424242"
DECLINING_CARD = "4000000000000341"  # attaches fine, declines when charged

# (organisation, Global admin e-mail, first name, auto-renewal, renewal card number)
DEMO_SUBSCRIPTIONS = [
    ("Fabrikam Solutions", "global@fabrikam.example", "Fiona", True, OK_CARD),
    ("Northwind Traders", "global@northwind.example", "Nina", False, OK_CARD),
    ("Adventure Works", "global@adventure-works.example", "Adam", True, DECLINING_CARD),
]


# organisation: (legal name, street, postal code, city, country, tax ID, billing currency)
DEMO_BILLING_PROFILES = {
    "Contoso Partners": ("Contoso Partners Ltd.", "1 Grand Canal Square", "D02 P820", "Dublin", "IE", "", "EUR"),
    "Fabrikam Solutions": ("Fabrikam Solutions GmbH", "Hauptstraße 1", "10115", "Berlin", "DE", "DE136695976", "EUR"),
    "Northwind Traders": ("Northwind Traders Inc.", "1 Market Street", "94105", "San Francisco", "US", "", "USD"),
    "Adventure Works": ("ООО «Адвенчер Воркс»", "ул. Тверская, 1", "125009", "Москва", "RU", "7707083893", "RUB"),
}


def demo_billing_profile(*, organization, actor):
    """The demo organisation's billing profile (R19's case it shows), unless it has one already."""
    known = DEMO_BILLING_PROFILES.get(organization.name)
    if known is None or BillingProfile.objects.filter(organization=organization).exists():
        return
    legal_name, street, postal_code, city, country, tax_id, currency = known
    billing_services.billing_profile_save(
        organization=organization,
        actor=actor,
        legal_name=legal_name,
        street=street,
        postal_code=postal_code,
        city=city,
        country=country,
        tax_id=tax_id,
        currency=currency,
    )


def load_demo_subscriptions(*, offer, password, stdout=None) -> list[str]:
    """Buy the demo subscriptions that do not exist yet; returns one line per organisation."""
    gateway = get_gateway()
    try:
        gateway.ping()
    except GatewayError as exc:
        logger.warning("Demo subscriptions skipped: the payment service is unreachable (%s)", exc)
        return ["  (demo subscriptions skipped: localstripe is not running at the configured STRIPE_API_BASE)"]
    lines = []
    for org_name, email, first_name, auto_renew, renewal_card in DEMO_SUBSCRIPTIONS:
        admin = _demo_admin(org_name, email, first_name, password)
        organization = admin.organization
        demo_billing_profile(organization=organization, actor=admin)
        try:
            _refresh_stale_stripe_objects(gateway, organization)
            subscription = _live_subscription(organization, offer)
            if subscription is None:
                subscription = _buy(admin, offer)
                if renewal_card != OK_CARD:
                    _replace_renewal_card(admin, renewal_card)
                if not auto_renew:
                    subscription_turn_off_auto_renewal(subscription=subscription, actor=admin)
        except GatewayError as exc:
            logger.warning("Demo subscription of %s skipped: %s", org_name, exc)
            lines.append(f"  {email:<32} {org_name:<20} (skipped: the payment service failed)")
            continue
        subscription.refresh_from_db()
        lines.append(
            f"  {email:<32} {org_name:<20} Action Pack until {subscription.current_period_end}, "
            f"auto-renewal {'on' if subscription.auto_renew else 'off'}, {_paid(subscription)}"
        )
        if renewal_card == DECLINING_CARD:
            lines.append(_pay_now_hint(subscription))
    return lines


def _paid(subscription) -> str:
    """What the purchase charged, as R19 made it: "EUR 440.00 + 0.00 VAT (reverse_charge)"."""
    order = subscription.orders.filter(kind="purchase", status="paid").first()
    if order is None or not order.tax_reason:
        return f"{subscription.currency} {money_decimal(subscription.price_amount, subscription.currency)}"
    net, tax = (money_decimal(amount, order.currency) for amount in (order.net_amount, order.tax_amount))
    return f"{order.currency} {net} + {tax} VAT ({order.tax_reason})"


def _pay_now_hint(subscription) -> str:
    """How a newcomer reaches Update the card and pay now (R20) on the demo whose card declines."""
    if subscription.status == SubscriptionStatus.PAST_DUE:
        return "  %-53s past due: sign in, then Update the card and pay now (card 4242 4242 4242 4242)" % ""
    # The term is a year long; the sweep's --today runs its renewal day now, and the card declines.
    return (
        "  %-53s to see Pay now: .venv/bin/python manage.py run_subscription_sweep --today %s "
        "(past due), then sign in" % ("", subscription.current_period_end.isoformat())
    )


@transaction.atomic
def _demo_admin(org_name, email, first_name, password):
    organization, _ = Organization.objects.get_or_create(name=org_name)
    admin = User.objects.filter(email=email).first()
    if admin is None:
        admin = User.objects.create_user(
            email=email, password=password, first_name=first_name, last_name="Demo", organization=organization
        )
    user_roles_set(user=admin, roles=[Role.GLOBAL_ADMIN])
    organization_enrol(organization=organization, user=admin)
    admin.refresh_from_db()
    return admin


def _live_subscription(organization, offer):
    return Subscription.objects.filter(organization=organization, offer=offer, status__in=LIVE_STATUSES).first()


def _buy(admin, offer):
    """The purchase flow's own services, step by step: order, terms, card, Buy."""
    organization = admin.organization
    card = billing_services.payment_method_add(
        organization=organization, stripe_payment_method_id=server_side_card(number=OK_CARD), actor=admin
    )
    order = services.order_start_purchase(organization=organization, offer=offer, user=admin)
    order = services.order_accept_terms(
        order=order, terms=current_terms(offer=offer), user=admin, ip_address="127.0.0.1"
    )
    order = services.order_set_payment_method(order=order, payment_method=card, user=admin)
    outcome = services.order_charge(order_id=order.pk, actor=admin)
    if outcome.status == services.OutcomeStatus.UNAVAILABLE:
        raise GatewayError(str(outcome.message))
    if outcome.status != services.OutcomeStatus.PAID:
        raise RuntimeError(f"Demo purchase for {organization} ended {outcome.status}: {outcome.message}")
    return _live_subscription(organization, offer)


def _replace_renewal_card(admin, number):
    """The partner swapped the card on file for one that will decline at renewal time."""
    organization = admin.organization
    new_card = billing_services.payment_method_add(
        organization=organization, stripe_payment_method_id=server_side_card(number=number), actor=admin
    )
    for old in PaymentMethod.objects.filter(organization=organization, removed_at__isnull=True).exclude(pk=new_card.pk):
        billing_services.payment_method_remove(organization=organization, payment_method_id=old.pk, actor=admin)
    billing_services.payment_method_set_default(organization=organization, payment_method_id=new_card.pk, actor=admin)


def _refresh_stale_stripe_objects(gateway, organization):
    """After a localstripe restart: a new customer, and the demo cards recreated under the same rows."""
    if not organization.stripe_customer_id:
        return
    if gateway.customer_exists(customer_id=organization.stripe_customer_id):
        return
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        locked.stripe_customer_id = gateway.create_customer(name=locked.name, email="", organization_id=locked.pk)
        locked.save(update_fields=["stripe_customer_id"])
        organization.stripe_customer_id = locked.stripe_customer_id
        for card in PaymentMethod.objects.select_for_update().filter(organization=locked, removed_at__isnull=True):
            number = next(n for n in (OK_CARD, DECLINING_CARD) if n.endswith(card.last4))
            pm_id = server_side_card(number=number)
            gateway.attach_card(customer_id=locked.stripe_customer_id, payment_method_id=pm_id)
            card.stripe_payment_method_id = pm_id
            card.save(update_fields=["stripe_payment_method_id"])
