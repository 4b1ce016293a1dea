"""R12 for every URL: an object id of another organisation answers 404, whatever the URL.

The test walks the URLconf, so a new URL with an object id is covered the day it is added.
Another organisation's world is built with the same primary key (900001) in every model a URL
can point at, so whichever model a URL reads, the id exists and belongs to someone else.
"""

import datetime

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone

from membership.models import Organization, Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import OrderKind, OrderStatus, Subscription, SubscriptionStatus
from tests.factories.billing import CreditNoteFactory, InvoiceFactory, PaymentMethodFactory, RefundFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import OrderFactory, OrderPaymentFactory
from tests.urlwalk import SAMPLE_BY_CONVERTER, portal_urls

FOREIGN_PK = SAMPLE_BY_CONVERTER[next(c for c in SAMPLE_BY_CONVERTER if c.__name__ == "IntConverter")]

# URL arguments that name shared catalogue rows, not an organisation's own objects.
CATALOGUE_ARGUMENTS = {
    "offers:subscribe": "offer_id is the shared offer catalogue",
    "benefits:activate": "benefit_id is the offer's catalogue benefit; the subscription is the user's own",
    "benefits:seat_assign": "benefit_id is the offer's catalogue benefit; the subscription is the user's own",
}

# Models that hold an organisation's data; each must have a row with FOREIGN_PK in the other world.
ORG_MODELS = [
    "membership.User",
    "membership.Invitation",
    "offers.SeatAssignment",
    "offers.BenefitActivation",
    "offers.Subscription",
    "billing.PaymentMethod",
    "offers.Order",
    "billing.Payment",
    "billing.Invoice",
    "billing.CreditNote",
    "support.ServiceRequest",
    "support.RequestMessage",
    "support.Attachment",
]


def _build_foreign_world():
    """Another enrolled organisation with one of everything, each at primary key FOREIGN_PK."""
    offer = load_demo_catalogue()
    org = OrganizationFactory(name="Foreign Org")
    today = timezone.localdate()
    user = UserFactory(pk=FOREIGN_PK, email="owner@foreign.example", password="x", organization=org, roles=[])
    card = PaymentMethodFactory(pk=FOREIGN_PK, organization=org, stripe_payment_method_id="pm_foreign")
    # A row at a fixed primary key: the service cannot choose one, so this one is written here.
    subscription = Subscription.objects.create(
        pk=FOREIGN_PK,
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
        pk=FOREIGN_PK,
        number="ORD-FOREIGN",
        organization=org,
        offer=offer,
        kind=OrderKind.RENEWAL,
        status=OrderStatus.DRAFT,
        subscription=subscription,
        created_by=user,
        payment_method=card,
    )
    payment = OrderPaymentFactory(
        pk=FOREIGN_PK, order=order, stripe_payment_intent_id="pi_foreign", idempotency_key="foreign-1"
    )
    invoice = InvoiceFactory(pk=FOREIGN_PK, payment=payment)
    CreditNoteFactory(pk=FOREIGN_PK, invoice=invoice, refund=RefundFactory(payment=payment, amount=100))
    seat_benefit = offer.benefits.get(kind="seat", code="office-365-e3")
    apps.get_model("membership", "Invitation").objects.create(
        pk=FOREIGN_PK, organization=org, email="invitee@foreign.example", roles=[Role.BILLING_ADMIN], invited_by=user
    )
    apps.get_model("offers", "SeatAssignment").objects.create(
        pk=FOREIGN_PK, subscription=subscription, benefit=seat_benefit, user=user, seat=1
    )
    apps.get_model("offers", "BenefitActivation").objects.create(
        pk=FOREIGN_PK, subscription=subscription, benefit=seat_benefit, activated_by=user
    )
    request = apps.get_model("support", "ServiceRequest").objects.create(
        pk=FOREIGN_PK,
        number="SR-FOREIGN",
        organization=org,
        requester=user,
        problem_type="invoice_payment",
        title="Foreign",
        description="Foreign",
        subscription=subscription,
    )
    message = apps.get_model("support", "RequestMessage").objects.create(
        pk=FOREIGN_PK, request=request, author=user, body="Foreign"
    )
    attachment = apps.get_model("support", "Attachment")(
        pk=FOREIGN_PK,
        request=request,
        message=message,
        original_name="a.txt",
        size=1,
        content_type="text/plain",
        uploaded_by=user,
    )
    attachment.file.save("foreign.txt", ContentFile(b"x"), save=False)
    attachment.save()
    return org


@pytest.fixture
def me_and_foreign_world(db, client):
    foreign = _build_foreign_world()
    mine = OrganizationFactory(name="My Org")
    me = UserFactory(organization=mine, roles=list(Role.values))
    client.force_login(me)
    return client, foreign


def test_every_org_model_has_a_foreign_row(me_and_foreign_world):
    _client, foreign = me_and_foreign_world
    for label in ORG_MODELS:
        assert apps.get_model(label).objects.filter(pk=FOREIGN_PK).exists(), label


def test_the_walk_covers_every_app_model_that_points_at_an_organisation():
    """A new organisation-owned model must be added to ORG_MODELS (or be reachable through one)."""
    direct = {
        f"{m._meta.app_label}.{m.__name__}"
        for m in apps.get_models()
        if m._meta.app_label in {"membership", "offers", "billing", "support"}
        and any(f.is_relation and f.related_model is Organization for f in m._meta.fields)
    }
    # Org-owned rows that no URL addresses by id (listed with the reason).
    not_addressed_by_id = {
        "membership.Competency": "shown in lists only",
        "membership.ActivityEntry": "shown in lists and CSV only",
        "offers.TermsAcceptance": "never addressed by id",
        "billing.Refund": "shown through its payment's receipt",
        "billing.BillingProfile": "one per organisation: its page reads the user's own",
    }
    assert direct - set(ORG_MODELS) - set(not_addressed_by_id) == set()


ID_URLS = [(name, path) for name, path, has_id, _route in portal_urls() if has_id]


def test_there_are_id_urls_to_walk():
    assert len(ID_URLS) >= 15


@pytest.mark.parametrize("name, path", ID_URLS)
def test_another_organisations_id_answers_404(me_and_foreign_world, name, path):
    if name in CATALOGUE_ARGUMENTS:
        pytest.skip(CATALOGUE_ARGUMENTS[name])
    client, _foreign = me_and_foreign_world
    assert client.get(path).status_code in (404, 405), f"GET {name}"
    # POST is refused the same way (405 only where the URL takes no POST at all).
    assert client.post(path, {}).status_code in (404, 405), f"POST {name}"
