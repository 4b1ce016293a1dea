"""Organisation users: roles, deactivation, the last Global admin, and the disabled actions with their reasons."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry, Role, UserSession
from membership.services import member_deactivate, member_roles_update
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory


def _sessions_of(user):
    return [s for s in UserSession.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)]


@pytest.mark.django_db
class TestRoles:
    def test_global_admin_assigns_and_removes_roles(self, client, org, global_admin):
        member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
        client.force_login(global_admin)
        response = client.post(
            reverse("membership:user_roles", args=[member.pk]), {"roles": ["billing_admin", "mpn_partner_admin"]}
        )
        assert response.status_code == 302
        member.refresh_from_db()
        member._role_cache = None
        assert member.role_set() == {Role.BILLING_ADMIN, Role.MPN_PARTNER_ADMIN}
        client.post(reverse("membership:user_roles", args=[member.pk]), {})
        member._role_cache = None
        assert member.role_set() == frozenset()
        entry = ActivityEntry.objects.filter(verb="user.roles_changed").first()
        assert entry.actor == global_admin and entry.object_id == str(member.pk)

    @pytest.mark.parametrize("role", [Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN])
    def test_other_roles_cannot_change_roles_or_deactivate(self, client, org, role):
        actor = UserFactory(organization=org, roles=[role])
        member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
        client.force_login(actor)
        assert (
            client.post(reverse("membership:user_roles", args=[member.pk]), {"roles": ["global_admin"]}).status_code
            == 403
        )
        assert client.post(reverse("membership:user_deactivate", args=[member.pk])).status_code == 403
        assert (
            client.post(reverse("membership:user_roles", args=[actor.pk]), {"roles": ["global_admin"]}).status_code
            == 403
        )
        member.refresh_from_db()
        actor._role_cache = member._role_cache = None
        assert member.is_active and member.role_set() == {Role.ACCOUNT_ADMIN}
        assert actor.role_set() == {role}
        with pytest.raises(PermissionDenied):
            member_roles_update(actor=actor, member=member, roles=[Role.GLOBAL_ADMIN])

    def test_another_organisations_user_answers_404(self, client, global_admin, other_org):
        stranger = UserFactory(organization=other_org, roles=[Role.BILLING_ADMIN])
        client.force_login(global_admin)
        assert client.post(reverse("membership:user_roles", args=[stranger.pk]), {"roles": []}).status_code == 404
        assert client.post(reverse("membership:user_deactivate", args=[stranger.pk])).status_code == 404
        stranger.refresh_from_db()
        assert stranger.is_active
        with pytest.raises(PermissionDenied):
            member_deactivate(actor=global_admin, member=stranger)


@pytest.mark.django_db
class TestLastGlobalAdmin:
    def _only_admin(self, org):
        admins = [u for u in org.users.all() if Role.GLOBAL_ADMIN in u.role_set()]
        assert len(admins) == 1
        return admins[0]

    def test_last_global_admin_cannot_be_demoted(self, client, org):
        admin = self._only_admin(org)
        client.force_login(admin)
        response = client.post(
            reverse("membership:user_roles", args=[admin.pk]), {"roles": ["billing_admin"]}, follow=True
        )
        assert "last active Global admin" in response.content.decode()
        admin._role_cache = None
        assert admin.role_set() == {Role.GLOBAL_ADMIN}

    def test_a_second_admin_makes_demotion_possible_but_not_of_both(self, org):
        first = self._only_admin(org)
        second = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        member_roles_update(actor=first, member=second, roles=[Role.BILLING_ADMIN])
        with pytest.raises(ValidationError) as exc:
            member_roles_update(actor=first, member=first, roles=[Role.BILLING_ADMIN])
        assert exc.value.code == "last_global_admin"

    def test_a_deactivated_admin_does_not_count(self, org):
        first = self._only_admin(org)
        second = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        member_deactivate(actor=first, member=second)
        with pytest.raises(ValidationError):
            member_roles_update(actor=first, member=first, roles=[])

    def test_last_global_admin_cannot_be_deactivated(self, org):
        admin = self._only_admin(org)
        other = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        member_deactivate(actor=admin, member=other)  # fine: the other one stays
        member_roles_update(actor=admin, member=other, roles=[Role.GLOBAL_ADMIN])
        # other is inactive, so admin is the last active one; nobody may deactivate or demote admin.
        with pytest.raises(ValidationError):
            member_roles_update(actor=admin, member=admin, roles=[Role.ACCOUNT_ADMIN])
        with pytest.raises(ValidationError):
            member_deactivate(actor=admin, member=admin)
        admin.refresh_from_db()
        assert admin.is_active

    def test_last_admin_rule_holds_through_the_page(self, client, org):
        admin = self._only_admin(org)
        second = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        client.force_login(second)
        client.post(reverse("membership:user_deactivate", args=[admin.pk]))
        admin.refresh_from_db()
        assert not admin.is_active
        response = client.post(
            reverse("membership:user_roles", args=[second.pk]), {"roles": ["account_admin"]}, follow=True
        )
        assert "last active Global admin" in response.content.decode()


@pytest.mark.django_db
class TestDeactivation:
    def test_deactivated_users_sessions_end_at_once(self, org, global_admin):
        member = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")
        theirs, other_device = Client(), Client()
        assert theirs.login(username="bill@contoso.example", password=PASSWORD)
        assert other_device.login(username="bill@contoso.example", password=PASSWORD)
        admin_client = Client()
        admin_client.force_login(global_admin)
        assert len(_sessions_of(member)) == 2
        assert theirs.get(reverse("billing:history")).status_code == 200

        response = admin_client.post(reverse("membership:user_deactivate", args=[member.pk]))
        assert response.status_code == 302
        member.refresh_from_db()
        assert not member.is_active
        assert _sessions_of(member) == []
        assert _sessions_of(global_admin) != []  # the admin's own session stays
        for device in (theirs, other_device):
            response = device.get(reverse("billing:history"))
            assert response.status_code == 302 and reverse("login") in response["Location"]
        assert not Client().login(username="bill@contoso.example", password=PASSWORD)
        assert ActivityEntry.objects.filter(verb="user.deactivated", object_id=str(member.pk)).exists()

    def test_reactivated_user_can_sign_in_again(self, client, org, global_admin):
        member = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")
        member_deactivate(actor=global_admin, member=member)
        client.force_login(global_admin)
        client.post(reverse("membership:user_reactivate", args=[member.pk]))
        member.refresh_from_db()
        assert member.is_active
        assert Client().login(username="bill@contoso.example", password=PASSWORD)

    def test_an_admin_cannot_deactivate_themselves(self, client, org, global_admin):
        client.force_login(global_admin)
        response = client.post(reverse("membership:user_deactivate", args=[global_admin.pk]), follow=True)
        assert "cannot deactivate yourself" in response.content.decode()
        global_admin.refresh_from_db()
        assert global_admin.is_active


@pytest.mark.django_db
class TestDisabledActions:
    def test_users_page_shows_invite_disabled_with_reason_and_who(self, client, org, global_admin):
        global_admin.first_name, global_admin.last_name = "Grace", "Global"
        global_admin.save()
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        body = client.get(reverse("membership:users")).content.decode()
        assert "disabled>Invite a user" in body
        assert "Only a user with one of these roles can do this: Global admin." in body
        assert "Grace Global" in body
        detail = client.get(reverse("membership:user_detail", args=[global_admin.pk])).content.decode()
        assert "disabled>Save roles" in detail and "disabled>Deactivate user" in detail

    def test_global_admin_sees_the_controls(self, client, org, global_admin):
        member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
        client.force_login(global_admin)
        body = client.get(reverse("membership:users")).content.decode()
        assert reverse("membership:invite") in body
        detail = client.get(reverse("membership:user_detail", args=[member.pk])).content.decode()
        assert reverse("membership:user_roles", args=[member.pk]) in detail
        assert reverse("membership:user_deactivate", args=[member.pk]) in detail

    def test_russian_users_page(self, client, org):
        client.force_login(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN], language="ru"))
        body = client.get(reverse("membership:users")).content.decode()
        assert "Добавление пользователей и назначение им разрешений" in body


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_two_admins_demoting_each_other_at_once_leave_one_global_admin():
    import threading

    from django.db import connections

    from membership.models import Organization, User

    org = OrganizationFactory(name="Race")
    first = next(u for u in org.users.all() if Role.GLOBAL_ADMIN in u.role_set())
    second = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(actor, member):
        try:
            barrier.wait()
            member_roles_update(actor=actor, member=member, roles=[Role.ACCOUNT_ADMIN])
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.code)
        except PermissionDenied:
            outcomes.append("refused")  # the loser was demoted first, so it is no longer a Global admin
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert User.objects.filter(organization=org, is_active=True, roles__role=Role.GLOBAL_ADMIN).count() == 1
    assert Organization.objects.filter(pk=org.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, russian",
    [
        ("dashboard:overview", "Управление членством в сети партнеров"),
        ("benefits:list", "Активация подписки на Action Pack"),
        ("membership:activity", "Журнал действий"),
        ("membership:invite", "Пригласить пользователя"),
    ],
)
def test_pages_in_russian(client, org, url_name, russian):
    client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru"))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert russian in response.content.decode()


@pytest.mark.django_db
def test_the_daily_task_removes_expired_sessions_only(org):
    from membership.tasks import remove_expired_sessions

    member = UserFactory(organization=org)
    current, expired = Client(), Client()
    current.force_login(member)
    expired.force_login(member)
    UserSession.objects.filter(session_key=expired.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert remove_expired_sessions.delay().get() == {"removed": 1}
    assert list(UserSession.objects.filter(user=member).values_list("session_key", flat=True)) == [
        current.session.session_key
    ]
    assert remove_expired_sessions.delay().get() == {"removed": 0}  # a second run is a no-op
