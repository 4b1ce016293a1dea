"""Action Pack benefits: license keys, seats, monthly credit, timeline and refund eligibility."""

import datetime
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.urls import reverse
from django.utils import timezone

from membership.dates import add_months
from membership.models import Role
from offers import tasks
from offers.models import (
    BenefitActivation,
    CreditGrant,
    LicenseKey,
    SeatAssignment,
    Subscription,
    SubscriptionStatus,
)
from offers.selectors import credit_balance, subscription_benefits_activated, subscription_timeline
from offers.services import benefit_activate, credits_grant_monthly, license_key_issue, seat_assign
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory

# What the benefit services log on a subscription's timeline when a benefit is taken.
BENEFIT_ACTIONS = ["benefit.activated", "benefit.license_issued", "benefit.seat_assigned"]


def benefit(subscription, code):
    return subscription.offer.benefits.get(code=code)


def add_keys(b, count):
    for n in range(count):
        LicenseKey.objects.create(benefit=b, key=f"KEY-{b.pk}-{n:03d}")


@pytest.fixture
def subscription(org):
    return SubscriptionFactory(organization=org)


@pytest.fixture
def mpn_admin(org):
    return UserFactory(organization=org, roles=[Role.MPN_PARTNER_ADMIN])


@pytest.mark.django_db
class TestPage:
    def test_lists_each_benefit_with_quantity_and_use(self, client, subscription, global_admin):
        client.force_login(global_admin)
        body = client.get(reverse("benefits:list")).content.decode()
        assert "Activate your Action Pack subscription" in body
        for text in (
            "Windows 10 Enterprise (upgrade) licenses",
            "Office 365 (E3) seats",
            "0 / 10",
            "0 / 3",
            "0 / 5",
            "US$100.00",
            "Balance: US$0.00",
        ):
            assert text in body

    def test_without_the_role_activation_is_disabled_with_the_reason(self, client, org, subscription):
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        body = client.get(reverse("benefits:list")).content.decode()
        assert "MPN partner admin" in body and "disabled>Activate" in body
        assert reverse("benefits:seat_assign", args=[benefit(subscription, "office-365-e3").pk]) not in body

    def test_russian(self, client, org, subscription):
        client.force_login(UserFactory(organization=org, roles=[Role.MPN_PARTNER_ADMIN], language="ru"))
        body = client.get(reverse("benefits:list")).content.decode()
        assert "Активация подписки на Action Pack" in body and "Места Office 365 (E3)" in body

    def test_no_subscription(self, client, global_admin):
        client.force_login(global_admin)
        assert "no Action Pack subscription" in client.get(reverse("benefits:list")).content.decode()


@pytest.mark.django_db
class TestLicenseKeys:
    def test_keys_come_from_the_pool_up_to_the_quantity(self, client, subscription, mpn_admin):
        vs = benefit(subscription, "visual-studio-professional")  # 3 licenses
        add_keys(vs, 5)
        client.force_login(mpn_admin)
        for _ in range(4):
            client.post(reverse("benefits:activate", args=[vs.pk]))
        issued = LicenseKey.objects.filter(issued_to_subscription=subscription)
        assert issued.count() == 3
        assert all(k.issued_at and k.issued_by == mpn_admin for k in issued)
        assert LicenseKey.objects.filter(benefit=vs, issued_to_subscription__isnull=True).count() == 2
        body = client.get(reverse("benefits:list")).content.decode()
        assert "3 / 3" in body and issued.first().key in body
        timeline = subscription_timeline(subscription=subscription).filter(verb="benefit.license_issued")
        assert timeline.count() == 3 and timeline.first().actor == mpn_admin

    def test_an_empty_pool_says_so(self, subscription, mpn_admin):
        with pytest.raises(ValidationError) as exc:
            license_key_issue(
                actor=mpn_admin, subscription=subscription, benefit=benefit(subscription, "windows-10-enterprise")
            )
        assert exc.value.code == "pool_empty"
        assert not subscription_benefits_activated(subscription=subscription)

    def test_two_subscriptions_never_get_the_same_key(self, org, other_org, subscription, mpn_admin):
        theirs = SubscriptionFactory(organization=other_org)
        w10 = benefit(subscription, "windows-10-enterprise")
        add_keys(w10, 4)
        for _ in range(2):
            license_key_issue(actor=mpn_admin, subscription=subscription, benefit=w10)
            license_key_issue(
                actor=UserFactory(organization=other_org, roles=[Role.GLOBAL_ADMIN]), subscription=theirs, benefit=w10
            )
        keys = list(LicenseKey.objects.values_list("key", "issued_to_subscription"))
        assert len({k for k, _s in keys}) == 4
        assert sorted(s for _k, s in keys) == sorted([subscription.pk] * 2 + [theirs.pk] * 2)


