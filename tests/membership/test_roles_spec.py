"""R2 from the specification: role × action → allowed, written here from product.md, not from the code.

product.md R2: "Global admin (everything, users included), Billing admin (buy, renew, auto-renewal,
payment methods, billing history), Account admin (view, service requests), MPN partner admin
(membership, competencies, benefits). A user without the right role sees the action disabled with
the reason, and the server refuses it (403)."

The portal is compared with this table three ways: the server's answer to each action, the
disabled control and its reason on the page that offers it, and the reason's wording (which roles
it names).
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory

GLOBAL, BILLING, ACCOUNT, MPN = Role.GLOBAL_ADMIN, Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN
NO_ROLE = "no role"
EVERY_ROLE = (GLOBAL, BILLING, ACCOUNT, MPN)

# The specification's table. "Global admin: everything", so Global admin is in every row.
SPEC = {
    "view": {GLOBAL, BILLING, ACCOUNT, MPN},
    "buy": {GLOBAL, BILLING},
    "renew": {GLOBAL, BILLING},
    "auto-renewal": {GLOBAL, BILLING},
    "payment methods": {GLOBAL, BILLING},
    "billing history": {GLOBAL, BILLING},
    "service requests": {GLOBAL, ACCOUNT},
    "membership": {GLOBAL, MPN},
    "benefits": {GLOBAL, MPN},
    "users": {GLOBAL},
}
# The spec's own words for the roles, in the order the portal lists them.
ROLE_NAMES = {GLOBAL: "Global admin", BILLING: "Billing admin", ACCOUNT: "Account admin", MPN: "MPN partner admin"}

# How the portal is asked to take each action: (method, URL name, args(ctx), data(ctx)).
SERVER = {
    "view": [("get", "offers:offer_list", None, None), ("get", "dashboard:overview", None, None)],
    "buy": [("post", "offers:subscribe", lambda c: [c["offer"].pk], None)],
    "renew": [("post", "offers:renew_start", lambda c: [c["subscription"].pk], None)],
    "auto-renewal": [("post", "subscriptions:turn_off_auto_renewal", lambda c: [c["subscription"].pk], None)],
    "payment methods": [
        ("get", "billing:payment_methods", None, None),
        ("post", "billing:payment_method_add", None, None),
    ],
    "billing history": [
        ("get", "billing:history", None, None),
        ("get", "billing:reconciliation_csv", None, None),
    ],
    "service requests": [
        ("post", "support:request_new", None, None),
        ("get", "support:new_cancellation", None, None),
    ],
    "membership": [("post", "membership:enrol", None, lambda c: {"accept_network_agreement": "on"})],
    "benefits": [("post", "benefits:activate", lambda c: [c["tools"].pk], None)],
    "users": [
        ("post", "membership:invite", None, lambda c: {"email": "invitee@example.com", "roles": ["account_admin"]}),
        ("post", "membership:user_roles", lambda c: [c["member"].pk], lambda c: {"roles": ["billing_admin"]}),
    ],
}

# Where the portal offers an action to every member, and must show it disabled with the reason.
CONTROLS = {
    "buy": ("offers:offer_list", None),
    "renew": ("subscriptions:detail", lambda c: [c["subscription"].pk]),
    "auto-renewal": ("subscriptions:detail", lambda c: [c["subscription"].pk]),
    "service requests": ("support:report", None),
    "benefits": ("benefits:list", None),
    "users": ("membership:users", None),
}


def expected_reason(action):
    """The reason the portal must give, naming exactly the roles the spec allows."""
    names = ", ".join(ROLE_NAMES[role] for role in EVERY_ROLE if role in SPEC[action])
    return "Only a user with one of these roles can do this: %s." % names


@pytest.fixture
def ctx(db):
    org = OrganizationFactory(name="Contoso")
    offer = load_demo_catalogue()
    # Inside the renewal window, so "Renew subscriptions" is offered to whoever may renew.
    subscription = SubscriptionFactory(organization=org, offer=offer, end=timezone.localdate())
    return {
        "org": org,
        "offer": offer,
        "subscription": subscription,
        "member": UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]),
        "tools": offer.benefits.get(code="developer-tools"),
    }


def _user(ctx, role):
    return UserFactory(organization=ctx["org"], roles=[] if role == NO_ROLE else [role])


# R2 is silent on a member without a role; the portal lets every member read (the dashboard, offers,
# subscription details, their requests), so "view" is not asked of a role-less user here.
CASES = [(action, role) for action in SERVER for role in (*EVERY_ROLE, NO_ROLE) if (action, role) != ("view", NO_ROLE)]


@pytest.mark.parametrize("action, role", CASES, ids=["%s-%s" % case for case in CASES])
def test_the_server_answers_as_the_spec_says(ctx, client, action, role):
    client.force_login(_user(ctx, role))
    for method, name, args, data in SERVER[action]:
        url = reverse(name, args=args(ctx) if args else None)
        response = getattr(client, method)(url, data(ctx) if data else {})
        if role in SPEC[action]:
            assert response.status_code not in (403,) and response.status_code < 500, (url, response.status_code)
        else:
            assert response.status_code == 403, (url, response.status_code)


CONTROL_CASES = [(action, role) for action in CONTROLS for role in EVERY_ROLE]


@pytest.mark.parametrize("action, role", CONTROL_CASES, ids=["%s-%s" % case for case in CONTROL_CASES])
def test_a_refused_action_is_shown_disabled_with_the_reason(ctx, client, action, role):
    name, args = CONTROLS[action]
    client.force_login(_user(ctx, role))
    response = client.get(reverse(name, args=args(ctx) if args else None))
    assert response.status_code == 200
    html = response.content.decode()
    if role in SPEC[action]:
        assert expected_reason(action) not in html
    else:
        assert expected_reason(action) in html
