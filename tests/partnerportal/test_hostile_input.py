"""R17 for every URL and every form: no generated input, however hostile, is answered with a 500.

Walks the URLconf (every portal URL pattern, and the admin pages the portal adds: Process
cancellation and its models' change lists with their filters), and for each one lets hypothesis
generate requests: odd ids in the path (huge, negative, empty, Unicode digits), query strings and
form bodies built from the fields of the forms that post there (read from the rendered pages),
each field missing, repeated, too long, in Unicode or out of range, plus stray keys such as
next/back/dates/ids. Each request runs as anonymous, as another organisation's Global admin, and
as the right role (the organisation's Global admin; a staff superuser in the admin), inside a
savepoint rolled back afterwards so every example meets the same world.

Bounded in time and reproducible: a few derandomized examples per URL.
"""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership.models import Role
from membership.services import invitation_create
from offers.models import OrderKind, OrderStatus
from support import services as support_services
from tests.factories.billing import PaymentMethodFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import OrderFactory, OrderPaymentFactory, SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.helpers.hostile import (
    GENERIC_KEYS,
    baseline_value,
    dangerous_values,
    encode,
    field_strategies,
    fill_route,
    form_fields,
    harvest_forms,
    id_text,
    key_value_pairs,
    route_arguments,
)
from tests.urlwalk import PORTAL_APPS, admin_custom_urls, portal_urls

PORTAL_ROUTES = [(name, route) for name, _path, _has_id, route in portal_urls()]
ADMIN_ROUTES = admin_custom_urls()
EXAMPLES_PER_URL = 8

# Forms the harvest cannot read off a page of this world: a second step, a state the world lacks,
# or a link whose query string is empty until a filter is set.
FIELDS_NOT_ON_A_STATIC_PAGE = {
    ("offers:checkout_payment", "post"): {"payment_method"},  # after the terms are accepted
    ("offers:checkout_add_card", "post"): {"payment_method_id"},  # filled in by stripe.js
    # after the terms are accepted (the world's organisation has a profile; the step still takes it)
    ("offers:checkout_billing_profile", "post"): {"legal_name", "street", "city", "postal_code", "country", "tax_id"},
    ("billing:payment_method_add", "post"): {"payment_method_id"},  # filled in by stripe.js
    ("offers:renew_start", "post"): {"back"},  # inside the renewal window
    ("membership:invitation_accept", "post"): {"first_name", "last_name", "password1", "password2"},  # a valid token
    ("password_reset_confirm", "post"): {"new_password1", "new_password2"},  # a valid token
    ("membership:activity_export", "get"): {"start", "end"},  # the activity filter, passed on
    ("admin:support_servicerequest_process_cancellation", "post"): {"refund_kind", "post", "expected_amount"},
}


def _build_world():
    """My organisation with one of everything, another organisation, and a staff superuser."""
    mine = OrganizationFactory(name="Contoso")
    me = UserFactory(organization=mine, roles=[Role.GLOBAL_ADMIN], email="me@contoso.example")
    colleague = UserFactory(organization=mine, roles=[Role.BILLING_ADMIN], email="colleague@contoso.example")
    invitation_create(
        actor=me, email="invitee@contoso.example", roles=[Role.BILLING_ADMIN], base_url="http://testserver/"
    )
    card = PaymentMethodFactory(organization=mine)
    subscription = SubscriptionFactory(organization=mine, payment_method=card, actor=me)
    OrderFactory(
        organization=mine,
        kind=OrderKind.RENEWAL,
        subscription=subscription,
        created_by=me,
        payment_method=card,
    )
    OrderFactory(organization=mine, created_by=me, payment_method=card)
    paid = OrderFactory(
        organization=mine, status=OrderStatus.PAID, paid_at=timezone.now(), created_by=me, payment_method=card
    )
    OrderPaymentFactory(order=paid)
    service_request = ServiceRequestFactory(user=me, subscription=subscription, wants_cancellation=True)
    support_services.message_add(
        service_request=service_request,
        author=me,
        body="The receipt is attached.",
        uploads=[SimpleUploadedFile("receipt.txt", b"paid", content_type="text/plain")],
    )
    foreign_org = OrganizationFactory(name="Fabrikam")
    foreign = UserFactory(organization=foreign_org, roles=list(Role.values), email="owner@fabrikam.example")
    staff = StaffFactory(superuser=True)
    pool = sorted(
        {
            pk
            for model in apps.get_models()
            if model._meta.app_label in PORTAL_APPS
            for pk in model.objects.values_list("pk", flat=True)[:50]
            if isinstance(pk, int)
        }
    )
    del colleague
    return {"me": me, "foreign": foreign, "staff": staff, "pool": pool}


def _paths(routes, pool):
    """Each route with every argument set to each id of the world: enough to reach every page once."""
    paths = []
    for _name, route in routes:
        arguments = route_arguments(route)
        for pk in pool if arguments else [None]:
            paths.append(fill_route(route, dict.fromkeys(arguments, str(pk))))
    return paths


