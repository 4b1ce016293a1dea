"""The activity log: recorded by services, read by staff in admin and by a Global admin, exported as CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry, Role, User
from membership.services import activity_record, member_roles_update
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory


def _fill(org, actor, count):
    ActivityEntry.objects.bulk_create(
        [
            ActivityEntry(
                organization=org,
                actor=actor,
                verb="user.roles_changed",
                object_type="membership.user",
                object_id=str(actor.pk),
                object_repr=actor.email,
                detail=f"entry {n}",
            )
            for n in range(count)
        ]
    )


@pytest.mark.django_db
class TestRecording:
    def test_activity_record_keeps_who_what_which_and_when(self, org, global_admin):
        member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
        member_roles_update(actor=global_admin, member=member, roles=[Role.BILLING_ADMIN])
        entry = ActivityEntry.objects.get(verb="user.roles_changed")
        assert entry.organization == org and entry.actor == global_admin
        assert (entry.object_type, entry.object_id, entry.object_repr) == (
            "membership.user",
            str(member.pk),
            member.email,
        )
        assert entry.detail == "Account admin → Billing admin"
        assert entry.created_at <= timezone.now()

    def test_enrolment_and_sign_up_are_recorded(self, client):
        client.post(
            reverse("sign_up"),
            {
                "organization_name": "Tailspin",
                "first_name": "T",
                "last_name": "T",
                "email": "t@tailspin.example",
                "password1": "correct-horse-battery-9",
                "password2": "correct-horse-battery-9",
                "accept_network_agreement": "on",
            },
        )
        verbs = set(ActivityEntry.objects.values_list("verb", flat=True))
        assert {"organization.signed_up", "organization.enrolled"} <= verbs

    def test_system_entries_have_no_actor(self, org):
        entry = activity_record(actor=None, organization=org, verb="x.y", obj=org)
        assert entry.actor is None and entry.object_repr == org.name


@pytest.mark.django_db
class TestPartnerView:
    def test_only_a_global_admin_sees_the_log(self, client, org):
        for role in (Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN):
            client.force_login(UserFactory(organization=org, roles=[role]))
            assert client.get(reverse("membership:activity")).status_code == 403
            assert client.get(reverse("membership:activity_export")).status_code == 403

    def test_only_my_organisations_entries(self, client, org, other_org, global_admin):
        activity_record(actor=global_admin, organization=org, verb="mine.happened", obj=org, detail="mine-detail")
        activity_record(
            actor=None, organization=other_org, verb="theirs.happened", obj=other_org, detail="theirs-detail"
        )
        client.force_login(global_admin)
        body = client.get(reverse("membership:activity")).content.decode()
        assert "mine-detail" in body and "theirs-detail" not in body
        csv_body = client.get(reverse("membership:activity_export")).content.decode()
        assert "mine-detail" in csv_body and "theirs-detail" not in csv_body

    def test_date_range_filter_and_csv(self, client, org, global_admin):
        today = timezone.localdate()
        for days_ago, label in ((10, "old"), (3, "middle"), (0, "new")):
            entry = activity_record(actor=global_admin, organization=org, verb="x.y", obj=org, detail=label)
            ActivityEntry.objects.filter(pk=entry.pk).update(
                created_at=timezone.now() - datetime.timedelta(days=days_ago)
            )
        start = (today - datetime.timedelta(days=5)).isoformat()
        end = (today - datetime.timedelta(days=1)).isoformat()
        client.force_login(global_admin)
        body = client.get(reverse("membership:activity"), {"start": start, "end": end}).content.decode()
        assert "middle" in body and ">old<" not in body and ">new<" not in body
        response = client.get(reverse("membership:activity_export"), {"start": start, "end": end})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][0] == "When (UTC)"
        assert [r[6] for r in rows[1:]] == ["middle"]
        assert rows[1][1] == global_admin.email
        # An end date on the start date's day includes the whole day.
        rows = list(
            csv.reader(
                io.StringIO(
                    client.get(
                        reverse("membership:activity_export"), {"start": today.isoformat(), "end": today.isoformat()}
                    ).content.decode()
                )
            )
        )
        assert "new" in [r[6] for r in rows[1:]]

    def test_csv_neutralises_formulas(self, client, org, global_admin):
        activity_record(actor=global_admin, organization=org, verb="x.y", obj=org, detail='=HYPERLINK("http://evil")')
        client.force_login(global_admin)
        rows = list(csv.reader(io.StringIO(client.get(reverse("membership:activity_export")).content.decode())))
        assert rows[1][6].startswith("'=")

    @pytest.mark.parametrize("url_name", ["membership:activity", "membership:activity_export"])
    def test_constant_query_count(
        self, client, org, global_admin, django_assert_num_queries, django_assert_max_num_queries, url_name
    ):
        client.force_login(global_admin)
        _fill(org, global_admin, 1)
        client.get(reverse(url_name))  # warm up (session, content types)
        with django_assert_max_num_queries(50) as few:
            client.get(reverse(url_name))
        # Counted now: captured_queries slices the connection's log, which the next request empties.
        few_queries = len(few.captured_queries)
        _fill(org, UserFactory(organization=org), 199)
        client.get(reverse(url_name))  # warm up again: the new user replaced the organisation's data version
        with django_assert_num_queries(few_queries):
            response = client.get(reverse(url_name))
        assert response.status_code == 200
        body = response.content.decode()
        assert body.count("entry ") == 200


@pytest.mark.django_db
class TestStaffAdmin:
    def test_staff_see_all_entries_read_only(self, client, org, other_org, global_admin):
        activity_record(actor=global_admin, organization=org, verb="x.y", obj=org, detail="contoso-entry")
        activity_record(actor=None, organization=other_org, verb="x.y", obj=other_org, detail="fabrikam-entry")
        staff = User.objects.create_superuser(email="staff@partner.example", password="x")
        client.force_login(staff)
        body = client.get(reverse("admin:membership_activityentry_changelist")).content.decode()
        assert "contoso-entry" in body and "fabrikam-entry" in body
        entry = ActivityEntry.objects.first()
        before = ActivityEntry.objects.count()
        assert client.get(reverse("admin:membership_activityentry_add")).status_code == 403
        assert (
            client.post(reverse("admin:membership_activityentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert ActivityEntry.objects.count() == before


@pytest.mark.django_db
class TestActivityAcrossThePortal:
    """Writes outside membership reach the log too: subscription changes, cards, service requests."""

    def test_subscription_change_is_logged_with_its_timeline_label(self, client):
        from membership.models import ActivityEntry
        from offers.demo_catalogue import load_demo_catalogue
        from offers.services import subscription_turn_off_auto_renewal

        org = OrganizationFactory(name="Logged")
        admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        offer = load_demo_catalogue()
        today = datetime.date(2026, 11, 25)
        subscription = SubscriptionFactory(organization=org, offer=offer, start=today)
        subscription_turn_off_auto_renewal(subscription=subscription, actor=admin)
        entry = ActivityEntry.objects.get(organization=org, verb="subscription.auto_renew_off")
        assert entry.actor == admin and entry.object_id == str(subscription.pk)
        assert str(entry.verb_label) == "Automatic renewal turned off"

    def test_service_request_is_logged(self):
        from membership.models import ActivityEntry
        from support import services as support_services

        org = OrganizationFactory(name="Asks")
        admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        request = support_services.request_file(
            user=admin, problem_type="benefits", title="Keys", description="Where are my keys?", severity="minimal"
        )
        assert ActivityEntry.objects.filter(
            organization=org, verb="service_request.filed", object_id=str(request.pk)
        ).exists()

    def test_staff_search_finds_entries_by_their_facts(self, client, org, global_admin):
        # The detail is no column any more; the search looks in the stored facts instead.
        activity_record(actor=global_admin, organization=org, verb="x.y", obj=org, data={"request": "SR-004242"})
        activity_record(actor=global_admin, organization=org, verb="x.y", obj=org, data={"request": "SR-000001"})
        client.force_login(User.objects.create_superuser(email="staff@partner.example", password="x"))
        response = client.get(reverse("admin:membership_activityentry_changelist"), {"q": "SR-004242"})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1
