"""An enrolled organisation with one of everything a portal URL can name, each row at one chosen primary key.

Tests that walk the URLconf fill every ``<id:…>`` argument with that key, so whichever model a URL
reads, a row exists there (R12's foreign-id walk, the anonymous-POST walk).
"""

import datetime

from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone

from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import OrderKind, OrderStatus, Subscription, SubscriptionStatus
from tests.factories.billing import CreditNoteFactory, InvoiceFactory, PaymentMethodFactory, RefundFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import OrderFactory, OrderPaymentFactory


def build_world_at(pk, *, name, tag="foreign"):
    """An enrolled organisation called ``name`` with one of everything, each at primary key ``pk``."""
    offer = load_demo_catalogue()
    org = OrganizationFactory(name=name)
    today = timezone.localdate()
    user = UserFactory(pk=pk, email=f"owner@{tag}.example", password="x", organization=org, roles=[])
    card = PaymentMethodFactory(pk=pk, organization=org, stripe_payment_method_id=f"pm_{tag}")
    # A row at a fixed primary key: the service cannot choose one, so this one is written here.
    subscription = Subscription.objects.create(
        pk=pk,
        organization=org,
        offer=offer,
        status=SubscriptionStatus.ACTIVE,
        started_on=today,
        current_period_start=today,
        current_period_end=today + datetime.timedelta(days=365),
        price_amount=offer.price_amount,
        currency=offer.currency,
        payment_method=card,
    )
    order = OrderFactory(
        pk=pk,
        number=f"ORD-{tag.upper()}",
        organization=org,
        offer=offer,
        kind=OrderKind.RENEWAL,
        status=OrderStatus.DRAFT,
        subscription=subscription,
        created_by=user,
        payment_method=card,
    )
    payment = OrderPaymentFactory(pk=pk, order=order, stripe_payment_intent_id=f"pi_{tag}", idempotency_key=f"{tag}-1")
    invoice = InvoiceFactory(pk=pk, payment=payment)
    CreditNoteFactory(pk=pk, invoice=invoice, refund=RefundFactory(payment=payment, amount=100))
    seat_benefit = offer.benefits.get(kind="seat", code="office-365-e3")
    apps.get_model("membership", "Invitation").objects.create(
        pk=pk, organization=org, email=f"invitee@{tag}.example", roles=[Role.BILLING_ADMIN], invited_by=user
    )
    apps.get_model("offers", "SeatAssignment").objects.create(
        pk=pk, subscription=subscription, benefit=seat_benefit, user=user, seat=1
    )
    apps.get_model("offers", "BenefitActivation").objects.create(
        pk=pk, subscription=subscription, benefit=seat_benefit, activated_by=user
    )
    request = apps.get_model("support", "ServiceRequest").objects.create(
        pk=pk,
        number=f"SR-{tag.upper()}",
        organization=org,
        requester=user,
        problem_type="invoice_payment",
        title=tag.capitalize(),
        description=tag.capitalize(),
        subscription=subscription,
    )
    message = apps.get_model("support", "RequestMessage").objects.create(
        pk=pk, request=request, author=user, body=tag.capitalize()
    )
    attachment = apps.get_model("support", "Attachment")(
        pk=pk,
        request=request,
        message=message,
        original_name="a.txt",
        size=1,
        content_type="text/plain",
        uploaded_by=user,
    )
    attachment.file.save(f"{tag}.txt", ContentFile(b"x"), save=False)
    attachment.save()
    return org
