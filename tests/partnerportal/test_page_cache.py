"""The page cache's parts: data versions, who owns a row, the {% cached_part %} tag, the user snapshot.

tests/partnerportal/test_nothing_stale.py walks the pages as users do; these pin the mechanisms
underneath, each with a case that fails if its rule is taken out.
"""

import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.backends import PortalBackend
from membership.models import Role, UserRole
from offers.models import Offer, TimelineEntry
from partnerportal import page_cache
from support.models import Attachment, RequestMessage
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory, action_pack
from tests.factories.support import ServiceRequestFactory
from tests.helpers.pages import without_csrf_tokens

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class TestOwner:
    def test_an_organisation_owns_itself_and_rows_with_its_key(self, org, global_admin):
        assert page_cache.owner_organization_id(org) == org.pk
        assert page_cache.owner_organization_id(global_admin) == org.pk

    def test_the_owner_is_found_through_foreign_keys(self, org, global_admin):
        subscription = SubscriptionFactory(organization=org)
        entry = TimelineEntry.objects.filter(subscription=subscription).first() or TimelineEntry(
            subscription=subscription
        )
        assert page_cache.owner_organization_id(entry) == org.pk
        role = UserRole.objects.get(user=global_admin, role=Role.GLOBAL_ADMIN)
        assert page_cache.owner_organization_id(role) == org.pk
        message = RequestMessage.objects.create(
            request=ServiceRequestFactory(user=global_admin), author=global_admin, body="x"
        )
        # attachment -> message -> request -> organisation: three steps
        assert page_cache.owner_organization_id(Attachment(message=message)) == org.pk

    def test_the_catalogue_belongs_to_no_organisation(self, db):
        assert page_cache.owner_organization_id(action_pack()) is None


class TestVersions:
    def test_a_save_replaces_its_organisations_version_only(self, org):
        other = OrganizationFactory(name="Fabrikam")
        before, catalogue = page_cache.data_versions(org.pk)
        theirs = page_cache.organization_version(other.pk)
        org.name = "Contoso AG"
        org.save()
        after, catalogue_after = page_cache.data_versions(org.pk)
        assert after != before
        assert catalogue_after == catalogue and page_cache.organization_version(other.pk) == theirs

    def test_a_catalogue_save_replaces_the_catalogue_version(self, org):
        organization_before, catalogue_before = page_cache.data_versions(org.pk)
        offer = action_pack()
        offer.price_amount += 100
        offer.save()
        organization_after, catalogue_after = page_cache.data_versions(org.pk)
        assert catalogue_after != catalogue_before and organization_after == organization_before

    def test_a_delete_replaces_the_version(self, org, global_admin):
        before = page_cache.organization_version(org.pk)
        UserRole.objects.filter(user=global_admin).delete()
        assert page_cache.organization_version(org.pk) != before

    def test_the_version_is_replaced_again_when_the_transaction_commits(self, org, django_capture_on_commit_callbacks):
        # A reader between the save and the commit may store the old rows under the new token; the
        # token replaced at commit is one that reader never saw.
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            org.name = "Contoso AG"
            org.save()
        during = page_cache.organization_version(org.pk)
        for callback in callbacks:
            callback()
        assert page_cache.organization_version(org.pk) != during

    def test_an_evicted_version_comes_back_as_a_new_token(self, org):
        before = page_cache.organization_version(org.pk)
        cache.delete(page_cache.organization_key(org.pk))
        assert page_cache.organization_version(org.pk) not in (None, before)

    def test_a_request_reads_each_version_once_and_sees_its_own_changes(self, org):
        page_cache._start_request()  # what request_started does
        try:
            first = page_cache.organization_version(org.pk)
            with mock.patch.object(cache, "get", wraps=cache.get) as reads:
                assert page_cache.data_versions(org.pk)[0] == first
                assert page_cache.organization_version(org.pk) == first
            assert [call.args[0] for call in reads.call_args_list] == [page_cache.CATALOGUE_KEY]
            org.name = "Contoso AG"
            org.save()
            assert page_cache.organization_version(org.pk) != first
        finally:
            page_cache._end_request()
        # Outside a request every read goes to the cache.
        with mock.patch.object(cache, "get", wraps=cache.get) as reads:
            page_cache.organization_version(org.pk)
            page_cache.organization_version(org.pk)
        assert reads.call_count == 2

    def test_models_outside_the_portals_apps_change_nothing(self, org, global_admin):
        before = page_cache.data_versions(org.pk)
        Client().force_login(global_admin)  # writes a session row (django.contrib.sessions)
        global_admin.refresh_from_db()
        assert page_cache.data_versions(org.pk)[1] == before[1]


