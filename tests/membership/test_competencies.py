"""Competencies granted, renewed and expired by staff; the daily task and the 30-day e-mail."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry, Competency, CompetencyReminder, Role, User
from membership.tasks import expire_competencies
from tests.factories.membership import UserFactory


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(email="staff@partner.example", password="x")


def _competency(org, expires_in_days, level="silver", area="cloud_platform"):
    today = timezone.localdate()
    return Competency.objects.create(
        organization=org,
        solution_area=area,
        level=level,
        granted_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=expires_in_days),
    )


@pytest.mark.django_db
class TestAdmin:
    def test_staff_grant_in_admin_records_who(self, client, org, staff):
        client.force_login(staff)
        today = timezone.localdate()
        response = client.post(
            reverse("admin:membership_competency_add"),
            {
                "organization": org.pk,
                "solution_area": "security",
                "level": "gold",
                "granted_on": today.isoformat(),
                "expires_on": (today + datetime.timedelta(days=365)).isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        competency = Competency.objects.get(organization=org)
        assert competency.granted_by == staff
        assert ActivityEntry.objects.filter(verb="competency.granted", actor=staff, organization=org).exists()

    def test_renew_for_a_year_and_expire_now(self, client, org, staff):
        competency = _competency(org, 10)
        client.force_login(staff)
        url = reverse("admin:membership_competency_changelist")
        client.post(url, {"action": "renew_for_a_year", "_selected_action": [competency.pk]})
        competency.refresh_from_db()
        expected = competency.expires_on
        assert expected.year == timezone.localdate().year + 1 or expected > timezone.localdate() + datetime.timedelta(
            days=360
        )
        client.post(url, {"action": "expire_now", "_selected_action": [competency.pk]})
        competency.refresh_from_db()
        assert competency.expired_at is not None and not competency.is_current()
        client.post(url, {"action": "renew_for_a_year", "_selected_action": [competency.pk]})
        competency.refresh_from_db()
        assert competency.expired_at is None and competency.is_current()
        verbs = list(ActivityEntry.objects.filter(organization=org).values_list("verb", flat=True))
        assert verbs.count("competency.renewed") == 2 and "competency.expired" in verbs

    def test_renewal_extends_from_the_end_date(self, org, staff):
        from membership.services import competency_renew

        competency = _competency(org, 10)
        old_end = competency.expires_on
        competency_renew(actor=staff, competency=competency)
        competency.refresh_from_db()
        assert competency.expires_on == old_end.replace(year=old_end.year + 1) or (old_end.month, old_end.day) == (
            2,
            29,
        )

    @pytest.mark.parametrize(
        "ends_on, renewed_to",
        [
            (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28)),  # as a subscription bought on 29 February
            (datetime.date(2027, 2, 28), datetime.date(2028, 2, 28)),
            (datetime.date(2028, 3, 31), datetime.date(2029, 3, 31)),
        ],
    )
    def test_renewal_follows_the_subscription_term_rule(self, org, staff, ends_on, renewed_to):
        from membership.services import competency_renew
        from offers.terms import auto_renewal_term

        competency = Competency.objects.create(
            organization=org,
            solution_area="cloud_platform",
            level="silver",
            granted_on=ends_on - datetime.timedelta(days=300),
            expires_on=ends_on,
        )
        competency_renew(actor=staff, competency=competency, today=ends_on - datetime.timedelta(days=10))
        competency.refresh_from_db()
        assert competency.expires_on == renewed_to
        assert auto_renewal_term(period_end=ends_on, months=12) == (ends_on, renewed_to)


@pytest.mark.django_db
class TestDailyTask:
    def test_lapsed_competencies_expire_and_leave_the_dashboard(self, client, org, global_admin):
        lapsed = _competency(org, -1, area="security")
        current = _competency(org, 100, area="erp")
        expire_competencies()
        lapsed.refresh_from_db()
        current.refresh_from_db()
        assert lapsed.expired_at is not None and current.expired_at is None
        client.force_login(global_admin)
        body = client.get(reverse("dashboard:overview")).content.decode()
        assert "Expired" in body and "Enterprise Resource Planning" in body
        expire_competencies()
        assert ActivityEntry.objects.filter(verb="competency.expired").count() == 1

    def test_reminder_30_days_before_is_sent_once(self, org, global_admin, django_capture_on_commit_callbacks):
        mpn = UserFactory(organization=org, roles=[Role.MPN_PARTNER_ADMIN], language="ru")
        UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        competency = _competency(org, 31)
        with django_capture_on_commit_callbacks(execute=True):
            expire_competencies()
        assert mail.outbox == []
        tomorrow = timezone.now() + datetime.timedelta(days=1)
        with time_machine.travel(tomorrow, tick=False), django_capture_on_commit_callbacks(execute=True):
            expire_competencies()
            expire_competencies()
        assert sorted(m.to[0] for m in mail.outbox) == sorted(
            [global_admin.email, mpn.email]
            + [u.email for u in org.users.filter(roles__role="global_admin").exclude(pk=global_admin.pk)]
        )
        assert CompetencyReminder.objects.filter(competency=competency).count() == 1
        russian = next(m for m in mail.outbox if m.to == [mpn.email])
        assert "Компетенция" in russian.subject or "компетенц" in russian.subject.lower()

    def test_a_renewed_competency_gets_a_new_reminder_for_its_new_date(self, org, django_capture_on_commit_callbacks):
        from membership.services import competency_renew

        competency = _competency(org, 20)
        with django_capture_on_commit_callbacks(execute=True):
            expire_competencies()
        sent = len(mail.outbox)
        assert sent >= 1
        competency_renew(actor=None, competency=competency)
        later = timezone.now() + datetime.timedelta(days=365 + 20 - 30 + 1)
        with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
            expire_competencies()
        assert CompetencyReminder.objects.filter(competency=competency).count() == 2
        assert len(mail.outbox) == 2 * sent
