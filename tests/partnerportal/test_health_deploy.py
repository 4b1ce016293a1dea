"""Health, deploy check, migrations, demo data (split from tests/membership/test_foundation.py)."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command

from membership.models import Organization, Role, User
from offers.models import Order, Subscription

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.django_db
class TestHealth:
    def test_healthy(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}

    def test_broker_down_answers_503(self, client, settings):
        from partnerportal.celery import app

        # The write URL is resolved from broker_url at start-up, so both are pointed at a closed port.
        original = app.conf.broker_url, app.conf.broker_write_url
        app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
        try:
            response = client.get("/healthz")
        finally:
            app.conf.broker_url, app.conf.broker_write_url = original
        assert response.status_code == 503
        assert response.json()["checks"]["broker"].startswith("error")

    def test_database_down_answers_503(self, client):
        from django.db import OperationalError

        with mock.patch("membership.views.connection.cursor", side_effect=OperationalError("down")):
            response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["checks"]["database"].startswith("error")


def _run_manage(*args, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "partnerportal.settings.production",
            "DJANGO_SECRET_KEY": "p" * 20 + "Xk2-9fj3#lq0z!aq8w7e6r5t4y3u2i1o0p" + "x" * 10,
            "DJANGO_ALLOWED_HOSTS": "partners.example",
            "STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
            "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "b" * 24,
            "STRIPE_WEBHOOK_SECRET": "whsec_" + "c" * 24,
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "WARNING" not in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DJANGO_SECRET"))}
    env["DJANGO_SETTINGS_MODULE"] = "partnerportal.settings.production"
    env["DJANGO_ALLOWED_HOSTS"] = "partners.example"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_migrations_are_complete():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


@pytest.mark.django_db
def test_demo_data_is_idempotent(stripe_settings):
    # The suite's own localstripe (stripe_settings): the demo subscriptions are bought there, once.
    call_command("load_demo_data", stdout=StringIO())
    counts = (User.objects.count(), Organization.objects.count())
    assert Subscription.objects.count() == 3
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert (User.objects.count(), Organization.objects.count()) == counts
    assert Subscription.objects.count() == 3 and Order.objects.count() == 3
    assert "global@contoso.example" in out.getvalue()
    contoso = Organization.objects.get(name="Contoso Partners")
    assert contoso.is_network_member
    roles = {u.email: u.role_set() for u in contoso.users.all()}
    assert roles["billing@contoso.example"] == {Role.BILLING_ADMIN}
    assert User.objects.get(email="staff@partner.example").is_superuser


@pytest.mark.django_db
def test_the_test_settings_reach_no_developer_payment_service(settings):
    """Without the suite's localstripe (stripe_settings), the payment service is a port where nothing
    listens, never `make run`'s localstripe on 127.0.0.1:8420 or whatever a shell or .env names."""
    import socket
    from urllib.parse import urlsplit

    from billing.gateways import GatewayError, get_gateway

    address = urlsplit(settings.STRIPE_API_BASE)
    assert address.hostname == "127.0.0.1" and address.port != 8420
    assert urlsplit(settings.STRIPE_JS_URL).netloc == address.netloc
    with socket.socket() as sock:
        assert sock.connect_ex((address.hostname, address.port)) != 0  # refused: nothing listens
    with pytest.raises(GatewayError):
        get_gateway().ping()
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "demo subscriptions skipped" in out.getvalue() and not Subscription.objects.exists()