class TestUserSnapshot:
    def test_a_warm_user_costs_no_query_and_a_role_change_is_seen_at_once(self, org):
        user = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        backend = PortalBackend()
        assert backend.get_user(user.pk).role_set() == {Role.BILLING_ADMIN}
        with CaptureQueriesContext(connection) as warm:
            cached = backend.get_user(user.pk)
        assert len(warm.captured_queries) == 0
        assert cached.organization.name == org.name and cached.role_set() == {Role.BILLING_ADMIN}
        UserRole.objects.create(user=user, role=Role.GLOBAL_ADMIN)
        assert backend.get_user(user.pk).role_set() == {Role.BILLING_ADMIN, Role.GLOBAL_ADMIN}

    def test_a_deactivated_user_is_not_taken_from_the_snapshot(self, org):
        user = UserFactory(organization=org)
        backend = PortalBackend()
        assert backend.get_user(user.pk) is not None
        assert user.pk in PortalBackend.snapshots
        user.is_active = False
        user.save()
        assert backend.get_user(user.pk) is None

    def test_staff_without_an_organisation_are_loaded_every_time(self, db):
        staff = UserFactory(organization=None, is_staff=True)
        assert PortalBackend().get_user(staff.pk) == staff
        assert staff.pk not in PortalBackend.snapshots

    def test_each_request_gets_its_own_copy(self, org):
        user = UserFactory(organization=org, language="en")
        backend = PortalBackend()
        first = backend.get_user(user.pk)
        first.language = "ru"  # a view changing request.user without saving
        first.organization.name = "Changed in memory"
        second = backend.get_user(user.pk)
        assert second is not first and second.language == "en" and second.organization.name == org.name

    def test_a_user_moved_to_another_organisation_is_seen_in_the_new_one(self, org, other_org):
        user = UserFactory(organization=org)
        backend = PortalBackend()
        assert backend.get_user(user.pk).organization_id == org.pk
        user.organization = other_org  # staff do this in Django admin
        user.save()
        assert backend.get_user(user.pk).organization_id == other_org.pk

    def test_an_unknown_or_malformed_id_is_nobody(self, db):
        assert PortalBackend().get_user(987654) is None
        assert PortalBackend().get_user("not-a-number") is None


class TestCachedPart:
    # A whole cached page (Offers) and a page whose header and menu alone are cached (New request).
    @pytest.mark.parametrize("url_name", ["offers:offer_list", "support:request_new"])
    def test_a_cached_page_carries_each_sessions_own_csrf_token(self, org, global_admin, url_name):
        # Two browsers of one user: the second is served the part the first rendered, and its
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

    def test_a_warm_page_runs_no_query(self, org, global_admin):
        subscription = SubscriptionFactory(organization=org)
        client = Client()
        client.force_login(global_admin)
        for url in [
            *(reverse(name) for name in ("offers:offer_list", "support:request_list", "history:home")),
            *(reverse(name) for name in ("dashboard:index", "dashboard:overview")),
            subscription.get_absolute_url(),
        ]:
            cold = client.get(url)
            with CaptureQueriesContext(connection) as warm:
                page = client.get(url)
            assert page.status_code == 200 and len(warm.captured_queries) == 0, (url, warm.captured_queries)
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
            client.get(reverse("support:request_new"))
        assert len(_reader_keys(writes)) == 1  # the header and menu


def _reader_keys(writes):
    return [call.args[0] for call in writes.call_args_list if call.args[0].startswith("reader:")]


def test_offer_saved_in_admin_is_a_catalogue_change(org):
    before = page_cache.data_versions(org.pk)[1]
    Offer.objects.filter(pk=action_pack().pk).first().save()
    assert page_cache.data_versions(org.pk)[1] != before
