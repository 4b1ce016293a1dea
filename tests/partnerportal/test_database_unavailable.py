"""R17: a database that is busy or does not answer is a 503 page with Retry-After in the
reader's language, never a 500 with a traceback; the settings reconnect after a restart."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from membership.models import Role
from tests.factories.membership import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
ENGLISH = "is busy or cannot reach its database right now"
RUSSIAN = "сейчас перегружен или не может связаться со своей базой данных"


def unreachable(error=None):
    """Every query fails as it does when the server is down (or, for SQLite, locked past the timeout)."""
    error = error or OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    return mock.patch.object(connection, "ensure_connection", side_effect=error)


def assert_unavailable_page(response, text):
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert text in body
    assert "Traceback" not in body and "OperationalError" not in body and "127.0.0.1" not in body


@pytest.mark.django_db
class TestDatabaseDown:
    def test_a_signed_in_page_answers_503_in_english(self, org):
        # The user is loaded by the middleware, before any view: the error comes from inside the stack.
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        with unreachable():
            response = client.get(reverse("dashboard:index"), HTTP_ACCEPT_LANGUAGE="en")
        assert_unavailable_page(response, ENGLISH)
        assert '<html lang="en">' in response.content.decode()

    def test_the_language_cookie_gives_russian(self, org):
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        client.cookies["django_language"] = "ru"
        with unreachable():
            response = client.get(reverse("offers:offer_list"))
        assert_unavailable_page(response, RUSSIAN)
        assert "Повторите попытку через несколько секунд" in response.content.decode()

    def test_a_view_that_queries_answers_503_in_the_browsers_language(self):
        # Signing in queries from the view: process_exception answers before Django makes it a 500.
        client = Client()  # re-raises any exception that became a 500: none may
        with unreachable():
            response = client.post(
                reverse("login"),
                {"username": "someone@contoso.example", "password": "secret"},
                HTTP_ACCEPT_LANGUAGE="ru",
            )
        assert_unavailable_page(response, RUSSIAN)

    def test_a_locked_sqlite_database_past_the_timeout_is_503_too(self, org):
        client = Client()
        with unreachable(OperationalError("database is locked")):
            response = client.post(
                reverse("login"), {"username": "a@contoso.example", "password": "x"}, HTTP_ACCEPT_LANGUAGE="en"
            )
        assert_unavailable_page(response, ENGLISH)

    def test_a_connection_closed_under_us_is_503(self, org):
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        with unreachable(InterfaceError("connection already closed")):
            response = client.get(reverse("dashboard:index"))
        assert_unavailable_page(response, ENGLISH)

    def test_with_debug_on_it_is_the_same_page_not_the_debug_page(self, org, settings):
        # `make run` runs with DEBUG on: a locked database there must not show a traceback either.
        settings.DEBUG = True
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        with unreachable(OperationalError("database is locked")):
            response = client.get(reverse("dashboard:index"))
        assert_unavailable_page(response, ENGLISH)

    def test_other_errors_are_still_500(self, org):
        # Only the database being unavailable is a 503; a bug stays a bug.
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=ZeroDivisionError):
            response = client.get(reverse("dashboard:index"))
        assert response.status_code == 500

    def test_service_is_back_as_soon_as_the_database_answers(self, org):
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        with unreachable():
            assert client.get(reverse("dashboard:index")).status_code == 503
        assert client.get(reverse("dashboard:index")).status_code == 200


def test_connections_are_checked_before_reuse_and_kept_in_production():
    """CONN_HEALTH_CHECKS everywhere; persistent connections (CONN_MAX_AGE) in production."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DATABASE_CONN_MAX_AGE")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "partnerportal.settings.production",
            "DJANGO_SECRET_KEY": "p" * 20 + "Xk2-9fj3#lq0z!aq8w7e6r5t4y3u2i1o0p" + "x" * 10,
            "DJANGO_ALLOWED_HOSTS": "partners.example",
            "STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
            "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "b" * 24,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "c" * 24,
        }
    )
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [60, True]
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
