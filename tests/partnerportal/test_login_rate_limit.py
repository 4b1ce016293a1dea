"""Password guessing is slowed down: after N failures the account is locked out for a while."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories.membership import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_login_is_refused_after_too_many_failures(client, org, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 4
    UserFactory(organization=org, email="ann@contoso.example")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": "wrong"})
        assert response.status_code == 200
    # django-axes answers the failure that reaches the limit with the lockout page already.
    client.post(reverse("login"), {"username": "ann@contoso.example", "password": "wrong"})
    # Even the right password is refused while locked out, with a clear message.
    response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked by this one.
    UserFactory(organization=org, email="bob@contoso.example")
    response = client.post(reverse("login"), {"username": "bob@contoso.example", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_successful_login_resets_the_count(client, org, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    UserFactory(organization=org, email="ann@contoso.example")
    for _ in range(2):
        client.post(reverse("login"), {"username": "ann@contoso.example", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        client.post(reverse("login"), {"username": "ann@contoso.example", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_many_accounts_from_one_address_hit_the_address_limit(client, org, settings):
    settings.LOGIN_FAILURES_PER_IP = 4
    for i in range(4):
        client.post(reverse("login"), {"username": f"nobody{i}@example.com", "password": "wrong"})
    UserFactory(organization=org, email="ann@contoso.example")
    response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
    assert response.status_code == 429
