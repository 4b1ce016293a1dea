"""R12 for every URL: an object id of another organisation answers 404, whatever the URL.

The test walks the URLconf, so a new URL with an object id is covered the day it is added.
Another organisation's world is built with the same primary key (900001) in every model a URL
can point at, so whichever model a URL reads, the id exists and belongs to someone else.
"""

import pytest
from django.apps import apps

from membership.models import Organization, Role
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.helpers.world import build_world_at
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


@pytest.fixture
def me_and_foreign_world(db, client):
    foreign = build_world_at(FOREIGN_PK, name="Foreign Org")
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