@pytest.mark.django_db
class TestSeats:
    def test_seats_go_to_named_users_and_never_beyond_the_quantity(self, client, org, subscription, mpn_admin):
        ems = benefit(subscription, "enterprise-mobility-suite")  # 5 seats
        people = [UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]) for _ in range(6)]
        client.force_login(mpn_admin)
        for person in people:
            client.post(reverse("benefits:seat_assign", args=[ems.pk]), {"user": person.pk})
        assert SeatAssignment.objects.filter(subscription=subscription, benefit=ems).count() == 5
        assert sorted(SeatAssignment.objects.values_list("seat", flat=True)) == [1, 2, 3, 4, 5]
        with pytest.raises(ValidationError) as exc:
            seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=people[5])
        assert exc.value.code == "quantity"
        response = client.post(reverse("benefits:seat_assign", args=[ems.pk]), {"user": people[5].pk}, follow=True)
        assert "All 5 seats of this benefit are assigned" in response.content.decode()

    def test_release_frees_a_seat(self, client, org, subscription, mpn_admin):
        ems = benefit(subscription, "enterprise-mobility-suite")
        people = [UserFactory(organization=org, roles=[]) for _ in range(6)]
        for person in people[:5]:
            seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=person)
        released = SeatAssignment.objects.get(user=people[2])
        client.force_login(mpn_admin)
        client.post(reverse("benefits:seat_release", args=[released.pk]))
        assignment = seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=people[5])
        assert assignment.seat == released.seat

    def test_the_database_refuses_two_assignments_on_one_seat(self, org, subscription, mpn_admin):
        ems = benefit(subscription, "enterprise-mobility-suite")
        a, b = UserFactory(organization=org), UserFactory(organization=org)
        SeatAssignment.objects.create(subscription=subscription, benefit=ems, user=a, seat=1)
        with pytest.raises(IntegrityError), transaction.atomic():
            SeatAssignment.objects.create(subscription=subscription, benefit=ems, user=b, seat=1)

    def test_seat_only_for_active_users_of_the_organisation_once(self, org, other_org, subscription, mpn_admin):
        ems = benefit(subscription, "enterprise-mobility-suite")
        with pytest.raises(ValidationError):
            seat_assign(
                actor=mpn_admin, subscription=subscription, benefit=ems, user=UserFactory(organization=other_org)
            )
        inactive = UserFactory(organization=org)
        inactive.is_active = False
        inactive.save()
        with pytest.raises(ValidationError):
            seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=inactive)
        person = UserFactory(organization=org)
        seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=person)
        with pytest.raises(ValidationError):
            seat_assign(actor=mpn_admin, subscription=subscription, benefit=ems, user=person)

    def test_the_form_offers_only_my_organisations_users(self, client, other_org, subscription, mpn_admin):
        stranger = UserFactory(organization=other_org)
        ems = benefit(subscription, "enterprise-mobility-suite")
        client.force_login(mpn_admin)
        client.post(reverse("benefits:seat_assign", args=[ems.pk]), {"user": stranger.pk})
        assert not SeatAssignment.objects.exists()


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_concurrent_seat_assignments_never_exceed_the_quantity(org):
    subscription = SubscriptionFactory(organization=org)
    admin = UserFactory(organization=org, roles=[Role.MPN_PARTNER_ADMIN])
    ems = benefit(subscription, "enterprise-mobility-suite")
    people = [UserFactory(organization=org) for _ in range(8)]
    barrier = threading.Barrier(len(people))
    errors = []

    def assign(person):
        try:
            barrier.wait()
            seat_assign(actor=admin, subscription=subscription, benefit=ems, user=person)
        except ValidationError as exc:
            errors.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=assign, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert SeatAssignment.objects.filter(benefit=ems).count() == 5
    assert errors == ["quantity"] * 3


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_concurrent_key_issues_never_share_a_key(org, other_org):
    mine, theirs = SubscriptionFactory(organization=org), SubscriptionFactory(organization=other_org)
    w10 = benefit(mine, "windows-10-enterprise")
    add_keys(w10, 20)
    actors = {mine.pk: UserFactory(organization=org), theirs.pk: UserFactory(organization=other_org)}
    barrier = threading.Barrier(12)

    def issue(sub):
        try:
            barrier.wait()
            license_key_issue(actor=actors[sub.pk], subscription=sub, benefit=w10)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(s,)) for s in [mine, theirs] * 6]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    issued = LicenseKey.objects.filter(issued_to_subscription__isnull=False)
    assert issued.count() == 12
    assert issued.filter(issued_to_subscription=mine).count() == 6


