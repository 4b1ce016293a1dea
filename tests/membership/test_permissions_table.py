"""R2: one table of every portal action against every role, asserted on the server.

Each row names a URL, how to call it, and who may do it. A user outside the allowed set must get
403 from the server; an allowed user must get through the role check (any answer but 403 or a 5xx).
Rows whose URL is not built yet are skipped with the URL name, so the table fills in as apps land.
"""

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from membership.models import Role
from membership.permissions import ALLOWED_ROLES, Action
from offers.demo_catalogue import load_demo_catalogue
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory

NO_ROLE = "no_role"
ROLES = [Role.GLOBAL_ADMIN, Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN, NO_ROLE]
# Pages open to every member of the organisation, with or without a role.
EVERY_MEMBER = frozenset(ROLES)


class Allowed(frozenset):
    """The roles allowed for a row, remembering which action of the permission table they come from."""

    action = None


def roles_for(action):
    allowed = Allowed(ALLOWED_ROLES[action])
    allowed.action = action
    return allowed


# (label, URL name, args(ctx), method, data(ctx), who may do it)
TABLE = [
    ("view dashboard", "dashboard:index", None, "get", None, EVERY_MEMBER),
    ("view membership overview", "dashboard:overview", None, "get", None, roles_for(Action.VIEW)),
    ("view users", "membership:users", None, "get", None, roles_for(Action.VIEW)),
    ("view a user", "membership:user_detail", lambda c: [c["member"].pk], "get", None, roles_for(Action.VIEW)),
    ("view benefits", "benefits:list", None, "get", None, roles_for(Action.VIEW)),
    ("view offers", "offers:offer_list", None, "get", None, EVERY_MEMBER),
    ("view subscription details", "subscriptions:detail", lambda c: [c["subscription"].pk], "get", None, EVERY_MEMBER),
    ("view service requests", "support:request_list", None, "get", None, EVERY_MEMBER),
    ("buy (Subscribe now)", "offers:subscribe", lambda c: [c["offer"].pk], "post", None, roles_for(Action.BUY)),
    (
        "renew (Renew subscriptions)",
        "offers:renew_start",
        lambda c: [c["subscription"].pk],
        "post",
        None,
        roles_for(Action.RENEW),
    ),
    (
        "turn off automatic renewal",
        "subscriptions:turn_off_auto_renewal",
        lambda c: [c["subscription"].pk],
        "post",
        None,
        roles_for(Action.MANAGE_AUTO_RENEWAL),
    ),
    ("view payment methods", "billing:payment_methods", None, "get", None, roles_for(Action.MANAGE_PAYMENT_METHODS)),
    (
        "add a payment method",
        "billing:payment_method_add",
        None,
        "post",
        None,
        roles_for(Action.MANAGE_PAYMENT_METHODS),
    ),
    ("billing history", "billing:history", None, "get", None, roles_for(Action.VIEW_BILLING)),
    ("reconciliation file", "billing:reconciliation_csv", None, "get", None, roles_for(Action.VIEW_BILLING)),
    ("view the billing profile", "billing:profile", None, "get", None, EVERY_MEMBER),
    (
        "edit the billing profile",
        "billing:profile",
        None,
        "post",
        lambda c: {
            "legal_name": "Contoso GmbH",
            "street": "Hauptstraße 1",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
            "tax_id": "DE136695976",
        },
        roles_for(Action.EDIT_BILLING_PROFILE),
    ),
    ("file a request", "support:request_new", None, "post", None, roles_for(Action.FILE_SERVICE_REQUEST)),
    ("request a cancellation", "support:new_cancellation", None, "get", None, roles_for(Action.FILE_SERVICE_REQUEST)),
    (
        "accept the network agreement",
        "membership:enrol",
        None,
        "post",
        lambda c: {"accept_network_agreement": "on"},
        roles_for(Action.MANAGE_MEMBERSHIP),
    ),
    (
        "activate a benefit",
        "benefits:activate",
        lambda c: [c["tools"].pk],
        "post",
        None,
        roles_for(Action.ACTIVATE_BENEFITS),
    ),
    (
        "assign a seat",
        "benefits:seat_assign",
        lambda c: [c["seats"].pk],
        "post",
        lambda c: {"user": c["member"].pk},
        roles_for(Action.ACTIVATE_BENEFITS),
    ),
    (
        "invite a user",
        "membership:invite",
        None,
        "post",
        lambda c: {"email": "invitee@example.com", "roles": ["account_admin"]},
        roles_for(Action.MANAGE_USERS),
    ),
    (
        "change a user's roles",
        "membership:user_roles",
        lambda c: [c["member"].pk],
        "post",
        lambda c: {"roles": ["billing_admin"]},
        roles_for(Action.MANAGE_USERS),
    ),
    (
        "deactivate a user",
        "membership:user_deactivate",
        lambda c: [c["member"].pk],
        "post",
        None,
        roles_for(Action.MANAGE_USERS),
    ),
    ("view the activity log", "membership:activity", None, "get", None, roles_for(Action.VIEW_ACTIVITY)),
    ("export the activity log", "membership:activity_export", None, "get", None, roles_for(Action.VIEW_ACTIVITY)),
]


@pytest.fixture
def ctx(db):
    org = OrganizationFactory(name="Contoso")
    offer = load_demo_catalogue()
    today = timezone.localdate()
    subscription = SubscriptionFactory(organization=org, offer=offer, start=today)
    return {
        "org": org,
        "offer": offer,
        "subscription": subscription,
        "member": UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]),
        "tools": offer.benefits.get(code="developer-tools"),
        "seats": offer.benefits.get(code="office-365-e3"),
    }


def test_the_table_covers_every_action():
    """Every action of the permission table appears in at least one row (a new action needs a row)."""
    actions = {value for name, value in vars(Action).items() if not name.startswith("_")}
    covered = {row[5].action for row in TABLE if isinstance(row[5], Allowed)}
    assert covered == actions


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("row", TABLE, ids=[row[0] for row in TABLE])
def test_role_against_action(client, ctx, stripe_settings, row, role):
    label, url_name, args, method, data, allowed = row
    try:
        url = reverse(url_name, args=args(ctx) if args else None)
    except NoReverseMatch:
        pytest.skip(f"{url_name} is not built yet")
    user = UserFactory(organization=ctx["org"], roles=[] if role == NO_ROLE else [role])
    client.force_login(user)
    client.raise_request_exception = False
    payload = data(ctx) if data else {}
    response = client.post(url, payload) if method == "post" else client.get(url, payload)
    if role in allowed:
        assert response.status_code != 403, f"{role} should be allowed to {label}"
        assert response.status_code < 500, f"{label} answered {response.status_code} for {role}"
    else:
        assert response.status_code == 403, f"{role} must be refused to {label}, got {response.status_code}"
