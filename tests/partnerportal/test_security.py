"""Security properties that hold for every URL: CSRF on every POST, sessions that end when they should."""

import pytest
from django.test import Client
from django.urls import reverse

from membership.models import UserSession
from tests.factories.membership import PASSWORD, UserFactory
from tests.urlwalk import portal_urls

# Endpoints that must accept a POST without a CSRF token, with the reason.
CSRF_EXEMPT = {
    "billing:stripe_webhook": "called by Stripe, authenticated by its signature instead",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name, path", [(n, p) for n, p, _has_id, _route in portal_urls()])
def test_every_post_without_csrf_token_is_refused(name, path, org):
    if name in CSRF_EXEMPT:
        pytest.skip(CSRF_EXEMPT[name])
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(organization=org))
    response = client.post(path, {})
    # 403 from the CSRF check; 405 where the URL takes no POST at all (nothing to forge).
    assert response.status_code in (403, 405), f"{name} answered {response.status_code}"


@pytest.mark.django_db
def test_anonymous_post_without_csrf_token_is_refused_too():
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "x@example.com", "password": "x"}).status_code == 403
    assert client.post(reverse("sign_up"), {}).status_code == 403


@pytest.mark.django_db
def test_session_ends_at_logout(client, org):
    UserFactory(organization=org, email="ann@contoso.example")
    client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
    key = client.session.session_key
    assert UserSession.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()
    assert client.get(reverse("dashboard:index")).status_code == 302


@pytest.mark.django_db
def test_password_change_ends_the_other_sessions(org):
    UserFactory(organization=org, email="ann@contoso.example")
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert (
            device.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD}).status_code == 302
        )
    new_password = "N3w-and-l0nger-passw0rd"
    response = laptop.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    # The device that changed it stays in; the other one is signed out.
    assert laptop.get(reverse("dashboard:index")).status_code == 200
    assert phone.get(reverse("dashboard:index")).status_code == 302
