"""The page cache's parts: declared owners, data versions in the database, the release, the reader's key.

tests/partnerportal/test_nothing_stale.py walks the pages as users do, and test_access_from_database.py
takes the cache away or makes it refuse writes; these pin the mechanisms underneath, each with a case
that fails if its rule is taken out.
"""

import re
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import DocumentCounter, WebhookEvent
from membership.backends import PortalBackend
from membership.models import Role, UserRole, UserSession
from offers.models import Offer, Reminder
from partnerportal import page_cache
from partnerportal.models import DataVersion
from support.models import Attachment, RequestMessage
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory, action_pack
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.helpers.pages import without_csrf_tokens

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def scope(organization):
    return page_cache.organization_scope(organization.pk)


class TestOwner:
    def test_an_organisation_owns_itself_and_rows_with_its_key(self, org, global_admin):
        assert page_cache.owner_scope(org) == scope(org)
        assert page_cache.owner_scope(global_admin) == scope(org)

    def test_the_owner_is_the_declared_relation(self, org, global_admin):
        subscription = SubscriptionFactory(organization=org)
        assert page_cache.owner_scope(Reminder(subscription=subscription)) == scope(org)
        role = UserRole.objects.get(user=global_admin, role=Role.GLOBAL_ADMIN)
        assert page_cache.owner_scope(role) == scope(org)
        message = RequestMessage.objects.create(
            request=ServiceRequestFactory(user=global_admin), author=global_admin, body="x"
        )
        assert page_cache.owner_scope(Attachment(request=message.request, message=message)) == scope(org)

    def test_the_catalogue_belongs_to_no_organisation(self, db):
        assert page_cache.owner_scope(action_pack()) == page_cache.CATALOGUE

    def test_a_loaded_relation_is_used_without_a_query(self, org):
        subscription = SubscriptionFactory(organization=org)
        entry = Reminder(subscription=subscription)
        with CaptureQueriesContext(connection) as queries:
            assert page_cache.owner_scope(entry) == scope(org)
        assert queries.captured_queries == []

    def test_every_model_of_the_portal_declares_its_owner_or_is_known_to_show_on_no_page(self):
        # A new model must say whose pages show it; a forgotten one would leave pages stale.
        # Support's clock events, canned replies and refund approvals are staff-only (admin); a sent reply is a
        # RequestMessage.
        shown_on_no_page = {
            "billing.documentcounter",
            "billing.webhookevent",
            "membership.usersession",
            "support.clockevent",
            "support.cannedreply",
            "support.refundapproval",
        }
        portal = {"membership", "billing", "offers", "support"}
        undeclared = {
            model._meta.label_lower
            for model in apps.get_models()
            if model._meta.app_label in portal and getattr(model, "page_cache_owner", None) is None
        }
        assert undeclared == shown_on_no_page

    def test_rows_no_page_shows_change_no_version(self, org, global_admin):
        before = page_cache.data_versions(org.pk)
        DocumentCounter.objects.create(series="INV", year=2031, last_sequence=7)
        WebhookEvent.objects.create(stripe_event_id="evt_1", type="payment_intent.succeeded", payload={})
        staff = StaffFactory()
        staff.first_name = "Renamed"
        staff.save()
        Client().force_login(global_admin)  # a session row, and the partner's last sign-in
        Client().force_login(staff)
        assert page_cache.data_versions(org.pk) == before
        assert DataVersion.objects.count() == len([v for v in before if v is not None])


