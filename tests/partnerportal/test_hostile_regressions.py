"""R17, the hostile inputs that once answered 500, one plain test each (test_hostile_input.py generates the rest).

Each class is fixed once, at its root: redirect targets (partnerportal.redirects), bounded dates
(partnerportal.forms.BoundedDateField, partnerportal.admin_dates), form limits equal to the model's
and service errors shown on the form (partnerportal.forms.add_service_errors), and ids parsed
once (partnerportal.ids: the <id:…> converter and parse_id).
"""

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve, reverse

from membership.forms import AcceptInvitationForm, InvitationForm, SignUpForm
from membership.models import Invitation, User
from partnerportal.forms import add_service_errors
from partnerportal.ids import parse_id
from partnerportal.redirects import is_local_path
from support.forms import ReplyForm, ServiceRequestForm
from support.models import ServiceRequest
from tests.factories.membership import PASSWORD
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory

TWENTY_DIGITS = "9" * 20
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def admin_client(client, global_admin):
    client.raise_request_exception = False  # a crash is a 500 answer, as a user would see it
    client.force_login(global_admin)
    return client


@pytest.fixture
def staff_client(client, db):
    client.raise_request_exception = False
    client.force_login(StaffFactory(superuser=True))
    return client


# --- redirect targets read from the request ---------------------------------------------------


