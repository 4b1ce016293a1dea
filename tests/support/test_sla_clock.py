"""Service levels on real requests (R22): clock events on the history, stored deadlines, the staff
queue's time left, order and filters, and the 80 % warning sent exactly once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from partnerportal.celery import app
from support import services, tasks
from support.models import ClockEvent, ClockEventKind, RequestStatus, ServiceRequest, Severity
from tests.factories.membership import UserFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory

S = RequestStatus
K = ClockEventKind
DUBLIN = ZoneInfo("Europe/Dublin")


def local(*args):
    return datetime.datetime(*args, tzinfo=DUBLIN)


def at(moment):
    return time_machine.travel(moment, tick=False)


def kinds(service_request):
    return list(ClockEvent.objects.filter(request=service_request).values_list("kind", flat=True))


@pytest.fixture(autouse=True)
def staff_calendar(settings):
    settings.STAFF_TIME_ZONE = "Europe/Dublin"
    settings.SLA_HOLIDAYS_COUNTRY = "IE"
    settings.SLA_EXTRA_HOLIDAYS = []


@pytest.fixture
def partner(global_admin):
    return global_admin


@pytest.mark.django_db
class TestClockEvents:
    def test_filing_starts_the_clocks_and_stores_the_deadlines(self, partner):
        with at(local(2026, 3, 7, 10)):  # a Saturday: the clock counts from Monday's opening
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        service_request.refresh_from_db()
        event = ClockEvent.objects.get(request=service_request)
        assert (event.kind, event.at, event.actor) == (K.STARTED, local(2026, 3, 7, 10), partner)
        assert service_request.first_response_due_at == local(2026, 3, 9, 10)
        assert service_request.resolution_due_at == local(2026, 3, 9, 18)
        assert service_request.sla_due_at == local(2026, 3, 9, 10)
        assert service_request.sla_warn_at == local(2026, 3, 9, 9, 48)

    def test_waiting_on_the_partner_pauses_and_the_partners_reply_resumes(self, partner):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.MODERATE)
        with at(local(2026, 3, 2, 10)):
            services.request_change_status(
                service_request=service_request, to_status=S.WAITING_ON_PARTNER, actor=staff, notify=False
            )
        service_request.refresh_from_db()
        assert service_request.sla_due_at is None and service_request.sla_warn_at is None
        with at(local(2026, 3, 4, 10)):  # two days later, the partner answers
            services.message_add(service_request=service_request, author=partner, body="Here it is.")
        service_request.refresh_from_db()
        assert service_request.status == S.IN_PROGRESS
        assert kinds(service_request) == [K.STARTED, K.PAUSED, K.RESUMED]
        # 4 h allowed, 1 h used before the pause: due 3 business hours after the reply.
        assert service_request.first_response_due_at == local(2026, 3, 4, 13)

    def test_the_first_public_staff_reply_stops_the_first_response_clock_once(self, partner):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner)
        with at(local(2026, 3, 2, 9, 20)):
            services.message_add(service_request=service_request, author=staff, body="Note", is_internal=True)
        assert kinds(service_request) == [K.STARTED]
        with at(local(2026, 3, 2, 9, 30)):
            services.message_add(service_request=service_request, author=staff, body="We are on it.")
        with at(local(2026, 3, 2, 9, 40)):
            services.message_add(service_request=service_request, author=staff, body="Still on it.")
        assert kinds(service_request) == [K.STARTED, K.FIRST_RESPONSE]
        service_request.refresh_from_db()
        assert service_request.first_response_due_at is None
        assert service_request.sla_due_at == service_request.resolution_due_at == local(2026, 3, 4, 18)

    def test_resolving_stops_the_clocks_and_a_partners_return_reopens(self, partner):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner)
        with at(local(2026, 3, 2, 12)):
            services.request_change_status(service_request=service_request, to_status=S.RESOLVED, actor=staff)
        service_request.refresh_from_db()
        assert service_request.sla_due_at is None
        with at(local(2026, 3, 3, 9)):
            services.message_add(service_request=service_request, author=partner, body="Not fixed.")
        with at(local(2026, 3, 3, 10)):
            services.request_change_status(service_request=service_request, to_status=S.CLOSED, actor=staff)
        assert kinds(service_request) == [K.STARTED, K.RESOLVED, K.REOPENED, K.RESOLVED]
        with at(local(2026, 3, 3, 11)):
            figures = services.sla_recompute(service_request=service_request)
        assert figures.sla_due_at is None

    def test_closing_a_resolved_request_adds_no_clock_event(self, partner):
        staff = StaffFactory()
        service_request = ServiceRequestFactory(user=partner)
        services.request_change_status(service_request=service_request, to_status=S.RESOLVED, actor=staff)
        services.request_change_status(service_request=service_request, to_status=S.CLOSED, actor=staff)
        assert kinds(service_request) == [K.STARTED, K.RESOLVED]

    def test_a_severity_change_retargets_the_request(self, partner):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.MINIMAL)
        with at(local(2026, 3, 2, 9, 30)):
            services.request_change_severity(service_request=service_request, severity=Severity.CRITICAL, actor=staff)
        service_request.refresh_from_db()
        event = ClockEvent.objects.filter(request=service_request).last()
        assert (event.kind, event.data) == (K.SEVERITY_CHANGED, {"from": "minimal", "to": "critical"})
        assert service_request.first_response_due_at == local(2026, 3, 2, 10)

    def test_the_status_table_of_clock_events(self):
        table = services.clock_events_for_status_change
        assert table(S.OPEN, S.IN_PROGRESS) == []
        assert table(S.IN_PROGRESS, S.WAITING_ON_PARTNER) == [K.PAUSED]
        assert table(S.WAITING_ON_PARTNER, S.IN_PROGRESS) == [K.RESUMED]
        assert table(S.WAITING_ON_PARTNER, S.RESOLVED) == [K.RESOLVED]
        assert table(S.IN_PROGRESS, S.CLOSED) == [K.RESOLVED]
        assert table(S.RESOLVED, S.CLOSED) == []
        assert table(S.RESOLVED, S.IN_PROGRESS) == [K.REOPENED]
        assert table(S.OPEN, S.OPEN) == []

    def test_one_start_per_request_in_the_database(self, partner):
        service_request = ServiceRequestFactory(user=partner)
        with pytest.raises(IntegrityError), transaction.atomic():
            ClockEvent.objects.create(request=service_request, kind=K.STARTED)


def _change_url(service_request):
    return reverse("admin:support_servicerequest_change", args=[service_request.pk])


@pytest.mark.django_db
class TestAdminQueue:
    def test_the_queue_sorts_by_time_left_and_shows_it(self, client, partner):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            minimal = ServiceRequestFactory(user=partner, severity=Severity.MINIMAL, title="Minimal one")
            critical = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title="Critical one")
            waiting = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title="Waiting one")
            moderate = ServiceRequestFactory(user=partner, severity=Severity.MODERATE, title="Moderate one")
            services.request_change_status(
                service_request=waiting, to_status=S.WAITING_ON_PARTNER, actor=staff, notify=False
            )
        client.force_login(staff)
        with at(local(2026, 3, 2, 9, 12)):
            response = client.get(reverse("admin:support_servicerequest_changelist"))
        rows = [row.number for row in response.context["cl"].result_list]
        assert rows == [critical.number, moderate.number, minimal.number, waiting.number]
        html = response.content.decode()
        assert "0 h 48 min left" in html and "3 h 48 min left" in html and "Paused" in html
        with at(local(2026, 3, 2, 11, 5)):
            html = client.get(reverse("admin:support_servicerequest_changelist")).content.decode()
        assert '<strong class="sla-overdue">overdue by 1 h 05 min</strong>' in html

    def test_breached_and_breaching_within_one_hour(self, client, partner):
        with at(local(2026, 3, 6, 16)):  # a Friday afternoon
            late = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title="Late")
        with at(local(2026, 3, 6, 17, 30)):
            soon = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title="Soon")  # due Mon 09:30
            later = ServiceRequestFactory(user=partner, severity=Severity.MODERATE, title="Later")
        client.force_login(StaffFactory())
        url = reverse("admin:support_servicerequest_changelist")
        with at(local(2026, 3, 6, 17, 45)):
            breached = client.get(url, {"sla": "breached"}).context["cl"].result_list
            within = client.get(url, {"sla": "soon"}).context["cl"].result_list
        assert [r.pk for r in breached] == [late.pk]
        # 09:30 on Monday is 45 business minutes away at 17:45 on Friday.
        assert [r.pk for r in within] == [soon.pk]
        assert later.pk not in [r.pk for r in within]

    def test_the_request_page_shows_the_clocks_and_their_history(self, client, partner):
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        client.force_login(StaffFactory())
        with at(local(2026, 3, 2, 9, 30)):
            html = client.get(_change_url(service_request)).content.decode()
        assert 'id="sla-first_response"' in html and "0 h 30 min left" in html and "Running" in html
        assert "Clock started" in html and "Service-level clock" in html

    def test_a_severity_change_in_admin_goes_through_the_service(self, client, partner):
        service_request = ServiceRequestFactory(user=partner, severity=Severity.MINIMAL)
        staff = StaffFactory()
        client.force_login(staff)
        url = _change_url(service_request)
        response = client.get(url)
        data = {"problem_type": service_request.problem_type, "severity": Severity.CRITICAL, "status": S.OPEN}
        for inline in response.context["inline_admin_formsets"]:
            for bound in inline.formset.management_form:
                data[bound.html_name] = bound.value()
        data["_save"] = "Save"
        assert client.post(url, data).status_code == 302
        event = ClockEvent.objects.filter(request=service_request).last()
        assert event.kind == K.SEVERITY_CHANGED and event.actor == staff
        service_request.refresh_from_db()
        assert service_request.severity == Severity.CRITICAL


@pytest.fixture
def queue_staff(db):
    """Two staff who work the queue (one by a group, one reading Russian), a superuser, and staff who do not."""
    by_permission = StaffFactory(email="agent@support.example")
    group = Group.objects.create(name="Queue")
    group.permissions.add(Permission.objects.get(codename="change_servicerequest"))
    by_group = UserFactory(organization=None, email="russian@support.example", is_staff=True, language="ru", roles=[])
    by_group.groups.add(group)
    superuser = StaffFactory(email="root@support.example", superuser=True)
    outsider = UserFactory(organization=None, email="finance@support.example", is_staff=True, roles=[])
    return {"permission": by_permission, "group": by_group, "superuser": superuser, "outsider": outsider}


def _warnings(service_request):
    return ClockEvent.objects.filter(request=service_request, kind=K.WARNING_SENT)


@pytest.mark.django_db
class TestBreachWarning:
    def test_the_assignee_is_told_once_at_80_percent(self, partner, django_capture_on_commit_callbacks):
        assignee = StaffFactory(email="assignee@support.example")
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
            services.request_assign(service_request=service_request, assignee=assignee, actor=assignee)
        mail.outbox.clear()
        with at(local(2026, 3, 2, 9, 47)), django_capture_on_commit_callbacks(execute=True):
            assert tasks.sla_warnings_send.delay().get() == 0  # 78 %: not yet
        assert mail.outbox == []
        for _ in range(2):  # the beat runs again, or twice at once: still one warning
            with at(local(2026, 3, 2, 9, 50)), django_capture_on_commit_callbacks(execute=True):
                tasks.sla_warnings_send.delay()
        warning = _warnings(service_request).get()
        assert (warning.target, warning.at) == ("first_response", local(2026, 3, 2, 9, 50))
        assert warning.data["recipients"] == [assignee.pk] and warning.data["to_assignee"]
        assert [m.to for m in mail.outbox] == [["assignee@support.example"]]
        message = mail.outbox[0]
        assert service_request.number in message.subject and "First response" in message.subject
        assert "80 %" in message.body and _change_url(service_request) in message.body
        assert "It is due March 2, 2026, 10:00" in message.body.replace("\u202f", " ")
        service_request.refresh_from_db()
        assert service_request.sla_warn_at == local(2026, 3, 2, 16, 12)  # the resolution target's 80 %

    def test_unassigned_the_queue_staff_are_told_each_in_their_language(
        self, partner, queue_staff, django_capture_on_commit_callbacks
    ):
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        with at(local(2026, 3, 2, 9, 55)), django_capture_on_commit_callbacks(execute=True):
            assert services.sla_warnings_send() == 1
        recipients = sorted(m.to[0] for m in mail.outbox)
        assert recipients == ["agent@support.example", "root@support.example", "russian@support.example"]
        assert partner.email not in recipients and "finance@support.example" not in recipients
        russian = next(m for m in mail.outbox if m.to == ["russian@support.example"])
        assert "Первый ответ" in russian.subject and "80 %" in russian.body and "Открыть запрос" in russian.body
        assert not _warnings(service_request).get().data["to_assignee"]

    def test_each_target_is_warned_once(self, partner, django_capture_on_commit_callbacks):
        StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        with at(local(2026, 3, 2, 17)), django_capture_on_commit_callbacks(execute=True):
            # Both targets are past 80 % by now: one warning each, in one run.
            assert services.sla_warnings_send() == 2
        with at(local(2026, 3, 3, 17)), django_capture_on_commit_callbacks(execute=True):
            assert services.sla_warnings_send() == 0
        assert sorted(_warnings(service_request).values_list("target", flat=True)) == ["first_response", "resolution"]
        assert len(mail.outbox) == 2
        service_request.refresh_from_db()
        assert service_request.sla_warn_at is None

    def test_a_paused_or_answered_clock_is_not_warned(self, partner, django_capture_on_commit_callbacks):
        staff = StaffFactory()
        with at(local(2026, 3, 2, 9)):
            paused = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
            answered = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        with at(local(2026, 3, 2, 9, 30)):
            services.request_change_status(service_request=paused, to_status=S.WAITING_ON_PARTNER, actor=staff)
            services.message_add(service_request=answered, author=staff, body="On it.")
        mail.outbox.clear()
        with at(local(2026, 3, 2, 10, 30)), django_capture_on_commit_callbacks(execute=True):
            assert services.sla_warnings_send() == 0
        assert mail.outbox == []

    def test_a_warning_another_run_wrote_is_not_sent_again(self, partner, django_capture_on_commit_callbacks):
        StaffFactory()
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        # Another run wrote the warning; this run's scan still sees the old sla_warn_at.
        ClockEvent.objects.create(request=service_request, kind=K.WARNING_SENT, target="first_response")
        assert ServiceRequest.objects.get(pk=service_request.pk).sla_warn_at == local(2026, 3, 2, 9, 48)
        with at(local(2026, 3, 2, 9, 55)), django_capture_on_commit_callbacks(execute=True):
            assert services.sla_warn(service_request_id=service_request.pk, now=local(2026, 3, 2, 9, 55)) == 0
        assert mail.outbox == [] and _warnings(service_request).count() == 1

    def test_the_database_refuses_a_second_warning_for_a_target(self, partner):
        service_request = ServiceRequestFactory(user=partner)
        ClockEvent.objects.create(request=service_request, kind=K.WARNING_SENT, target="first_response")
        ClockEvent.objects.create(request=service_request, kind=K.WARNING_SENT, target="resolution")
        with pytest.raises(IntegrityError), transaction.atomic():
            ClockEvent.objects.create(request=service_request, kind=K.WARNING_SENT, target="first_response")

    def test_nobody_to_tell_writes_the_warning_and_sends_nothing(self, partner, django_capture_on_commit_callbacks):
        with at(local(2026, 3, 2, 9)):
            service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL)
        with at(local(2026, 3, 2, 9, 55)), django_capture_on_commit_callbacks(execute=True):
            assert services.sla_warnings_send() == 1
        assert _warnings(service_request).get().data["recipients"] == [] and mail.outbox == []

    def test_the_beat_runs_the_task(self):
        entry = settings.CELERY_BEAT_SCHEDULE["sla-warnings"]
        assert entry["task"] == "support.tasks.sla_warnings_send" and entry["task"] in app.tasks
        assert "support.tasks.send_request_email" in app.tasks  # the name messages already queued use
