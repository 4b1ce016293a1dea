"""An anonymous POST to any partner page answers the sign-in redirect, never a 500 (R2, R17).

The test walks the URLconf (tests/urlwalk.py, over django.urls.get_resolver), so a new partner URL
is covered the day it is added. Every ``<id:…>`` argument names a real row (one organisation with
one of everything at that primary key), and the catalogue arguments name a real offer and benefit:
a view that forgot its guard reaches its lookups with an anonymous user, as it would in production.
"""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from membership.models import Role
from offers.models import Offer
from tests.factories.membership import UserFactory
from tests.helpers.world import build_world_at
from tests.urlwalk import SAMPLE_BY_CONVERTER, portal_urls

WORLD_PK = SAMPLE_BY_CONVERTER[next(c for c in SAMPLE_BY_CONVERTER if c.__name__ == "IntConverter")]

# Pages anyone may POST to, with the reason (they must still not answer 500). Every other page must
# send an anonymous POST to sign in.
OPEN_TO_ANONYMOUS = {
    "healthz": "the load balancer's health check",
    "sign_up": "creating an account is for people who have none",
    "login": "the sign-in page itself",
    "logout": "signing out needs no session",
    "password_reset": "a forgotten password is asked for signed out",
    "password_reset_done": "part of the signed-out password reset",
    "password_reset_confirm": "the e-mailed link is the credential",
    "password_reset_complete": "part of the signed-out password reset",
    "membership:invitation_accept": "the invitation link is the credential",
    "membership:set_language": "the language switch is on the sign-in page too",
    "billing:stripe_webhook": "called by Stripe, authenticated by its signature",
}

PORTAL_URLS = [(name, route) for name, _path, _has_id, route in portal_urls()]


def _path(name, world):
    """The URL with plausible arguments: the world's row ids, the catalogue's offer and benefit."""
    offer = Offer.objects.get(pk=world["offer_id"])
    catalogue = {"offer_id": offer.pk, "benefit_id": offer.benefits.get(kind="seat", code="office-365-e3").pk}
    return next(path for n, path, _has_id, _route in portal_urls(arguments=catalogue) if n == name)


@pytest.fixture
def world(db):
    org = build_world_at(WORLD_PK, name="World Org", tag="world")
    offer = Offer.objects.get(subscriptions__pk=WORLD_PK)
    return {"organization": org, "offer_id": offer.pk}


def test_the_walk_reaches_every_app_and_the_exceptions_exist():
    names = {name for name, _route in PORTAL_URLS}
    assert set(OPEN_TO_ANONYMOUS) <= names, set(OPEN_TO_ANONYMOUS) - names
    for namespace in (
        "membership",
        "dashboard",
        "benefits",
        "offers",
        "subscriptions",
        "billing",
        "support",
    ):
        assert any(name.startswith(namespace + ":") for name in names), namespace
    assert "billing:payment_method_remove" in names
    assert "billing:history" in names  # Billing history, served by billing
    assert not any(name.startswith("admin:") for name in names)


@pytest.mark.parametrize("name", [name for name, _route in PORTAL_URLS])
def test_an_anonymous_post_is_sent_to_sign_in(world, name):
    path = _path(name, world)
    response = Client(raise_request_exception=False).post(path, {})
    if name in OPEN_TO_ANONYMOUS:
        # Open to anyone, and still no server error for a POST with nothing in it.
        assert response.status_code < 500, f"{name} answered {response.status_code} to an anonymous POST"
        return
    if response.status_code == 405:
        # A page that takes no POST at all: it must refuse a signed-in partner's POST the same way.
        partner = Client(raise_request_exception=False)
        partner.force_login(UserFactory(organization=world["organization"], roles=list(Role.values)))
        assert partner.post(path, {}).status_code == 405, f"{name}: 405 only for anonymous users"
        return
    assert response.status_code == 302, f"{name} answered {response.status_code} to an anonymous POST"
    assert urlsplit(response.url).path == reverse("login"), f"{name} redirected to {response.url}"