@pytest.mark.django_db
class TestCredit:
    def test_activation_grants_the_month_and_the_task_adds_each_month_once(self, subscription, mpn_admin):
        credit = benefit(subscription, "azure-credits")
        today = timezone.localdate()
        benefit_activate(actor=mpn_admin, subscription=subscription, benefit=credit)
        assert credit_balance(subscription=subscription) == 10000
        tasks.credits_grant_monthly()
        tasks.credits_grant_monthly()
        assert credit_balance(subscription=subscription) == 10000
        next_month = add_months(today.replace(day=1), 1)
        with time_machine.travel(datetime.datetime.combine(next_month, datetime.time(3), tzinfo=datetime.UTC)):
            assert tasks.credits_grant_monthly() == 1
            assert tasks.credits_grant_monthly() == 0
        assert credit_balance(subscription=subscription) == 20000
        assert CreditGrant.objects.filter(subscription=subscription).count() == 2
        with pytest.raises(IntegrityError), transaction.atomic():
            CreditGrant.objects.create(subscription=subscription, benefit=credit, month=next_month, amount=10000)

    def test_no_credit_without_activation_or_when_not_live(self, org, subscription, mpn_admin):
        assert credits_grant_monthly() == 0
        benefit_activate(actor=mpn_admin, subscription=subscription, benefit=benefit(subscription, "azure-credits"))
        Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.EXPIRED)
        next_month = add_months(timezone.localdate().replace(day=1), 1)
        assert credits_grant_monthly(today=next_month) == 0
        # Renewal brings the subscription back, and the credit with it.
        Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.ACTIVE)
        assert credits_grant_monthly(today=next_month) == 1

    def test_second_activation_is_a_no_op(self, client, subscription, mpn_admin):
        credit = benefit(subscription, "azure-credits")
        client.force_login(mpn_admin)
        client.post(reverse("benefits:activate", args=[credit.pk]))
        client.post(reverse("benefits:activate", args=[credit.pk]))
        assert BenefitActivation.objects.count() == 1
        assert credit_balance(subscription=subscription) == 10000
        assert "Balance: US$100.00" in client.get(reverse("benefits:list")).content.decode()