class TestVersions:
    def test_a_save_replaces_its_organisations_version_only(self, org):
        other = OrganizationFactory(name="Fabrikam")
        before, catalogue = page_cache.data_versions(org.pk)
        theirs = page_cache.data_versions(other.pk)[0]
        org.name = "Contoso AG"
        org.save()
        after, catalogue_after = page_cache.data_versions(org.pk)
        assert after != before
        assert catalogue_after == catalogue and page_cache.data_versions(other.pk)[0] == theirs

    def test_a_catalogue_save_replaces_the_catalogue_version(self, org):
        organization_before, catalogue_before = page_cache.data_versions(org.pk)
        offer = action_pack()
        offer.price_amount += 100
        offer.save()
        organization_after, catalogue_after = page_cache.data_versions(org.pk)
        assert catalogue_after != catalogue_before and organization_after == organization_before

    def test_a_delete_replaces_the_version(self, org, global_admin):
        before = page_cache.data_versions(org.pk)[0]
        UserRole.objects.filter(user=global_admin).delete()
        assert page_cache.data_versions(org.pk)[0] != before

    def test_a_user_moved_to_another_organisation_changes_both(self, org, other_org):
        user = UserFactory(organization=org)
        ours, theirs = page_cache.data_versions(org.pk)[0], page_cache.data_versions(other_org.pk)[0]
        user.organization = other_org  # staff do this in Django admin
        user.save()
        assert page_cache.data_versions(org.pk)[0] != ours
        assert page_cache.data_versions(other_org.pk)[0] != theirs

    def test_inside_a_transaction_the_version_is_written_when_it_ends(self, org):
        before = page_cache.data_versions(org.pk)[0]
        with transaction.atomic():
            org.name = "Contoso AG"
            org.save()
            assert DataVersion.objects.filter(scope=scope(org)).first() is None or (
                page_cache.data_versions(org.pk)[0] == before
            )
            assert page_cache.organization_scope(org.pk) in connection.pending_versions
        assert page_cache.data_versions(org.pk)[0] != before


@pytest.mark.django_db(transaction=True)
class TestVersionsAtCommit:
    def test_the_versions_are_the_transactions_last_statement_in_sorted_order(self):
        first, second = OrganizationFactory(name="B"), OrganizationFactory(name="A")
        with CaptureQueriesContext(connection) as queries:
            with transaction.atomic():
                second.name, first.name = "A2", "B2"
                second.save()
                first.save()
        statements = [query["sql"] for query in queries.captured_queries]
        upsert = [i for i, sql in enumerate(statements) if "partnerportal_dataversion" in sql]
        assert len(upsert) == 1, statements  # one statement for both organisations
        assert upsert[0] == len(statements) - 1 or statements[upsert[0] + 1] == "COMMIT", statements
        low, high = sorted([first.pk, second.pk])
        sql = statements[upsert[0]]
        assert sql.index("'organization:%d'" % low) < sql.index("'organization:%d'" % high), sql

    def test_a_rolled_back_transaction_writes_no_version(self):
        org = OrganizationFactory(name="Contoso")
        before = page_cache.data_versions(org.pk)[0]
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                org.name = "Rolled back"
                org.save()
                raise RuntimeError
        assert page_cache.data_versions(org.pk)[0] == before
        assert connection.pending_versions == set()

    def test_a_change_outside_a_transaction_is_written_at_once(self):
        org = OrganizationFactory(name="Contoso")
        before = page_cache.data_versions(org.pk)[0]
        org.name = "Contoso AG"
        org.save()  # autocommit
        assert page_cache.data_versions(org.pk)[0] != before


class TestSignedInUser:
    def test_the_session_user_roles_and_versions_are_one_query(self, org):
        user = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        client = Client()
        client.force_login(user)
        client.get(reverse("support:request_list"))
        with CaptureQueriesContext(connection) as warm:
            assert client.get(reverse("support:request_list")).status_code == 200
        # The page came from the cache: what is left is the session read with its user.
        assert len(warm.captured_queries) == 1, warm.captured_queries
        sql = warm.captured_queries[0]["sql"]
        assert "membership_usersession" in sql and "membership_userrole" in sql and "dataversion" in sql

    def test_a_role_change_is_seen_at_once(self, org):
        user = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        backend = PortalBackend()
        assert backend.get_user(user.pk).role_set() == {Role.BILLING_ADMIN}
        UserRole.objects.create(user=user, role=Role.GLOBAL_ADMIN)
        assert backend.get_user(user.pk).role_set() == {Role.BILLING_ADMIN, Role.GLOBAL_ADMIN}

    def test_a_deactivated_user_is_nobody(self, org):
        user = UserFactory(organization=org)
        backend = PortalBackend()
        assert backend.get_user(user.pk) is not None
        user.is_active = False
        user.save()
        assert backend.get_user(user.pk) is None

    def test_staff_without_an_organisation_are_loaded(self, db):
        staff = UserFactory(organization=None, is_staff=True)
        assert PortalBackend().get_user(staff.pk) == staff

    def test_each_request_gets_its_own_copy(self, org):
        user = UserFactory(organization=org, language="en")
        backend = PortalBackend()
        first = backend.get_user(user.pk)
        first.language = "ru"  # a view changing request.user without saving
        first.organization.name = "Changed in memory"
        second = backend.get_user(user.pk)
        assert second is not first and second.language == "en" and second.organization.name == org.name

    def test_an_unknown_or_malformed_id_is_nobody(self, db):
        assert PortalBackend().get_user(987654) is None
        assert PortalBackend().get_user("not-a-number") is None

    def test_a_session_row_carries_its_user_and_ends_with_them(self, org):
        user = UserFactory(organization=org)
        Client().force_login(user)
        Client().force_login(user)
        assert UserSession.objects.filter(user=user).count() == 2
        from membership.services import user_sessions_end

        assert user_sessions_end(user=user) == 2
        assert not UserSession.objects.filter(user=user).exists()


