"""Both sign-in pages under django-axes: locked per account and per address, in the reader's
language, and staff can unlock in the admin."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import User
from tests.factories.membership import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ANN = "ann@contoso.example"
HOME = "203.0.113.10"
ELSEWHERE = "198.51.100.20"
LOCKED_EN = "Too many failed sign-in attempts"
LOCKED_RU = "Слишком много неудачных попыток входа"


def _client(address=HOME, **headers):
    return Client(REMOTE_ADDR=address, **headers)


def _sign_in(client, username, password, url=None):
    return client.post(url or reverse("login"), {"username": username, "password": password})


@pytest.fixture
def ann(org):
    return UserFactory(organization=org, email=ANN)


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="staff@partner.example", password=PASSWORD)


def test_thirty_wrong_passwords_at_the_admin_sign_in_are_stopped(staff, settings):
    client = _client()
    admin_login = reverse("admin:login")
    codes = [_sign_in(client, staff.email, "wrong", admin_login).status_code for _ in range(30)]

    limit = settings.LOGIN_FAILURES_PER_ACCOUNT
    assert codes[: limit - 1] == [200] * (limit - 1)  # the admin's own "please enter the correct…"
    assert codes[limit - 1 :] == [429] * (30 - limit + 1)
    # Locked: even the right password is refused, and no session starts.
    response = _sign_in(client, staff.email, PASSWORD, admin_login)
    assert response.status_code == 429
    assert LOCKED_EN in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_in_russian_for_a_russian_browser(ann, settings):
    client = _client(HTTP_ACCEPT_LANGUAGE="ru")
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        response = _sign_in(client, ANN, "wrong")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED_RU in page and "Подождите 15 мин." in page
    assert LOCKED_EN not in page
    assert response["Retry-After"] == str(settings.LOGIN_LOCKOUT_SECONDS)

    english = _sign_in(_client(ELSEWHERE, HTTP_ACCEPT_LANGUAGE="en"), ANN, PASSWORD)
    assert english.status_code == 429
    assert "Wait 15 minutes and try again." in english.content.decode()


def test_a_locked_account_is_locked_from_another_address_too(ann, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _sign_in(_client(HOME), ANN, "wrong")

    response = _sign_in(_client(ELSEWHERE), ANN, PASSWORD)
    assert response.status_code == 429
    assert LOCKED_EN in response.content.decode()


def test_the_account_is_counted_whatever_the_case_of_the_e_mail(ann, settings):
    client = _client()
    for spelling in ["Ann@contoso.example", "ANN@CONTOSO.EXAMPLE", " ann@Contoso.example", "aNN@contoso.example"]:
        _sign_in(client, spelling, "wrong")
    assert settings.LOGIN_FAILURES_PER_ACCOUNT == 5
    assert _sign_in(client, ANN, "wrong").status_code == 429


def test_one_address_trying_many_accounts_is_limited_per_address(org, settings):
    settings.LOGIN_FAILURES_PER_IP = 12
    bob = UserFactory(organization=org, email="bob@contoso.example")
    guesser = _client(HOME)
    # Four guesses per account: no account reaches its limit of 5.
    for name in ("carol", "dave"):
        for _ in range(4):
            assert _sign_in(guesser, f"{name}@contoso.example", "wrong").status_code == 200
    # 8 failures from the address: more than one account's limit, fewer than the address's.
    assert _sign_in(guesser, bob.email, PASSWORD).status_code == 302
    guesser.post(reverse("logout"))
    for _ in range(4):
        _sign_in(guesser, "erin@contoso.example", "wrong")  # the address reaches 12

    response = _sign_in(guesser, bob.email, PASSWORD)
    assert response.status_code == 429
    assert LOCKED_EN in response.content.decode()
    # The address is locked, not the accounts: Bob signs in from elsewhere.
    assert _sign_in(_client(ELSEWHERE), bob.email, PASSWORD).status_code == 302


def test_signing_in_to_ones_own_account_does_not_reset_the_guesses_at_another(ann, org, settings):
    mallory = UserFactory(organization=org, email="mallory@contoso.example")
    guesser = _client(HOME)
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        assert _sign_in(guesser, ANN, "wrong").status_code == 200
    assert _sign_in(guesser, mallory.email, PASSWORD).status_code == 302
    guesser.post(reverse("logout"))

    assert _sign_in(guesser, ANN, "wrong").status_code == 429


def test_the_lock_ends_after_the_cool_off(ann, settings):
    client = _client()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _sign_in(client, ANN, "wrong")
    assert _sign_in(client, ANN, PASSWORD).status_code == 429

    later = timezone.now() + datetime.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 60)
    with time_machine.travel(later, tick=True):
        assert _sign_in(client, ANN, PASSWORD).status_code == 302


def test_staff_unlock_an_account_in_the_admin(ann, staff, settings):
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT):
        _sign_in(_client(HOME), ANN, "wrong")
    assert _sign_in(_client(HOME), ANN, PASSWORD).status_code == 429

    admin = _client(ELSEWHERE)
    admin.force_login(staff)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = admin.get(changelist)
    assert page.status_code == 200 and ANN in page.content.decode()
    attempts = list(AccessAttempt.objects.filter(username=ANN).values_list("pk", flat=True))
    assert attempts
    confirm = admin.post(changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert confirm.status_code == 302
    assert not AccessAttempt.objects.filter(username=ANN).exists()

    assert _sign_in(_client(HOME), ANN, PASSWORD).status_code == 302
