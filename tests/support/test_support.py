"""Partner and staff sides of service requests (filing, list, isolation, roles, transitions,
attachments, e-mails, the admin queue)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from membership.models import ActivityEntry, Role, User
from offers.models import TimelineKind
from offers.selectors import subscription_timeline
from offers.services import subscription_cancel
from partnerportal import page_cache
from support import services
from support.models import (
    Attachment,
    ProblemType,
    RequestMessage,
    RequestStatus,
    ServiceRequest,
    Severity,
    StatusChange,
)
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.fixtures_infra import *  # noqa: F401,F403

S = RequestStatus
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def subscription(stripe_settings, org, global_admin):
    return paid_subscription(org, user=global_admin)[0]


def _form(**overrides):
    data = {
        "problem_type": ProblemType.INVOICE_PAYMENT,
        "subscription": "",
        "order": "",
        "severity": Severity.MODERATE,
        "title": "Cancel our Action Pack",
        "description": "We no longer need the subscription.",
    }
    data.update(overrides)
    return data


# --- Filing -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestFiling:
    def test_the_seed_path_leads_to_the_new_request_form(self, client_for, global_admin):
        client = client_for(global_admin)
        listing = client.get(reverse("support:request_list")).content.decode()
        assert "Service requests" in listing and "Partner Center requests" in listing
        assert reverse("support:report") in listing
        report = client.get(reverse("support:report")).content.decode()
        assert "Report problems with Partner Center" in report
        assert f'href="{reverse("support:request_new")}"' in report and "New request" in report
        form = client.get(reverse("support:request_new")).content.decode()
        assert "Type of problem" in form and "Submit" in form
        assert "Help with partner invoice, payment, or reconciliation file" in form

    def test_the_seed_labels_in_russian(self, client_for, org):
        russian = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
        ServiceRequestFactory(user=russian, title="Проблема")
        client = client_for(russian)
        listing = client.get(reverse("support:request_list")).content.decode()
        assert "Запросы на обслуживание" in listing and "Запросы Центра партнеров" in listing
        assert "Сообщить о проблемах с Центром партнеров" in listing
        assert ">Открыть</a>" in listing and ">Открыт</span>" in listing
        assert "Новый запрос" in client.get(reverse("support:report")).content.decode()
        form = client.get(reverse("support:request_new")).content.decode()
        assert "Тип проблемы" in form and ">Отправить</button>" in form
        assert "Помощь с партнерским счетом, оплатой или файлом выверки" in form

    def test_filing_with_the_invoice_type_names_the_subscription_and_writes_the_timeline(
        self, client_for, global_admin, subscription
    ):
        client = client_for(global_admin)
        response = client.post(
            reverse("support:request_new"),
            _form(subscription=subscription.pk, wants_cancellation="on", cancellation_reason="too_expensive"),
        )
        service_request = ServiceRequest.objects.get()
        assert response.status_code == 302 and response.url == service_request.get_absolute_url()
        assert re.fullmatch(r"SR-\d{6}", service_request.number)
        assert service_request.organization == global_admin.organization
        assert service_request.requester == global_admin
        assert service_request.subscription == subscription and service_request.wants_cancellation
        assert service_request.status == S.OPEN
        assert list(service_request.status_changes.values_list("from_status", "to_status")) == [("", S.OPEN)]
        entry = subscription_timeline(subscription=subscription).get(verb=TimelineKind.REQUEST_FILED.verb)
        assert entry.actor == global_admin and service_request.number in entry.detail
        page = client.get(response.url).content.decode()
        assert service_request.number in page and "Open" in page and "Cancellation requested" in page

    def test_filing_another_type_needs_no_subscription_and_drops_the_cancellation_tick(
        self, client_for, global_admin, subscription
    ):
        client = client_for(global_admin)
        response = client.post(
            reverse("support:request_new"),
            _form(problem_type=ProblemType.SIGN_IN, title="Cannot sign in", wants_cancellation="on"),
        )
        assert response.status_code == 302
        service_request = ServiceRequest.objects.get()
        assert service_request.problem_type == ProblemType.SIGN_IN
        assert service_request.subscription is None and not service_request.wants_cancellation
        assert not ActivityEntry.objects.filter(verb=TimelineKind.REQUEST_FILED.verb).exists()

    def test_cancellation_without_a_subscription_is_refused_with_a_message(
        self, client_for, global_admin, subscription
    ):
        response = client_for(global_admin).post(reverse("support:request_new"), _form(wants_cancellation="on"))
        assert response.status_code == 200
        assert "Choose the subscription you want cancelled." in response.content.decode()
        assert not ServiceRequest.objects.exists()

    def test_only_the_organisations_own_live_subscriptions_are_offered(
        self, client_for, global_admin, subscription, other_org
    ):
        foreign = paid_subscription(other_org)[0]
        client = client_for(global_admin)
        page = client.get(reverse("support:request_new"))
        offered = list(page.context["form"].fields["subscription"].queryset)
        assert offered == [subscription]
        response = client.post(reverse("support:request_new"), _form(subscription=foreign.pk, wants_cancellation="on"))
        assert response.status_code == 200 and "subscription" in response.context["form"].errors
        assert not ServiceRequest.objects.exists()

    def test_new_cancellation_opens_the_form_prefilled(self, client_for, global_admin, subscription):
        response = client_for(global_admin).get(
            reverse("support:new_cancellation") + f"?subscription={subscription.pk}"
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.initial["problem_type"] == ProblemType.INVOICE_PAYMENT
        assert form.initial["subscription"] == subscription.pk and form.initial["wants_cancellation"] is True
        html = response.content.decode()
        assert re.search(rf'<option value="{subscription.pk}" selected>', html)
        assert re.search(r'name="wants_cancellation"[^>]*checked', html)

    def test_the_subscription_page_links_to_the_prefilled_form(self, client_for, global_admin, subscription):
        client = client_for(global_admin)
        details = client.get(subscription.get_absolute_url())
        assert details.status_code == 200
        link = re.search(r'<a href="([^"]+)"[^>]*>Cancel subscription</a>', details.content.decode())
        assert link, "the subscription details page offers Cancel subscription"
        url = link.group(1).replace("&amp;", "&")
        assert url == reverse("support:new_cancellation") + f"?subscription={subscription.pk}"
        form = client.get(url).context["form"]
        assert form.initial["subscription"] == subscription.pk and form.initial["wants_cancellation"] is True

    def test_new_cancellation_for_another_or_a_dead_subscription_is_404(
        self, client_for, global_admin, subscription, other_org
    ):
        foreign = paid_subscription(other_org)[0]
        client = client_for(global_admin)
        url = reverse("support:new_cancellation")
        assert client.get(f"{url}?subscription={foreign.pk}").status_code == 404
        assert client.get(f"{url}?subscription=abc").status_code == 404
        subscription_cancel(subscription=subscription, actor=None)
        assert client.get(f"{url}?subscription={subscription.pk}").status_code == 404


# --- Roles and isolation ----------------------------------------------------------------------


@pytest.mark.django_db
class TestRolesAndIsolation:
    @pytest.mark.parametrize("role", [Role.BILLING_ADMIN, Role.MPN_PARTNER_ADMIN])
    def test_roles_that_may_not_file_see_the_reason_and_get_403(self, client_for, org, role):
        user = UserFactory(organization=org, roles=[role])
        client = client_for(user)
        report = client.get(reverse("support:report")).content.decode()
        assert re.search(r'<button type="button" id="new-request" disabled>New request</button>', report)
        assert "Only a user with one of these roles can do this: Global admin, Account admin." in report
        assert client.get(reverse("support:request_new")).status_code == 403
        assert client.post(reverse("support:request_new"), _form(problem_type=ProblemType.OTHER)).status_code == 403
        assert not ServiceRequest.objects.exists()
        # They can still follow the organisation's requests.
        assert client.get(reverse("support:request_list")).status_code == 200

    def test_an_account_admin_can_file(self, client_for, org):
        user = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
        response = client_for(user).post(reverse("support:request_new"), _form(problem_type=ProblemType.USERS))
        assert response.status_code == 302 and ServiceRequest.objects.get().requester == user

    def test_the_partner_list_query_count_does_not_grow(self, client_for, global_admin, org):
        client = client_for(global_admin)
        users = [global_admin]
        _bulk_requests(3, [org], users)
        with CaptureQueriesContext(connection) as small:
            assert client.get(reverse("support:request_list")).status_code == 200
        _bulk_requests(60, [org], users, start=3)
        with CaptureQueriesContext(connection) as large:
            page = client.get(reverse("support:request_list"))
        assert len(page.context["page"].object_list) == 25
        assert len(small.captured_queries) == len(large.captured_queries)

    def test_another_organisations_request_is_404_to_view_and_to_reply(self, client_for, global_admin, other_org):
        foreign = ServiceRequestFactory(user=UserFactory(organization=other_org), title="Fabrikam's problem")
        client = client_for(global_admin)
        assert client.get(reverse("support:request_detail", args=[foreign.pk])).status_code == 404
        response = client.post(reverse("support:request_reply", args=[foreign.pk]), {"body": "Let me in"})
        assert response.status_code == 404
        assert not RequestMessage.objects.exists()
        assert "Fabrikam&#x27;s problem" not in client.get(reverse("support:request_list")).content.decode()

    def test_list_filters_by_status_and_shows_only_the_organisations_requests(
        self, client_for, global_admin, other_org
    ):
        first = ServiceRequestFactory(user=global_admin, title="First problem")
        second = ServiceRequestFactory(user=global_admin, title="Second problem")
        ServiceRequestFactory(user=UserFactory(organization=other_org), title="Foreign problem")
        staff = StaffFactory()
        services.request_change_status(service_request=second, to_status=S.RESOLVED, actor=staff)
        client = client_for(global_admin)
        everything = client.get(reverse("support:request_list")).content.decode()
        assert "First problem" in everything and "Second problem" in everything and "Foreign problem" not in everything
        resolved = client.get(reverse("support:request_list"), {"status": S.RESOLVED})
        assert [r.pk for r in resolved.context["page"].object_list] == [second.pk]
        opened = client.get(reverse("support:request_list"), {"status": S.OPEN})
        assert [r.pk for r in opened.context["page"].object_list] == [first.pk]
        assert f'href="{first.get_absolute_url()}"' in opened.content.decode()

    def test_the_status_filter_shows_the_chosen_status_in_the_readers_language(self, client_for, global_admin):
        client = client_for(global_admin)
        url = reverse("support:request_list")
        everything = client.get(url).content.decode()
        assert '<option value="" selected>All</option>' in everything
        assert f'<option value="{S.RESOLVED}">Resolved</option>' in everything
        resolved = client.get(url, {"status": S.RESOLVED}).content.decode()
        assert f'<option value="{S.RESOLVED}" selected>Resolved</option>' in resolved
        assert '<option value="">All</option>' in resolved
        global_admin.language = "ru"
        global_admin.save()
        in_russian = client.get(url, {"status": S.RESOLVED}).content.decode()
        assert f'<option value="{S.RESOLVED}" selected>Решен</option>' in in_russian


# --- Conversation ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestConversation:
    def test_partner_sees_public_replies_never_internal_notes(self, client_for, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        services.message_add(
            service_request=service_request, author=staff, body="Staff only: refund risk", is_internal=True
        )
        services.message_add(service_request=service_request, author=staff, body="We are on it.")
        page = client_for(global_admin).get(service_request.get_absolute_url()).content.decode()
        assert "We are on it." in page
        assert "Staff only" not in page

    def test_partner_reply_is_saved_and_hands_the_request_back_to_staff(self, client_for, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        services.request_change_status(
            service_request=service_request, to_status=S.WAITING_ON_PARTNER, actor=StaffFactory(), notify=False
        )
        response = client_for(global_admin).post(
            reverse("support:request_reply", args=[service_request.pk]), {"body": "Here is the invoice number."}
        )
        assert response.status_code == 302
        message = RequestMessage.objects.get()
        assert message.author == global_admin and not message.is_internal
        service_request.refresh_from_db()
        assert service_request.status == S.IN_PROGRESS

    def test_a_partner_reply_reopens_a_resolved_request(self, client_for, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        services.request_change_status(
            service_request=service_request, to_status=S.RESOLVED, actor=StaffFactory(), notify=False
        )
        client_for(global_admin).post(
            reverse("support:request_reply", args=[service_request.pk]), {"body": "It is broken again."}
        )
        service_request.refresh_from_db()
        assert service_request.status == S.IN_PROGRESS and service_request.resolved_at is None

    def test_partner_cannot_write_internal_notes_or_reply_to_a_closed_request(self, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        with pytest.raises(PermissionDenied):
            services.message_add(service_request=service_request, author=global_admin, body="x", is_internal=True)
        services.request_change_status(
            service_request=service_request, to_status=S.CLOSED, actor=StaffFactory(), notify=False
        )
        with pytest.raises(ValidationError, match="This request is closed"):
            services.message_add(service_request=service_request, author=global_admin, body="again")
        assert not RequestMessage.objects.exists()


# --- Transitions ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestTransitions:
    def test_valid_transitions_are_recorded(self, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        for to_status in [
            S.IN_PROGRESS,
            S.WAITING_ON_PARTNER,
            S.IN_PROGRESS,
            S.RESOLVED,
            S.IN_PROGRESS,
            S.RESOLVED,
            S.CLOSED,
        ]:
            services.request_change_status(
                service_request=service_request, to_status=to_status, actor=staff, notify=False
            )
        service_request.refresh_from_db()
        assert service_request.status == S.CLOSED and service_request.closed_at is not None
        history = list(service_request.status_changes.values_list("to_status", flat=True))
        assert history == [
            S.OPEN,
            S.IN_PROGRESS,
            S.WAITING_ON_PARTNER,
            S.IN_PROGRESS,
            S.RESOLVED,
            S.IN_PROGRESS,
            S.RESOLVED,
            S.CLOSED,
        ]

    @pytest.mark.parametrize(
        "path,refused",
        [
            ([S.CLOSED], S.OPEN),
            ([S.CLOSED], S.IN_PROGRESS),
            ([S.RESOLVED], S.WAITING_ON_PARTNER),
            ([S.RESOLVED], S.OPEN),
            ([S.WAITING_ON_PARTNER], S.OPEN),
        ],
    )
    def test_invalid_transitions_are_refused_and_change_nothing(self, global_admin, path, refused):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        for to_status in path:
            services.request_change_status(
                service_request=service_request, to_status=to_status, actor=staff, notify=False
            )
        before = StatusChange.objects.count()
        with pytest.raises(services.InvalidTransition):
            services.request_change_status(service_request=service_request, to_status=refused, actor=staff)
        service_request.refresh_from_db()
        assert service_request.status == path[-1]
        assert StatusChange.objects.count() == before

    def test_the_transition_table_covers_every_status_and_closed_is_final(self):
        assert set(services.TRANSITIONS) == set(S.values)
        assert services.TRANSITIONS[S.CLOSED] == set()
        for targets in services.TRANSITIONS.values():
            assert targets <= set(S.values)


# --- Attachments ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAttachments:
    def test_a_valid_pdf_is_stored_and_only_the_organisation_can_download_it(self, client_for, global_admin, other_org):
        client = client_for(global_admin)
        upload = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")
        response = client.post(
            reverse("support:request_new"), {**_form(problem_type=ProblemType.OTHER), "attachment": upload}
        )
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert attachment.original_name == "invoice.pdf" and attachment.size == len(PDF)
        assert attachment.content_type == "application/pdf"
        download = client.get(attachment.get_absolute_url())
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
        client.force_login(UserFactory(organization=other_org))
        assert client.get(attachment.get_absolute_url()).status_code == 404
        client.force_login(StaffFactory())  # staff open it from the admin inline
        assert client.get(attachment.get_absolute_url()).status_code == 200

    def test_too_big_is_refused_with_a_clear_message_and_nothing_is_lost(self, client_for, global_admin):
        big = SimpleUploadedFile("statement.csv", b"a,b\n" * (5 * 1024 * 1024 // 4 + 1), content_type="text/csv")
        data = {
            **_form(problem_type=ProblemType.OTHER, title="Keep my title", description="Keep my words"),
            "attachment": big,
        }
        response = client_for(global_admin).post(reverse("support:request_new"), data)
        assert response.status_code == 200
        html = response.content.decode()
        assert "“statement.csv” is too big" in html and "attachments can be at most 5 MB" in html
        assert 'value="Keep my title"' in html and "Keep my words" in html
        assert not ServiceRequest.objects.exists() and not Attachment.objects.exists()

    @pytest.mark.parametrize(
        "name,content",
        [("tool.exe", b"MZ\x90\x00"), ("photo.png", b"this is no image"), ("notes.txt", b"\x00\x01\x02binary")],
    )
    def test_wrong_types_are_refused_on_a_reply_and_the_text_is_kept(self, client_for, global_admin, name, content):
        service_request = ServiceRequestFactory(user=global_admin)
        response = client_for(global_admin).post(
            reverse("support:request_reply", args=[service_request.pk]),
            {"body": "See the attached file", "attachment": SimpleUploadedFile(name, content)},
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert name in html and ("not an allowed file type" in html or "does not contain what its name says" in html)
        assert "See the attached file" in html
        assert not RequestMessage.objects.exists() and not Attachment.objects.exists()

    def test_a_reply_with_a_png_is_attached_to_the_message(self, client_for, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20
        client_for(global_admin).post(
            reverse("support:request_reply", args=[service_request.pk]),
            {"body": "Screenshot", "attachment": SimpleUploadedFile("screen.png", png)},
        )
        attachment = Attachment.objects.get()
        assert attachment.message == RequestMessage.objects.get() and attachment.content_type == "image/png"


# --- E-mails ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestEmails:
    def test_staff_public_reply_mails_the_requester_internal_note_does_not(
        self, global_admin, django_capture_on_commit_callbacks
    ):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        with django_capture_on_commit_callbacks(execute=True):
            services.message_add(service_request=service_request, author=staff, body="Internal only", is_internal=True)
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True):
            services.message_add(service_request=service_request, author=staff, body="Please send the invoice number.")
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == [global_admin.email]
        assert service_request.number in email.subject
        assert "Please send the invoice number." in email.body
        html, mimetype = email.alternatives[0]
        assert mimetype == "text/html" and "Please send the invoice number." in html
        assert "Internal only" not in email.body

    def test_a_partner_reply_mails_nobody(self, global_admin, django_capture_on_commit_callbacks):
        service_request = ServiceRequestFactory(user=global_admin)
        with django_capture_on_commit_callbacks(execute=True):
            services.message_add(service_request=service_request, author=global_admin, body="Any news?")
        assert mail.outbox == []

    def test_status_change_mails_the_requester_in_russian(self, org, django_capture_on_commit_callbacks):
        russian = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
        service_request = ServiceRequestFactory(user=russian)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.request_change_status(service_request=service_request, to_status=S.RESOLVED, actor=StaffFactory())
        assert len(callbacks) == 1 and len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == [russian.email]
        assert email.subject == f"Ваш запрос на обслуживание {service_request.number} теперь: Решен"
        assert "изменилось" in email.body and "Решен" in email.alternatives[0][0]

    def test_the_email_is_sent_only_after_commit(self, global_admin, django_capture_on_commit_callbacks):
        service_request = ServiceRequestFactory(user=global_admin)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.request_change_status(
                service_request=service_request, to_status=S.IN_PROGRESS, actor=StaffFactory()
            )
        assert mail.outbox == [] and len(callbacks) == 1


# --- Staff: the admin queue -------------------------------------------------------------------


def _bulk_requests(count, orgs, users, start=0):
    now = timezone.now()
    rows = [
        ServiceRequest(
            number=f"SR-9{start + i:05d}",
            organization=orgs[i % len(orgs)],
            requester=users[i % len(users)],
            problem_type=ProblemType.values[i % len(ProblemType.values)],
            title=f"Problem {i}",
            description="…",
            severity=Severity.values[i % 3],
            status=S.values[i % 4],
            created_at=now - datetime.timedelta(hours=i),
        )
        for i in range(count)
    ]
    ServiceRequest.objects.bulk_create(rows, batch_size=500)
    for organization in orgs:  # bulk_create sends no post_save: say so, as the services would
        page_cache.organization_changed(organization.pk)


def ctx_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return ctx.captured_queries


def _change_form_data(response):
    """The data the admin change page would post back unchanged (main form, inlines, management forms)."""
    data = {}
    form = response.context["adminform"].form
    for bound in form:
        value = bound.value()
        if value is not None:
            data[bound.html_name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            data[bound.html_name] = bound.value()
        for inline_form in formset.forms:
            for bound in inline_form:
                value = bound.value()
                if value not in (None, False, ""):
                    data[bound.html_name] = value
    return data


@pytest.mark.django_db
class TestAdminQueue:
    def test_changelist_query_count_does_not_grow_with_the_queue(self, client):
        orgs = [OrganizationFactory(name=f"Queue org {i}") for i in range(3)]
        users = [UserFactory(organization=o) for o in orgs]
        staff = StaffFactory()
        client.force_login(staff)
        url = reverse("admin:support_servicerequest_changelist")

        def count_queries():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            assert response.status_code == 200
            return len(ctx.captured_queries), response

        _bulk_requests(10, orgs, users)
        small, response = count_queries()
        assert "Queue org" in response.content.decode()
        _bulk_requests(290, orgs, users, start=10)
        large, response = count_queries()
        assert small == large
        assert response.context["cl"].result_count == 300
        # The one count the page makes is bounded (a LIMITed subquery), never a full COUNT(*).
        counts = [q["sql"] for q in ctx_queries(client, url) if "COUNT(" in q["sql"].upper()]
        assert len(counts) == 1 and "LIMIT" in counts[0].upper()

    def test_filters_and_search(self, client):
        org = OrganizationFactory(name="Northwind Traders")
        partner = UserFactory(organization=org, email="buyer@northwind.example")
        staff = StaffFactory()
        mine = ServiceRequestFactory(user=partner, title="Mine")
        other = ServiceRequestFactory(
            user=UserFactory(organization=OrganizationFactory(name="Adventure Works")), title="Other"
        )
        old = ServiceRequestFactory(user=partner, title="Old one")
        ServiceRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
        services.request_assign(service_request=mine, assignee=staff, actor=staff)
        client.force_login(staff)
        url = reverse("admin:support_servicerequest_changelist")

        def found(**params):
            return {r.pk for r in client.get(url, params).context["cl"].result_list}

        assert found(q=mine.number) == {mine.pk}
        assert found(q="Northwind") == {mine.pk, old.pk}
        assert found(q="buyer@northwind.example") == {mine.pk, old.pk}
        assert found(assignee="me") == {mine.pk}
        assert found(assignee="none") == {other.pk, old.pk}
        assert found(status=S.IN_PROGRESS) == {mine.pk}
        assert found(age="older") == {old.pk}
        assert found(age="1d") == {mine.pk, other.pk}
        assert found(problem_type=ProblemType.OTHER) == {mine.pk, other.pk, old.pk}

    def test_assign_to_me_action(self, client, global_admin):
        first, second = ServiceRequestFactory(user=global_admin), ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        client.force_login(staff)
        client.post(
            reverse("admin:support_servicerequest_changelist"),
            {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]},
        )
        for service_request in (first, second):
            service_request.refresh_from_db()
            assert service_request.assignee == staff and service_request.status == S.IN_PROGRESS

    def test_admin_status_change_goes_through_the_service_and_mails(
        self, client, global_admin, django_capture_on_commit_callbacks
    ):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        client.force_login(staff)
        url = reverse("admin:support_servicerequest_change", args=[service_request.pk])
        data = _change_form_data(client.get(url))
        data.update({"status": S.WAITING_ON_PARTNER, "messages-0-body": "Which invoice?", "_save": "Save"})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        service_request.refresh_from_db()
        assert service_request.status == S.WAITING_ON_PARTNER
        change = service_request.status_changes.last()
        assert (change.from_status, change.to_status, change.changed_by) == (S.OPEN, S.WAITING_ON_PARTNER, staff)
        message = RequestMessage.objects.get()
        assert message.author == staff and not message.is_internal and message.body == "Which invoice?"
        subjects = sorted(email.subject for email in mail.outbox)
        assert (
            len(subjects) == 2
            and any("reply" in s for s in subjects)
            and any("Waiting on partner" in s for s in subjects)
        )

    def test_admin_internal_note_is_not_mailed(self, client, global_admin, django_capture_on_commit_callbacks):
        service_request = ServiceRequestFactory(user=global_admin)
        client.force_login(StaffFactory())
        url = reverse("admin:support_servicerequest_change", args=[service_request.pk])
        data = _change_form_data(client.get(url))
        data.update({"messages-0-body": "Looks like fraud", "messages-0-is_internal": "on", "_save": "Save"})
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, data).status_code == 302
        assert RequestMessage.objects.get().is_internal
        assert mail.outbox == []

    def test_admin_invalid_transition_shows_an_error_and_changes_nothing(self, client, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        staff = StaffFactory()
        services.request_change_status(service_request=service_request, to_status=S.CLOSED, actor=staff, notify=False)
        client.force_login(staff)
        url = reverse("admin:support_servicerequest_change", args=[service_request.pk])
        data = _change_form_data(client.get(url))
        data.update({"status": S.OPEN, "severity": Severity.CRITICAL, "_save": "Save"})
        response = client.post(url, data)
        assert response.status_code == 200
        assert "A request cannot go from “Closed” to “Open”." in response.content.decode()
        service_request.refresh_from_db()
        assert service_request.status == S.CLOSED and service_request.severity == Severity.MODERATE
        assert service_request.status_changes.count() == 2

    def test_staff_without_access_cannot_open_the_queue(self, client, global_admin):
        client.force_login(global_admin)  # a partner, not staff
        response = client.get(reverse("admin:support_servicerequest_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url
        assert User.objects.filter(is_staff=True).count() == 0