@pytest.mark.django_db
class TestLiveOnly:
    @pytest.mark.parametrize("status", [SubscriptionStatus.EXPIRED, SubscriptionStatus.CANCELLED])
    def test_not_live_means_read_only(self, client, org, status, mpn_admin):
        subscription = SubscriptionFactory(organization=org, status=status)
        w10 = benefit(subscription, "windows-10-enterprise")
        add_keys(w10, 2)
        client.force_login(mpn_admin)
        body = client.get(reverse("benefits:list")).content.decode()
        assert "benefits are stopped" in body
        assert reverse("benefits:activate", args=[w10.pk]) not in body
        client.post(reverse("benefits:activate", args=[w10.pk]))
        with pytest.raises(ValidationError) as exc:
            benefit_activate(actor=mpn_admin, subscription=subscription, benefit=benefit(subscription, "vsts-account"))
        assert exc.value.code == "not_live"
        assert not subscription_benefits_activated(subscription=subscription)

    def test_benefits_return_on_renewal(self, client, subscription, mpn_admin, org):
        person = UserFactory(organization=org)
        seat = seat_assign(
            actor=mpn_admin, subscription=subscription, benefit=benefit(subscription, "office-365-e3"), user=person
        )
        Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.EXPIRED)
        client.force_login(mpn_admin)
        body = client.get(reverse("benefits:list")).content.decode()
        assert "benefits are stopped" in body and person.display_name in body
        Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.ACTIVE)
        body = client.get(reverse("benefits:list")).content.decode()
        assert "benefits are stopped" not in body
        assert reverse("benefits:seat_release", args=[seat.pk]) in body


@pytest.mark.django_db
class TestPermissionsAndRefund:
    @pytest.mark.parametrize("role", [Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN])
    def test_other_roles_cannot_activate(self, client, org, subscription, role):
        user = UserFactory(organization=org, roles=[role])
        client.force_login(user)
        tools = benefit(subscription, "developer-tools")
        assert client.post(reverse("benefits:activate", args=[tools.pk])).status_code == 403
        with pytest.raises(PermissionDenied):
            benefit_activate(actor=user, subscription=subscription, benefit=tools)

    def test_another_organisations_admin_cannot_activate_my_subscription(self, subscription, other_org):
        with pytest.raises(PermissionDenied):
            benefit_activate(
                actor=UserFactory(organization=other_org),
                subscription=subscription,
                benefit=benefit(subscription, "developer-tools"),
            )

    def test_refund_eligibility_sees_every_kind_of_activation(self, org, mpn_admin):
        for code in ("developer-tools", "vsts-account", "azure-credits", "office-365-e3", "windows-10-enterprise"):
            sub = SubscriptionFactory(organization=org)
            assert subscription_benefits_activated(subscription=sub) is False
            b = benefit(sub, code)
            if b.kind == "seat":
                seat_assign(actor=mpn_admin, subscription=sub, benefit=b, user=mpn_admin)
            elif b.kind == "license":
                add_keys(b, 1) if not LicenseKey.objects.filter(benefit=b).exists() else None
                license_key_issue(actor=mpn_admin, subscription=sub, benefit=b)
            else:
                benefit_activate(actor=mpn_admin, subscription=sub, benefit=b)
            assert subscription_benefits_activated(subscription=sub) is True
            assert subscription_timeline(subscription=sub).filter(verb__in=BENEFIT_ACTIONS).count() == 1
            Subscription.objects.filter(pk=sub.pk).update(status=SubscriptionStatus.CANCELLED)


@pytest.mark.django_db
def test_keys_are_masked_for_users_who_cannot_activate(client, org, subscription, mpn_admin):
    w10 = benefit(subscription, "windows-10-enterprise")
    add_keys(w10, 1)
    key = license_key_issue(actor=mpn_admin, subscription=subscription, benefit=w10)
    client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
    body = client.get(reverse("benefits:list")).content.decode()
    assert key.key not in body and key.masked in body
    client.force_login(mpn_admin)
    assert key.key in client.get(reverse("benefits:list")).content.decode()


@pytest.mark.django_db
def test_staff_import_keys_into_the_pool(tmp_path, subscription):
    from io import StringIO

    from django.core.management import call_command

    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("AAAAA-1\n# a comment\n\nAAAAA-2\nAAAAA-1\n")
    out = StringIO()
    call_command("import_license_keys", "visual-studio-professional", str(keys_file), stdout=out)
    call_command("import_license_keys", "visual-studio-professional", str(keys_file), stdout=out)
    vs = benefit(subscription, "visual-studio-professional")
    assert sorted(LicenseKey.objects.filter(benefit=vs).values_list("key", flat=True)) == ["AAAAA-1", "AAAAA-2"]
    assert "Added 0 key(s)" in out.getvalue()