class TestRelease:
    def test_the_release_changes_with_a_file_or_a_setting(self, settings, tmp_path):
        (tmp_path / "templates").mkdir()
        template = tmp_path / "templates" / "page.html"
        template.write_text("<p>one</p>")
        settings.BASE_DIR = tmp_path

        def fresh():
            page_cache.release.cache_clear()
            return page_cache.release()

        try:
            first = fresh()
            assert fresh() == first  # the same files and settings: the same release
            template.write_text("<p>two</p>")
            second = fresh()
            assert second != first
            settings.RENEWAL_WINDOW_DAYS_BEFORE = 45
            assert fresh() != second
        finally:
            page_cache.release.cache_clear()

    def test_a_new_release_makes_a_cached_page_miss(self, org, global_admin):
        client = Client()
        client.force_login(global_admin)
        url = reverse("offers:offer_list")
        client.get(url)
        with mock.patch.object(cache, "set", wraps=cache.set) as writes:
            client.get(url)
        assert _reader_keys(writes) == []  # warm: served from the cache
        with mock.patch.object(page_cache, "release", return_value="next-deploy"):
            with mock.patch.object(cache, "set", wraps=cache.set) as writes:
                client.get(url)
        assert len(_reader_keys(writes)) == 1  # rendered afresh, kept under the new release


class TestCachedPages:
    # A whole cached page (Offers) and a page that is never kept (New request, a form).
    @pytest.mark.parametrize("url_name", ["offers:offer_list", "support:request_new"])
    def test_a_cached_page_carries_each_sessions_own_csrf_token(self, org, global_admin, url_name):
        # Two browsers of one user: the second is served the page the first rendered, and its
        # forms must still post with the second browser's token.
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        first.force_login(global_admin)
        second.force_login(global_admin)
        url = reverse(url_name)
        first_page = first.get(url).content.decode()
        second_page = second.get(url).content.decode()
        assert "csrf-token-placeholder" not in second_page
        token = CSRF_INPUT.search(second_page).group(1)
        assert token != CSRF_INPUT.search(first_page).group(1)
        answer = second.post(
            reverse("membership:set_language"), {"language": "ru", "next": url, "csrfmiddlewaretoken": token}
        )
        assert answer.status_code == 302

    def test_a_warm_page_runs_only_the_session_query(self, org, global_admin):
        subscription = SubscriptionFactory(organization=org)
        client = Client()
        client.force_login(global_admin)
        for url in [
            *(reverse(name) for name in ("offers:offer_list", "support:request_list", "billing:history")),
            *(reverse(name) for name in ("dashboard:index", "dashboard:overview")),
            subscription.get_absolute_url(),
        ]:
            cold = client.get(url)
            with CaptureQueriesContext(connection) as warm:
                page = client.get(url)
            assert page.status_code == 200 and len(warm.captured_queries) == 1, (url, warm.captured_queries)
            assert without_csrf_tokens(page.content.decode()) == without_csrf_tokens(cold.content.decode())

    def test_another_organisations_page_is_never_served_from_ours(self, org, global_admin, other_org):
        ours, theirs = SubscriptionFactory(organization=org), SubscriptionFactory(organization=other_org)
        client = Client()
        client.force_login(global_admin)
        assert client.get(ours.get_absolute_url()).status_code == 200
        for _ in range(2):  # a refused page is not kept either
            assert client.get(theirs.get_absolute_url()).status_code == 404
        stranger = UserFactory(organization=other_org, roles=[Role.GLOBAL_ADMIN])
        client.force_login(stranger)
        assert client.get(ours.get_absolute_url()).status_code == 404
        assert client.get(theirs.get_absolute_url()).status_code == 200

    def test_a_page_with_a_flash_message_shows_it_once_and_is_not_kept(self, org, global_admin):
        subscription = SubscriptionFactory(organization=org)
        client = Client()
        client.force_login(global_admin)
        url = subscription.get_absolute_url()
        client.get(url)
        # Turning renewal off redirects to the page with a message (and changes the data).
        client.post(reverse("subscriptions:turn_off_auto_renewal", args=[subscription.pk]), {"confirm": "on"})
        with_message = client.get(url).content.decode()
        assert "Automatic renewal is turned off." in with_message
        again = client.get(url).content.decode()
        assert "Automatic renewal is turned off." not in again
        assert client.get(url).content.decode().count("Automatic renewal is turned off.") == 0

    def test_a_form_sent_back_with_errors_is_not_kept(self, org, global_admin):
        client = Client()
        client.force_login(global_admin)
        with mock.patch.object(cache, "set", wraps=cache.set) as writes:
            response = client.post(reverse("support:request_new"), {"title": ""})
        assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
        assert _reader_keys(writes) == []

    def test_anonymous_pages_are_not_kept(self, db):
        with mock.patch.object(cache, "set", wraps=cache.set) as writes:
            assert Client().get(reverse("login")).status_code == 200
        assert _reader_keys(writes) == []

    def test_a_signed_in_get_is_kept(self, org, global_admin):
        # The counterpart of the two above: the same observation sees what a GET stores.
        client = Client()
        client.force_login(global_admin)
        with mock.patch.object(cache, "set", wraps=cache.set) as writes:
            client.get(reverse("offers:offer_list"))
        assert len(_reader_keys(writes)) == 1  # the page

    def test_page_cache_seconds_zero_reads_and_keeps_nothing(self, org, global_admin, settings):
        settings.PAGE_CACHE_SECONDS = 0
        client = Client()
        client.force_login(global_admin)
        with mock.patch.object(cache, "get", wraps=cache.get) as reads:
            with mock.patch.object(cache, "set", wraps=cache.set) as writes:
                for _ in range(2):
                    assert client.get(reverse("offers:offer_list")).status_code == 200
                    assert client.get(reverse("support:request_new")).status_code == 200
        assert _reader_keys(writes) == []
        assert [call for call in reads.call_args_list if call.args[0].startswith("reader:")] == []


