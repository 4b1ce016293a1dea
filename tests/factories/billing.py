"""Cards, payments and refunds.

A card the portal would save (CardFactory) is created at localstripe and saved through
billing.services.payment_method_add, like the wizard does. PaymentMethodFactory,
PaymentFactory and RefundFactory are plain rows: the summaries and records a test needs
in a given state (a foreign card, a payment recorded here but not at Stripe).
"""

import factory
from django.utils import timezone

from billing.gateways import get_gateway
from billing.gateways.testmode import server_side_card
from billing.models import CreditNote, Invoice, Payment, PaymentMethod, PaymentStatus, Refund, RefundStatus
from billing.services import customer_ensure, payment_method_add

OK_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then declines at the charge
AUTH_CARD = "4000002760003184"  # asks for 3-D Secure
THREE_DS_CARD = AUTH_CARD


def stripe_card(number=OK_CARD, *, exp_month=12, exp_year=2030, customer_id=None):
    """A PaymentMethod id at localstripe, as stripe.js creates it in the browser; attached to ``customer_id`` if given."""
    pm_id = server_side_card(number=number, exp_month=exp_month, exp_year=exp_year)
    if customer_id:
        get_gateway().client.v1.payment_methods.attach(pm_id, params={"customer": customer_id})
    return pm_id


class CardFactory(factory.Factory):
    """A card saved for the organisation: created at localstripe, saved through payment_method_add."""

    class Meta:
        model = PaymentMethod
        strategy = factory.CREATE_STRATEGY

    organization = factory.SubFactory("tests.factories.membership.OrganizationFactory")
    number = OK_CARD
    exp_month = 12
    exp_year = 2035
    added_by = None
    email = "billing@example.com"

    @classmethod
    def _create(cls, model_class, *, organization, number, exp_month, exp_year, added_by, email):
        customer_ensure(organization=organization, email=email)
        pm_id = stripe_card(number, exp_month=exp_month, exp_year=exp_year)
        return payment_method_add(organization=organization, stripe_payment_method_id=pm_id, actor=added_by)


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    """A card summary row with no card at Stripe behind it."""

    class Meta:
        model = PaymentMethod

    organization = factory.SubFactory("tests.factories.membership.OrganizationFactory")
    stripe_payment_method_id = factory.Sequence(lambda n: f"pm_test_{n}")
    brand = "visa"
    last4 = "4242"
    exp_month = 12
    exp_year = 2030
    is_default = True


class PaymentFactory(factory.django.DjangoModelFactory):
    """A payment recorded here (by default: succeeded), whatever Stripe holds."""

    class Meta:
        model = Payment

    reference = factory.Sequence(lambda n: f"REF-{n}")
    organization = factory.SubFactory("tests.factories.membership.OrganizationFactory")
    payment_method = None
    stripe_payment_intent_id = factory.Sequence(lambda n: f"pi_test_{n}")
    idempotency_key = factory.Sequence(lambda n: f"test-payment-{n}")
    amount = 47500
    currency = "USD"
    status = PaymentStatus.SUCCEEDED
    succeeded_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == PaymentStatus.SUCCEEDED else None)


class RefundFactory(factory.django.DjangoModelFactory):
    """A refund recorded here (by default: succeeded), whatever Stripe holds."""

    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    organization = factory.SelfAttribute("payment.organization")
    amount = factory.SelfAttribute("payment.amount")
    currency = factory.SelfAttribute("payment.currency")
    status = RefundStatus.SUCCEEDED
    stripe_refund_id = factory.Sequence(lambda n: f"re_test_{n}")
    idempotency_key = factory.Sequence(lambda n: f"test-refund-{n}")
    succeeded_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == RefundStatus.SUCCEEDED else None)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice row for a payment, numbered by its sequence (the service numbers real ones)."""

    class Meta:
        model = Invoice

    payment = factory.SubFactory(PaymentFactory)
    organization = factory.SelfAttribute("payment.organization")
    reference = factory.SelfAttribute("payment.reference")
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    sequence = factory.Sequence(lambda n: 900000 + n)
    number = factory.LazyAttribute(lambda o: "INV-%d-%06d" % (o.year, o.sequence))
    issue_date = factory.LazyFunction(timezone.localdate)
    seller_name = "Seller Ltd."
    buyer_name = factory.SelfAttribute("organization.name")
    item_code = "action-pack"
    item_name_en = "Microsoft Action Pack"
    item_name_ru = "Microsoft Action Pack"
    amount = factory.SelfAttribute("payment.amount")
    currency = factory.SelfAttribute("payment.currency")


class CreditNoteFactory(factory.django.DjangoModelFactory):
    """A credit note row for a refund of an invoiced payment."""

    class Meta:
        model = CreditNote

    invoice = factory.SubFactory(InvoiceFactory)
    refund = factory.SubFactory(RefundFactory, payment=factory.SelfAttribute("..invoice.payment"))
    organization = factory.SelfAttribute("invoice.organization")
    year = factory.SelfAttribute("invoice.year")
    sequence = factory.Sequence(lambda n: 900000 + n)
    number = factory.LazyAttribute(lambda o: "CN-%d-%06d" % (o.year, o.sequence))
    issue_date = factory.LazyFunction(timezone.localdate)
    seller_name = "Seller Ltd."
    buyer_name = factory.SelfAttribute("organization.name")
    item_code = "action-pack"
    item_name_en = "Microsoft Action Pack"
    amount = factory.SelfAttribute("refund.amount")
    currency = factory.SelfAttribute("refund.currency")