@pytest.mark.parametrize("target", ["dashboard", "logout", "admin:index", "//evil.example/", "/\\evil.example"])
def test_a_language_switch_next_that_is_not_a_local_path_goes_home(admin_client, target):
    response = admin_client.post(reverse("membership:set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_language_switch_next_that_is_a_local_path_is_followed(admin_client):
    response = admin_client.post(reverse("membership:set_language"), {"language": "en", "next": "/billing/receipts/"})
    assert response["Location"] == "/billing/receipts/"


@pytest.mark.parametrize("target", ["dashboard", "logout"])
def test_a_refused_renewal_back_that_is_not_a_local_path_goes_to_offers(admin_client, global_admin, target):
    # A subscription just bought is outside the renewal window: the renewal is refused and sent "back".
    subscription = SubscriptionFactory(organization=global_admin.organization)
    response = admin_client.post(reverse("offers:renew_start", args=[subscription.pk]), {"back": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:offer_list")


@pytest.mark.parametrize("target", ["dashboard", "logout"])
def test_sign_in_next_that_is_not_a_local_path_goes_to_the_dashboard(client, global_admin, target):
    response = client.post(reverse("login") + "?next=" + target, {"username": global_admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:index")


def test_sign_out_next_that_is_not_a_local_path_is_ignored(admin_client):
    response = admin_client.post(reverse("logout"), {"next": "password_change"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")  # LOGOUT_REDIRECT_URL, not the name it was given


@pytest.mark.parametrize(
    "value, local",
    [
        ("/billing/", True),
        ("/a?b=c#d", True),
        ("dashboard", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("/\nSet-Cookie: x", False),
        ("", False),
        (None, False),
    ],
)
def test_is_local_path(value, local):
    assert is_local_path(value) is local


# --- dates at the calendar's edge -----------------------------------------------------------


@pytest.mark.parametrize("query", ["end=9999-12-31", "start=0001-01-01", "start=9999-12-31&end=9999-12-31"])
def test_an_activity_date_at_the_calendars_edge_is_a_message(admin_client, query):
    response = admin_client.get(reverse("membership:activity") + "?" + query)
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    assert admin_client.get(reverse("membership:activity_export") + "?" + query).status_code == 200


def test_the_date_range_message_is_in_russian(admin_client, global_admin):
    global_admin.language = "ru"
    global_admin.save(update_fields=["language"])
    response = admin_client.get(reverse("membership:activity") + "?end=9999-12-31", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Введите дату от 1900-01-01 до 2999-12-31." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "created_at__year=9999",
        "created_at__year=9999&created_at__month=12",
        "created_at__year=9999&created_at__month=12&created_at__day=31",
        f"created_at__year={TWENTY_DIGITS}",
        f"created_at__year=2024&created_at__month={TWENTY_DIGITS}",
    ],
)
def test_the_admin_activity_date_hierarchy_at_the_calendars_edge_is_refused(staff_client, query):
    response = staff_client.get(reverse("admin:membership_activityentry_changelist") + "?" + query)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


# --- form limits that match the model ------------------------------------------------------


def _sign_up_data(email):
    return {
        "organization_name": "Northwind",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_network_agreement": "on",
    }


@pytest.mark.parametrize("length", [255, 320])
def test_a_too_long_e_mail_at_sign_up_is_a_message_next_to_the_field(client, db, length):
    email = "a" * (length - len("@example.com")) + "@example.com"
    response = client.post(reverse("sign_up"), _sign_up_data(email))
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not User.objects.filter(email=email).exists()


def test_a_too_long_e_mail_in_an_invitation_is_a_message_next_to_the_field(admin_client):
    email = "b" * 300 + "@example.com"
    response = admin_client.post(reverse("membership:invite"), {"email": email, "roles": ["billing_admin"]})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.filter(email=email).exists()


def test_every_form_field_is_no_longer_than_its_model_column():
    pairs = [
        (SignUpForm, "organization_name", "membership.Organization", "name"),
        (SignUpForm, "first_name", "membership.User", "first_name"),
        (SignUpForm, "last_name", "membership.User", "last_name"),
        (SignUpForm, "email", "membership.User", "email"),
        (InvitationForm, "email", "membership.Invitation", "email"),
        (AcceptInvitationForm, "first_name", "membership.User", "first_name"),
        (AcceptInvitationForm, "last_name", "membership.User", "last_name"),
        (ServiceRequestForm, "title", "support.ServiceRequest", "title"),
        (ServiceRequestForm, "description", "support.ServiceRequest", "description"),
        (ReplyForm, "body", "support.RequestMessage", "body"),
    ]
    for form, field, label, column in pairs:
        limit = apps.get_model(label)._meta.get_field(column).max_length
        assert form.base_fields[field].max_length == limit, (form.__name__, field)


class _TwoFieldForm(forms.Form):
    email = forms.CharField()
    password1 = forms.CharField()


def test_a_model_error_keyed_by_field_lands_on_the_form_field_or_at_the_top():
    form = _TwoFieldForm({"email": "x", "password1": "y"})
    assert form.is_valid()
    add_service_errors(form, ValidationError({"email": ["Too long."], "organization": ["Unknown."]}), field="password1")
    assert form.errors["email"] == ["Too long."]
    assert form.non_field_errors() == ["Unknown."]


def test_a_plain_service_error_lands_on_the_named_field():
    form = _TwoFieldForm({"email": "x", "password1": "y"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("Too weak."), field="password1")
    assert form.errors["password1"] == ["Too weak."]


# --- ids parsed once -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["٣", "²", "-1", " 1", "1.0", "+1", TWENTY_DIGITS, "9" * 19, "", None, "1\n"])
def test_parse_id_refuses_what_is_not_a_bounded_ascii_id(value):
    assert parse_id(value) is None


def test_parse_id_accepts_ascii_digits():
    assert parse_id("42") == 42
    assert parse_id("9" * 18) == int("9" * 18)


def test_a_unicode_digit_subscription_in_the_query_string_is_404(admin_client, global_admin):
    subscription = SubscriptionFactory(organization=global_admin.organization)
    url = reverse("support:new_cancellation")
    assert admin_client.get(f"{url}?subscription={subscription.pk}").status_code == 200
    unicode_id = str(subscription.pk).translate(ARABIC_INDIC)
    assert admin_client.get(f"{url}?subscription={unicode_id}").status_code == 404
    assert admin_client.get(f"{url}?subscription=²").status_code == 404
    assert admin_client.get(f"{url}?subscription={TWENTY_DIGITS}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/membership/users/{TWENTY_DIGITS}/",
        f"/partnership/subscriptions/{TWENTY_DIGITS}/",
        f"/partnership/offers/checkout/{TWENTY_DIGITS}/review/",
        f"/billing/receipts/{TWENTY_DIGITS}/",
        f"/support/requests/{TWENTY_DIGITS}/",
        f"/support/requests/1/attachments/{TWENTY_DIGITS}/",
    ],
)
def test_a_twenty_digit_id_in_a_url_does_not_resolve(admin_client, path):
    with pytest.raises(Resolver404):
        resolve(path)
    assert admin_client.get(path).status_code == 404


@pytest.mark.parametrize("value", ["²", TWENTY_DIGITS, "٣"])
def test_the_staff_queue_assignee_filter_with_a_bad_id_lists_the_queue(staff_client, value):
    response = staff_client.get(reverse("admin:support_servicerequest_changelist") + "?assignee=" + value)
    assert response.status_code == 200


def test_process_cancellation_with_a_unicode_expected_amount_is_a_message(staff_client, global_admin):
    subscription = SubscriptionFactory(organization=global_admin.organization)
    service_request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
    url = reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk])
    response = staff_client.post(url, {"refund_kind": "none", "post": "yes", "expected_amount": "²"})
    assert response.status_code == 302
    service_request.refresh_from_db()
    assert service_request.status != "resolved"
    assert ServiceRequest.objects.get(pk=service_request.pk).decisions.filter(status="completed").count() == 0
