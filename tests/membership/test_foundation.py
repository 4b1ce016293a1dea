"""The foundation: sign-up, login, isolation, roles, language (health, deploy check, migrations: tests/partnerportal/test_health_deploy.py)."""

import pytest
from django.core import mail
from django.urls import reverse

from membership.models import Organization, Role, User
from membership.permissions import ALLOWED_ROLES, Action, user_can
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory


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
        UserFactory(organization=OrganizationFactory(), email="tess@tailspin.example")
        response = client.post(reverse("sign_up"), _sign_up_data())
        assert "already exists" in response.content.decode()
        assert User.objects.count() == 2  # the org's own admin plus the existing Tess

    def test_a_rival_sign_up_with_the_same_address_is_an_email_error_not_a_server_error(self, monkeypatch):
        """Two sign-ups at once on PostgreSQL both pass full_clean; the unique index refuses the
        second. Played here by a rival user that full_clean's uniqueness check does not see."""
        from django.core.exceptions import ValidationError

        from membership.services import organization_sign_up

        rival = UserFactory(organization=OrganizationFactory(name="First"), email="tess@tailspin.example")
        monkeypatch.setattr(User, "validate_unique", lambda self, exclude=None: None)
        monkeypatch.setattr(User, "validate_constraints", lambda self, exclude=None: None)
        with pytest.raises(ValidationError) as refused:
            organization_sign_up(
                organization_name="Tailspin Toys",
                first_name="Tess",
                last_name="Tailspin",
                email="Tess@Tailspin.example",
                password=PASSWORD,
            )
        assert list(refused.value.error_dict) == ["email"]
        assert "already exists" in refused.value.messages[0]
        # Nothing half-written: no second organisation, only the rival's user.
        assert list(Organization.objects.values_list("name", flat=True)) == ["First"]
        assert list(User.objects.filter(email="tess@tailspin.example")) == [rival]

    def test_an_organisation_not_enrolled_can_enrol_from_the_dashboard(self, client):
        org = OrganizationFactory(enrolled=False)
        admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        client.force_login(admin)
        assert "Join the network" in client.get(reverse("dashboard:index")).content.decode()
        client.post(reverse("membership:enrol"), {"accept_network_agreement": "on"})
        org.refresh_from_db()
        assert org.is_network_member and org.network_agreement_accepted_by == admin

    def test_enrolment_needs_the_membership_role(self, client):
        org = OrganizationFactory(enrolled=False)
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        response = client.post(reverse("membership:enrol"), {"accept_network_agreement": "on"})
        assert response.status_code == 403
        org.refresh_from_db()
        assert not org.is_network_member


@pytest.mark.django_db
class TestLogin:
    def test_login_and_logout(self, client, org):
        user = UserFactory(organization=org, email="ann@contoso.example")
        response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"] == reverse("dashboard:index")
        assert client.get(reverse("dashboard:index")).status_code == 200
        client.post(reverse("logout"))
        response = client.get(reverse("dashboard:index"))
        assert response.status_code == 302 and reverse("login") in response["Location"]
        assert user.is_active

    def test_wrong_password_is_refused(self, client, org):
        UserFactory(organization=org, email="ann@contoso.example")
        response = client.post(reverse("login"), {"username": "ann@contoso.example", "password": "nope"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session

    def test_session_key_changes_at_login(self, client, org):
        UserFactory(organization=org, email="ann@contoso.example")
        client.get(reverse("login"))
        client.session.save()
        before = client.session.session_key
        client.post(reverse("login"), {"username": "ann@contoso.example", "password": PASSWORD})
        assert client.session.session_key != before

    def test_password_reset_sends_an_email_with_a_working_link(self, client, org):
        UserFactory(organization=org, email="ann@contoso.example")
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
        me = UserFactory(organization=org)
        stranger = UserFactory(organization=other_org)
        client.force_login(me)
        assert client.get(reverse("membership:user_detail", args=[me.pk])).status_code == 200
        assert client.get(reverse("membership:user_detail", args=[stranger.pk])).status_code == 404

    def test_users_page_lists_only_my_organisation(self, client, org, other_org):
        client.force_login(UserFactory(organization=org, email="me@contoso.example"))
        UserFactory(organization=other_org, email="them@fabrikam.example")
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
        assert user_can(UserFactory(organization=org, roles=[role]), action) is allowed

    def test_global_admin_may_do_everything(self):
        assert all(Role.GLOBAL_ADMIN in roles for roles in ALLOWED_ROLES.values())

    @pytest.mark.django_db
    def test_billing_page_is_403_without_the_billing_role(self, client, org):
        client.force_login(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]))
        response = client.get(reverse("billing:history"))
        assert response.status_code == 403
        assert "Billing admin" in response.content.decode()
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        assert client.get(reverse("billing:history")).status_code == 200

    @pytest.mark.django_db
    def test_user_without_organisation_is_refused(self, client):
        client.force_login(User.objects.create_user(email="loner@example.com", password=PASSWORD))
        assert client.get(reverse("dashboard:index")).status_code == 403


@pytest.mark.django_db
class TestLanguage:
    def test_language_choice_persists_across_sessions(self, client, org):
        user = UserFactory(organization=org, email="ru@contoso.example")
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
        user = UserFactory(organization=org)
        client.force_login(user)
        response = client.post(reverse("membership:set_language"), {"language": "xx", "next": "https://evil.example/"})
        assert response.status_code == 302 and response["Location"] == "/"
        user.refresh_from_db()
        assert user.language == "en"
