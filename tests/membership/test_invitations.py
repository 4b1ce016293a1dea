"""Invitations by signed, expiring, single-use links into one organisation."""

import datetime
import re

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry, Invitation, Role, User
from membership.services import INVITATION_SALT, invitation_accept, invitation_create, invitation_token
from tests.factories.membership import PASSWORD, UserFactory

NEW_PASSWORD = "s3cure-Invitee-pass"


def _invite(client, admin, email="new@contoso.example", roles=(Role.BILLING_ADMIN,), capture=None):
    client.force_login(admin)
    with capture(execute=True):
        response = client.post(reverse("membership:invite"), {"email": email, "roles": list(roles)})
    assert response.status_code == 302, response.content.decode()
    client.logout()
    return Invitation.objects.get(email=email, accepted_at__isnull=True, revoked_at__isnull=True)


def _link_path(message):
    url = re.search(r"https?://\S+/membership/invitations/accept/\S+/", message.body).group(0)
    return url.split("testserver", 1)[1]


def _accept(client, path, **overrides):
    data = {"first_name": "Nina", "last_name": "New", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    data.update(overrides)
    return client.post(path, data)


@pytest.mark.django_db
class TestInvite:
    def test_invitee_gets_a_link_sets_a_password_and_joins_with_the_chosen_roles(
        self, client, org, global_admin, django_capture_on_commit_callbacks
    ):
        invitation = _invite(
            client,
            global_admin,
            roles=[Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN],
            capture=django_capture_on_commit_callbacks,
        )
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@contoso.example"]
        path = _link_path(mail.outbox[0])
        page = client.get(path)
        assert page.status_code == 200 and "Contoso" in page.content.decode()
        response = _accept(client, path)
        assert response.status_code == 302 and response["Location"] == reverse("login")
        user = User.objects.get(email="new@contoso.example")
        assert user.organization == org
        assert user.role_set() == {Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN}
        assert user.get_full_name() == "Nina New"
        invitation.refresh_from_db()
        assert invitation.accepted_user == user and invitation.accepted_at
        assert client.login(username="new@contoso.example", password=NEW_PASSWORD)
        verbs = set(ActivityEntry.objects.filter(organization=org).values_list("verb", flat=True))
        assert {"invitation.sent", "invitation.accepted"} <= verbs

    def test_the_email_is_sent_only_after_the_transaction_commits(
        self, global_admin, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            invitation_create(
                actor=global_admin, email="x@example.com", roles=[Role.ACCOUNT_ADMIN], base_url="http://t/"
            )
        assert mail.outbox == [] and len(callbacks) == 1

    def test_only_a_global_admin_can_invite(self, client, org):
        for role in (Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN):
            client.force_login(UserFactory(organization=org, roles=[role]))
            response = client.post(reverse("membership:invite"), {"email": "x@example.com", "roles": ["global_admin"]})
            assert response.status_code == 403
            with pytest.raises(PermissionDenied):
                invitation_create(
                    actor=UserFactory(organization=org, roles=[role]),
                    email="y@example.com",
                    roles=["billing_admin"],
                    base_url="http://t/",
                )
        assert not Invitation.objects.exists()

    def test_existing_address_and_missing_roles_are_refused(self, client, org, global_admin):
        UserFactory(organization=org, email="taken@example.com")
        client.force_login(global_admin)
        response = client.post(reverse("membership:invite"), {"email": "TAKEN@example.com", "roles": ["billing_admin"]})
        assert "already exists" in response.content.decode()
        response = client.post(reverse("membership:invite"), {"email": "free@example.com"})
        assert "Choose at least one role" in response.content.decode()
        assert not Invitation.objects.exists()

    def test_withdrawn_invitation_link_no_longer_works(self, client, global_admin, django_capture_on_commit_callbacks):
        invitation = _invite(client, global_admin, capture=django_capture_on_commit_callbacks)
        path = _link_path(mail.outbox[0])
        client.force_login(global_admin)
        client.post(reverse("membership:invitation_revoke", args=[invitation.pk]))
        client.logout()
        response = _accept(client, path)
        assert response.status_code == 410
        assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.django_db
class TestBrokenLinks:
    def test_expired_link_is_refused(self, client, global_admin, django_capture_on_commit_callbacks):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=8), tick=False):
            invitation = _invite(client, global_admin, capture=django_capture_on_commit_callbacks)
        path = _link_path(mail.outbox[0])
        response = client.get(path)
        assert response.status_code == 410 and "expired" in response.content.decode()
        assert _accept(client, path).status_code == 410
        assert not User.objects.filter(email=invitation.email).exists()

    def test_link_still_works_just_before_it_expires(self, client, global_admin, django_capture_on_commit_callbacks):
        with time_machine.travel(timezone.now() - datetime.timedelta(days=6, hours=23), tick=False):
            _invite(client, global_admin, capture=django_capture_on_commit_callbacks)
        assert client.get(_link_path(mail.outbox[0])).status_code == 200

    def test_reused_link_is_refused(self, client, global_admin, django_capture_on_commit_callbacks):
        _invite(client, global_admin, capture=django_capture_on_commit_callbacks)
        path = _link_path(mail.outbox[0])
        assert _accept(client, path).status_code == 302
        client.logout()
        response = _accept(client, path, first_name="Mallory")
        assert response.status_code == 410 and "already been used" in response.content.decode()
        assert client.get(path).status_code == 410
        assert User.objects.filter(email="new@contoso.example").get().first_name == "Nina"

    def test_second_accept_at_service_level_is_refused(self, global_admin):
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["account_admin"], base_url="http://t/"
        )
        token = invitation_token(invitation)
        invitation_accept(token=token, first_name="A", last_name="B", password=NEW_PASSWORD)
        with pytest.raises(ValidationError) as exc:
            invitation_accept(token=token, first_name="A", last_name="B", password=NEW_PASSWORD)
        assert exc.value.code == "used"

    def test_tampered_link_is_refused(self, client, global_admin):
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["account_admin"], base_url="http://t/"
        )
        token = invitation_token(invitation)
        tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        response = client.get(reverse("membership:invitation_accept", args=[tampered]))
        assert response.status_code == 400
        assert _accept(client, reverse("membership:invitation_accept", args=[tampered])).status_code == 400
        assert client.get(reverse("membership:invitation_accept", args=["garbage"])).status_code == 400
        assert not User.objects.filter(email="a@example.com").exists()

    def test_link_for_another_organisation_is_refused(self, client, global_admin, other_org):
        """A correctly signed value that names an organisation other than the invitation's does not work."""
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["global_admin"], base_url="http://t/"
        )
        forged = signing.TimestampSigner(salt=INVITATION_SALT).sign_object(
            {"k": str(invitation.key), "o": other_org.pk}
        )
        response = _accept(client, reverse("membership:invitation_accept", args=[forged]))
        assert response.status_code == 400
        assert not User.objects.filter(email="a@example.com").exists()
        assert not other_org.users.filter(email="a@example.com").exists()

    def test_invitee_joins_the_inviting_organisation_whatever_is_posted(self, client, org, other_org, global_admin):
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["account_admin"], base_url="http://t/"
        )
        path = reverse("membership:invitation_accept", args=[invitation_token(invitation)])
        _accept(client, path, organization=other_org.pk, roles="global_admin")
        user = User.objects.get(email="a@example.com")
        assert user.organization == org and user.role_set() == {Role.ACCOUNT_ADMIN}

    def test_signed_in_user_of_another_organisation_cannot_use_the_link(self, client, global_admin, other_org):
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["global_admin"], base_url="http://t/"
        )
        stranger = UserFactory(organization=other_org)
        client.force_login(stranger)
        path = reverse("membership:invitation_accept", args=[invitation_token(invitation)])
        assert _accept(client, path).status_code == 409
        stranger.refresh_from_db()
        assert stranger.organization == other_org
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_weak_password_keeps_the_invitation_open(self, client, global_admin):
        invitation = invitation_create(
            actor=global_admin, email="a@example.com", roles=["account_admin"], base_url="http://t/"
        )
        path = reverse("membership:invitation_accept", args=[invitation_token(invitation)])
        response = _accept(client, path, password1="123", password2="123")
        assert response.status_code == 200
        invitation.refresh_from_db()
        assert invitation.accepted_at is None and not User.objects.filter(email="a@example.com").exists()
        assert _accept(client, path).status_code == 302

    def test_inviting_again_replaces_the_earlier_link(self, global_admin):
        first = invitation_create(
            actor=global_admin, email="a@example.com", roles=["account_admin"], base_url="http://t/"
        )
        second = invitation_create(
            actor=global_admin, email="a@example.com", roles=["billing_admin"], base_url="http://t/"
        )
        with pytest.raises(ValidationError) as exc:
            invitation_accept(token=invitation_token(first), first_name="A", last_name="B", password=NEW_PASSWORD)
        assert exc.value.code == "revoked"
        user = invitation_accept(token=invitation_token(second), first_name="A", last_name="B", password=PASSWORD + "x")
        assert user.role_set() == {Role.BILLING_ADMIN}

    def test_another_organisations_invitation_cannot_be_withdrawn(self, client, global_admin, other_org):
        theirs = invitation_create(
            actor=UserFactory(organization=other_org),
            email="a@example.com",
            roles=["account_admin"],
            base_url="http://t/",
        )
        client.force_login(global_admin)
        assert client.post(reverse("membership:invitation_revoke", args=[theirs.pk])).status_code == 404
        theirs.refresh_from_db()
        assert theirs.is_open