def _reader_keys(writes):
    return [call.args[0] for call in writes.call_args_list if call.args[0].startswith("reader:")]


def test_offer_saved_in_admin_is_a_catalogue_change(org):
    before = page_cache.data_versions(org.pk)[1]
    Offer.objects.filter(pk=action_pack().pk).first().save()
    assert page_cache.data_versions(org.pk)[1] != before


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_a_change_noted_before_a_row_lock_does_not_deadlock_with_a_commit_that_holds_that_lock():
    """The money paths' shape: one transaction changes an organisation's data, then waits for a
    subscription's row lock; another holds that lock and commits a change of the same organisation.
    Were the version row written when the change is noted, each would wait for the other (PostgreSQL
    aborts one as a deadlock); written at commit, the second commits and the first then goes on."""
    import threading

    from django.db import connections

    from offers.models import Subscription

    org = OrganizationFactory(name="Race")
    subscription = SubscriptionFactory(organization=org)
    before = page_cache.data_versions(org.pk)[0]
    first_noted, second_locked = threading.Event(), threading.Event()
    outcomes = {}

    def change_then_lock():
        try:
            with transaction.atomic():
                org.name = "Changed first"
                org.save()  # notes the organisation's version
                first_noted.set()
                second_locked.wait(10)
                Subscription.objects.select_for_update().get(pk=subscription.pk)
            outcomes["first"] = "committed"
        except Exception as error:  # a deadlock would surface here
            outcomes["first"] = repr(error)
        finally:
            connections.close_all()

    def lock_then_change():
        try:
            first_noted.wait(10)
            with transaction.atomic():
                locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
                second_locked.set()
                locked.auto_renew = False
                locked.save()  # notes the same organisation's version, written at this commit
            outcomes["second"] = "committed"
        except Exception as error:
            outcomes["second"] = repr(error)
        finally:
            second_locked.set()
            connections.close_all()

    threads = [threading.Thread(target=change_then_lock), threading.Thread(target=lock_then_change)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == {"first": "committed", "second": "committed"}
    assert page_cache.data_versions(org.pk)[0] not in (None, before)
