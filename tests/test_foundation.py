"""Issue 2: sign-up, login, isolation, roles, language, health, deploy check, migrations."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from membership.models import Organization, Role, User
from membership.permissions import ALLOWED_ROLES, Action, user_can
from tests.factories import PASSWORD, make_org, make_user

ROOT = Path(__file__).resolve().parent.parent


def _sign_up_data(**overrides):
    data = {
        "organization_name": "Tailspin Toys",
        "first_name": "Tess",
        "last_name": "Tailspin",
        "email": "Tess@Tailspin.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "accept_network_agreement": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestSignUp:
    def test_sign_up_enrols_the_organisation_and_makes_a_global_admin(self, client):
        response = client.post(reverse("sign_up"), _sign_up_data())
        assert response.status_code == 302
        user = User.objects.get(email="tess@tailspin.example")
        assert user.role_set() == {Role.GLOBAL_ADMIN}
        org = user.organization
        assert org.name == "Tailspin Toys"
        assert org.is_network_member
        assert org.network_agreement_accepted_by == user
        assert org.network_agreement_version
        # Signed in straight away, and the dashboard shows the network tier.
        page = client.get(reverse("dashboard:index"))
        assert page.status_code == 200
        assert "Network membership" in page.content.decode()

    def test_sign_up_without_accepting_the_agreement_creates_nothing(self, client):
        data = _sign_up_data()
        del data["accept_network_agreement"]
        response = client.post(reverse("sign_up"), data)
        assert response.status_code == 200
        assert "You must accept the network agreement" in response.content.decode()
        assert not Organization.objects.exists()
        assert not User.objects.exists()

    def test_weak_password_and_duplicate_email_are_refused_with_a_message(self, client):
        response = client.post(reverse("sign_up"), _sign_up_data(password1="123", password2="123"))
        assert response.status_code == 200
        assert not User.objects.exists()
        make_user(make_org(), email="tess@tailspin.example")
        response = client.post(reverse("sign_up"), _sign_up_data())
        assert "already exists" in response.content.decode()
        assert User.objects.count() == 2  # the org's own admin plus the existing Tess

    def test_an_organisation_not_enrolled_can_enrol_from_the_dashboard(self, client):
        org = make_org(enrolled=False)
        admin = make_user(org, roles=[Role.GLOBAL_ADMIN])
        client.force_login(admin)
        assert "Join the network" in client.get(reverse("dashboard:index")).content.decode()
        client.post(reverse("membership:enrol"), {"accept_network_agreement": "on"})
        org.refresh_from_db()
        assert org.is_network_member and org.network_agreement_accepted_by == admin

    def test_enrolment_needs_the_membership_role(self, client):
        org = make_org(enrolled=False)
        client.force_login(make_user(org, roles=[Role.BILLING_ADMIN]))
        response = client.post(reverse("membership:enrol"), {"accept_network_agreement": "on"})
        assert response.status_code == 403
        org.refresh_from_db()
        assert not org.is_network_member


@pytest.mark.django_db
class TestLogin:
    def test_login_and_logout(self, client, org):
        user = make_user(org, email="ann@contoso.example")
        response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard:index")
        assert client.get(reverse("dashboard:index")).status_code == 200
        client.post(reverse("logout"))
        response = client.get(reverse("dashboard:index"))
        assert response.status_code == 302 and reverse("login") in response["Location"]
        assert user.is_active

    def test_wrong_password_is_refused(self, client, org):
        make_user(org, email="ann@contoso.example")
        response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": "nope"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_session_key_changes_at_login(self, client, org):
        make_user(org, email="ann@contoso.example")
        client.get(reverse("login"))
        client.session.save()
        before = client.session.session_key
        client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
        assert client.session.session_key != before

    def test_password_reset_sends_an_email_with_a_working_link(self, client, org):
        make_user(org, email="ann@contoso.example")
        client.post(reverse("password_reset"), {"email": "ann@contoso.example"})
        assert len(mail.outbox) == 1
        link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
        path = link.split("testserver", 1)[1]
        response = client.get(path, follow=True)
        assert response.status_code == 200
        response = client.post(
            response.redirect_chain[-1][0], {"new_password1": "an0ther-Passw0rd!", "new_password2": "an0ther-Passw0rd!"}
        )
        assert response.status_code == 302
        assert client.login(username="ann@contoso.example", password="an0ther-Passw0rd!")


@pytest.mark.django_db
class TestIsolation:
    def test_another_organisations_user_answers_404(self, client, org, other_org):
        me = make_user(org)
        stranger = make_user(other_org)
        client.force_login(me)
        assert client.get(reverse("membership:user_detail", args=[me.pk])).status_code == 200
        assert client.get(reverse("membership:user_detail", args=[stranger.pk])).status_code == 404

    def test_users_page_lists_only_my_organisation(self, client, org, other_org):
        client.force_login(make_user(org, email="me@contoso.example"))
        make_user(other_org, email="them@fabrikam.example")
        body = client.get(reverse("membership:users")).content.decode()
        assert "me@contoso.example" in body
        assert "them@fabrikam.example" not in body

    def test_anonymous_is_sent_to_login(self, client):
        response = client.get(reverse("membership:users"))
        assert response.status_code == 302 and reverse("login") in response["Location"]


class TestRoles:
    @pytest.mark.parametrize(
        "role, action, allowed",
        [
            (Role.GLOBAL_ADMIN, Action.MANAGE_USERS, True),
            (Role.BILLING_ADMIN, Action.MANAGE_USERS, False),
            (Role.BILLING_ADMIN, Action.BUY, True),
            (Role.BILLING_ADMIN, Action.VIEW_BILLING, True),
            (Role.ACCOUNT_ADMIN, Action.BUY, False),
            (Role.ACCOUNT_ADMIN, Action.FILE_SERVICE_REQUEST, True),
            (Role.MPN_PARTNER_ADMIN, Action.ACTIVATE_BENEFITS, True),
            (Role.MPN_PARTNER_ADMIN, Action.BUY, False),
            (Role.GLOBAL_ADMIN, Action.BUY, True),
        ],
    )
    @pytest.mark.django_db
    def test_role_table(self, org, role, action, allowed):
        assert user_can(make_user(org, roles=[role]), action) is allowed

    def test_global_admin_may_do_everything(self):
        assert all(Role.GLOBAL_ADMIN in roles for roles in ALLOWED_ROLES.values())

    @pytest.mark.django_db
    def test_billing_page_is_403_without_the_billing_role(self, client, org):
        client.force_login(make_user(org, roles=[Role.ACCOUNT_ADMIN]))
        response = client.get(reverse("billing:home"))
        assert response.status_code == 403
        assert "Billing admin" in response.content.decode()
        client.force_login(make_user(org, roles=[Role.BILLING_ADMIN]))
        assert client.get(reverse("billing:home")).status_code == 200

    @pytest.mark.django_db
    def test_user_without_organisation_is_refused(self, client):
        client.force_login(User.objects.create_user(email="loner@example.com", password=PASSWORD))
        assert client.get(reverse("dashboard:index")).status_code == 403


@pytest.mark.django_db
class TestLanguage:
    def test_language_choice_persists_across_sessions(self, client, org):
        user = make_user(org, email="ru@contoso.example")
        client.force_login(user)
        client.post(reverse("membership:set_language"), {"language": "ru", "next": "/membership/dashboard/"})
        user.refresh_from_db()
        assert user.language == "ru"
        client.logout()
        client.cookies.clear()
        client.post(reverse("login"), {"username": "ru@contoso.example", "password": PASSWORD})
        body = client.get(reverse("dashboard:index")).content.decode()
        assert "Членство в сети" in body
        assert "Панель мониторинга" in body

    def test_unknown_language_is_ignored(self, client, org):
        user = make_user(org)
        client.force_login(user)
        response = client.post(reverse("membership:set_language"), {"language": "xx", "next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == "/"
        user.refresh_from_db()
        assert user.language == "en"


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
def test_demo_data_is_idempotent():
    call_command("load_demo_data", stdout=StringIO())
    counts = (User.objects.count(), Organization.objects.count())
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert (User.objects.count(), Organization.objects.count()) == counts
    assert "global@contoso.example" in out.getvalue()
    contoso = Organization.objects.get(name="Contoso Partners")
    assert contoso.is_network_member
    roles = {u.email: u.role_set() for u in contoso.users.all()}
    assert roles["billing@contoso.example"] == {Role.BILLING_ADMIN}
    assert User.objects.get(email="staff@partner.example").is_superuser