def _harvest(world):
    """The form fields each URL takes, read from every page as anonymous, the right role and staff would see it."""
    client = Client()
    found = harvest_forms(client, _paths(PORTAL_ROUTES, world["pool"]))  # sign-up, sign-in, password reset
    client.force_login(world["me"])
    found.merge(harvest_forms(client, _paths(PORTAL_ROUTES, world["pool"])))
    client.force_login(world["staff"])
    found.merge(harvest_forms(client, _paths(ADMIN_ROUTES, world["pool"])))
    for (name, method), fields in FIELDS_NOT_ON_A_STATIC_PAGE.items():
        found.entry(name)[method] |= fields
    return found


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in an outer transaction, rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = _build_world()
        built["forms"] = _harvest(built)
        built["strategies"] = field_strategies(built["pool"])
        built["fields"] = form_fields(built["pool"])
        yield built
        transaction.set_rollback(True)


def test_the_walk_finds_the_forms(db, world):
    """The harvest reads the forms off the pages: a regression here would quietly weaken the tests below."""
    forms = world["forms"]
    assert {"email", "password1", "accept_network_agreement"} <= forms["sign_up"]["post"]
    assert {"start", "end"} <= forms["membership:activity"]["get"]
    assert "next" in forms["membership:set_language"]["post"]
    assert "roles" in forms["membership:user_roles"]["post"]
    assert {"title", "description", "subscription"} <= forms["support:request_new"]["post"]
    assert "subscription" in forms["support:new_cancellation"]["get"]
    assert "refund_kind" in forms["admin:support_servicerequest_process_cancellation"]["post"]
    assert {"assignee", "age"} <= forms["admin:support_servicerequest_changelist"]["get"]
    assert len(PORTAL_ROUTES) >= 50 and len(ADMIN_ROUTES) >= 10


def _send(client, method, path, pairs):
    with transaction.atomic():
        if method == "get":
            joiner = "&" if "?" in path else "?"
            response = client.get(path + (joiner + encode(pairs) if pairs else ""))
        else:
            response = client.post(path, data=encode(pairs), content_type="application/x-www-form-urlencoded")
        transaction.set_rollback(True)
    return response


def _login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


# --- random exploration: every URL, three roles, hostile everything ----------------------------


def _hostile_request(client, world, name, route, admin, data):
    right = world["staff"] if admin else world["me"]
    user = data.draw(st.sampled_from([right, None, world["foreign"]]), label="user")
    _login(client, user)
    path = fill_route(route, {arg: data.draw(id_text(world["pool"]), label=arg) for arg in route_arguments(route)})
    harvested = world["forms"].get(name, {"get": set(), "post": set()})
    method = data.draw(st.sampled_from(["get", "post"]), label="method")
    fields = harvested[method]
    pairs = data.draw(key_value_pairs(fields, world["strategies"], world["pool"], max_extra=4), label="pairs")
    response = _send(client, method, path, pairs)
    assert response.status_code < 500, f"{method.upper()} {name}: {response.status_code}"


HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_URL,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("name, route", PORTAL_ROUTES, ids=[name for name, _route in PORTAL_ROUTES])
@HYPOTHESIS
@given(data=st.data())
def test_no_portal_url_answers_500(world, db, client, name, route, data):
    _hostile_request(client, world, name, route, False, data)


@pytest.mark.parametrize("name, route", ADMIN_ROUTES, ids=[name for name, _route in ADMIN_ROUTES])
@HYPOTHESIS
@given(data=st.data())
def test_no_admin_page_of_the_portal_answers_500(world, db, client, name, route, data):
    _hostile_request(client, world, name, route, True, data)


# --- one field at a time: a form the right role would send, with one dangerous value ------------

ALL_ROUTES = [(name, route, False) for name, route in PORTAL_ROUTES] + [
    (name, route, True) for name, route in ADMIN_ROUTES
]
ID_PATH_VALUES = ["9" * 20, str(2**63), "٣"]


@pytest.mark.parametrize("name, route, admin", ALL_ROUTES, ids=[name for name, _route, _admin in ALL_ROUTES])
def test_each_field_with_each_dangerous_value_answers_below_500(world, db, client, name, route, admin):
    """Deterministic: every harvested field, and every id in the path, gets each value that once broke something."""
    harvested = world["forms"].get(name)
    path = harvested["path"] if harvested and harvested["path"] else None
    users = [world["staff"] if admin else world["me"], None]
    client.raise_request_exception = False  # collect every 500, not only the first
    failures = []
    for user in users:
        _login(client, user)
        for argument in route_arguments(route):
            for value in ID_PATH_VALUES:
                bad_path = fill_route(
                    route, {arg: value if arg == argument else str(world["pool"][0]) for arg in route_arguments(route)}
                )
                for method in ("get", "post"):
                    status = _send(client, method, bad_path, []).status_code
                    if status >= 500:
                        failures.append((user, method, bad_path, status))
        if path is None:
            continue
        for method in ("get", "post"):
            names = sorted(harvested[method])
            baseline = [(n, baseline_value(n, world["fields"].get(n), world["pool"])) for n in names]
            for index, field_name in enumerate(names):
                for value in dangerous_values(field_name, world["fields"].get(field_name), world["pool"]):
                    pairs = baseline[:index] + [(field_name, value)] + baseline[index + 1 :]
                    status = _send(client, method, path, pairs).status_code
                    if status >= 500:
                        failures.append((user, method, path, field_name, value[:40], status))
    assert failures == []


def test_generic_keys_cover_the_redirect_date_and_id_parameters():
    assert {"next", "back", "start", "end", "subscription", "assignee", "created_at__year"} <= set(GENERIC_KEYS)
