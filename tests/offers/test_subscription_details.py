"""Subscription details, Turn off automatic renewal (R7), Renew subscriptions (R8), roles (R2), R12, R13."""

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse

from membership.models import Role
from offers.models import Order, OrderKind, Subscription, SubscriptionStatus, TimelineKind
from offers.selectors import current_terms, subscription_timeline
from offers.services import (
    OutcomeStatus,
    order_accept_terms,
    order_charge,
    order_set_payment_method,
    order_start_renewal,
    subscription_turn_off_auto_renewal,
)
from tests.factories.billing import CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import StaffFactory
from tests.helpers.checkout import accept_terms, add_card, buy, choose_card, step
from tests.helpers.lifecycle import at, sweep

pytestmark = pytest.mark.django_db
ONE_WAY = "you won’t be able to turn it back on until you renew the subscription again"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Contoso")


@pytest.fixture
def sub(org, stripe_settings):
    # The timeline's Purchased entry names the order: "test purchase" is what the details test looks for.
    return SubscriptionFactory(
        organization=org, start="2026-11-25", payment_method=CardFactory(organization=org), order_number="test purchase"
    )


def _page(client, user, subscription):
    client.force_login(user)
    return client.get(reverse("subscriptions:detail", args=[subscription.pk]))


def _text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def _renew_url_exists():
    try:
        reverse("offers:renew_start", args=[1])
    except NoReverseMatch:
        return False
    return True


class TestDetails:
    def test_shows_status_term_auto_renewal_card_amount_next_reminder_and_timeline(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        with at("2027-01-10"):
            response = _page(client, admin, sub)
        assert response.status_code == 200
        html = _text(response)
        assert "Microsoft Action Pack subscription" in html
        assert "Active" in html
        assert "Nov. 25, 2026 to Nov. 25, 2027" in html
        assert 'data-testid="auto-renewal">On<' in html
        assert "Nov. 25, 2027, at the price and tax of that day (this term cost US$475.00)" in html
        assert "Visa ••4242" in html or "••4242" in html
        assert "Upcoming automatic renewal: Oct. 26, 2027" in html
        assert "Purchased" in html and "test purchase" in html  # the timeline: what
        assert "Actions" in html and "Turn off automatic renewal" in html and "Renew subscriptions" in html

    def test_another_organisations_subscription_is_404(self, client, sub):
        stranger = UserFactory(organization=OrganizationFactory(name="Fabrikam"), roles=[Role.GLOBAL_ADMIN])
        assert _page(client, stranger, sub).status_code == 404
        client.force_login(stranger)
        turn_off = reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk])
        assert client.get(turn_off).status_code == 404
        assert client.post(turn_off, {"confirm": "1"}).status_code == 404
        sub.refresh_from_db()
        assert sub.auto_renew

    def test_renew_is_disabled_with_the_reason_and_the_opening_date_outside_the_window(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        with at("2027-01-10"):
            html = _text(_page(client, admin, sub))
        assert re.search(r'<button type="button" disabled[^>]*data-testid="renew">Renew subscriptions', html)
        assert "Renewal opens 30 days before the subscription expires, on Oct. 26, 2027." in html

    @pytest.mark.skipif(
        not _renew_url_exists(), reason="offers:renew_start (the renewal wizard) is not in the tree yet"
    )
    def test_renew_posts_to_the_wizard_inside_the_window(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        with at("2027-11-01"):
            html = _text(_page(client, admin, sub))
        action = reverse("offers:renew_start", args=[sub.pk])
        assert re.search(r'<form method="post" action="%s"' % re.escape(action), html)
        assert not re.search(r'disabled[^>]*data-testid="renew"', html)

    def test_the_timeline_says_who_did_what_and_when(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")
        client.force_login(admin)
        client.post(reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk]), {"confirm": "1"})
        html = _text(client.get(sub.get_absolute_url()))
        entry = subscription_timeline(subscription=sub).get(verb=TimelineKind.AUTO_RENEW_OFF.verb)
        assert entry.actor == admin
        assert re.search(r"<td>[^<]*</td><td>Test User</td><td>Automatic renewal turned off", html)

    def test_staff_see_the_same_facts_in_the_admin(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")
        subscription_turn_off_auto_renewal(subscription=sub, actor=admin)
        client.force_login(StaffFactory(superuser=True))
        html = client.get(reverse("admin:offers_subscription_change", args=[sub.pk])).content.decode()
        assert "Automatic renewal turned off" in html and "bill@contoso.example" in html
        assert "Order test purchase: US$475.00, term from Nov. 25, 2026 to Nov. 25, 2027" in html

    def test_cancel_link_goes_to_a_support_request_when_support_provides_it(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
        html = _text(_page(client, admin, sub))
        try:
            url = reverse("support:new_cancellation")
        except NoReverseMatch:
            assert "Cancel subscription" not in html  # the page works before support lands
        else:
            assert 'href="%s?subscription=%d"' % (url, sub.pk) in html


class TestTurnOffAutomaticRenewal:
    def test_confirmation_states_the_one_way_rule_then_post_turns_it_off_for_good(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        client.force_login(admin)
        url = reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk])
        confirm = client.get(url)
        assert confirm.status_code == 200
        assert ONE_WAY in _text(confirm)
        sub.refresh_from_db()
        assert sub.auto_renew  # a GET changes nothing

        response = client.post(url, {"confirm": "1"})
        assert response.status_code == 302 and response["Location"] == sub.get_absolute_url()
        sub.refresh_from_db()
        assert not sub.auto_renew
        assert (
            subscription_timeline(subscription=sub).filter(verb=TimelineKind.AUTO_RENEW_OFF.verb, actor=admin).count()
            == 1
        )

        html = _text(client.get(sub.get_absolute_url()))
        assert 'data-testid="auto-renewal">Off<' in html
        assert "Turn off automatic renewal" not in html
        assert "turn on" not in html.lower() and "turn it on" not in html.lower()
        assert "It turns back on when you renew the subscription." in html
        # A second POST (double click, reload) changes nothing and adds no timeline entry.
        client.post(url, {"confirm": "1"})
        assert subscription_timeline(subscription=sub).filter(verb=TimelineKind.AUTO_RENEW_OFF.verb).count() == 1

    def test_post_without_confirmation_changes_nothing(self, client, org, sub):
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))
        response = client.post(reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk]), {})
        assert response.status_code == 200
        sub.refresh_from_db()
        assert sub.auto_renew

    def test_there_is_no_url_that_turns_it_back_on(self):
        from offers import subscription_urls, urls

        names = [p.name for p in subscription_urls.urlpatterns + urls.urlpatterns]
        assert not [n for n in names if n and "on" in n.split("_") and "auto" in n]
        assert not hasattr(__import__("offers.services", fromlist=["x"]), "subscription_turn_on_auto_renewal")


class TestARenewalTurnsItBackOn:
    """R7: turned off, it stays off until the next renewal, which turns it back on, in the data and on the page."""

    def _turn_off(self, client, admin, sub):
        client.force_login(admin)
        client.post(reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk]), {"confirm": "1"})
        assert not Subscription.objects.get(pk=sub.pk).auto_renew
        assert 'data-testid="auto-renewal">Off<' in _text(_page(client, admin, sub))

    def _assert_on(self, client, admin, sub):
        sub.refresh_from_db()
        assert sub.auto_renew and sub.status == SubscriptionStatus.ACTIVE
        html = _text(_page(client, admin, sub))
        assert 'data-testid="auto-renewal">On<' in html
        assert 'data-testid="turn-off">Turn off automatic renewal' in html

    def test_through_the_renewal_wizard(self, client, org, sub):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        with at("2027-11-01"):  # inside the window, before the end date
            self._turn_off(client, admin, sub)
            response = client.post(reverse("offers:renew_start", args=[sub.pk]))
            order = Order.objects.get(kind=OrderKind.RENEWAL, subscription=sub)
            assert response["Location"] == step("verify", order)
            accept_terms(client, order)
            choose_card(client, order, add_card(client, order))
            assert buy(client, order)["Location"] == step("done", order)
            self._assert_on(client, admin, sub)
        assert sub.current_period_end == datetime.date(2028, 11, 25)

    @pytest.mark.parametrize("renewed_on, expired_first", [("2027-11-01", False), ("2027-12-01", True)])
    def test_through_the_services(self, client, org, sub, renewed_on, expired_first):
        admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
        subscription_turn_off_auto_renewal(subscription=sub, actor=admin)
        if expired_first:
            with at("2027-11-25"):
                sweep()  # with automatic renewal off, the end date expires it
            sub.refresh_from_db()
            assert (sub.status, sub.auto_renew) == (SubscriptionStatus.EXPIRED, False)
        with at(renewed_on):
            order = order_start_renewal(organization=org, subscription=sub, user=admin)
            order_accept_terms(order=order, terms=current_terms(offer=sub.offer), user=admin, ip_address="127.0.0.1")
            order_set_payment_method(order=order, payment_method=sub.payment_method, user=admin)
            outcome = order_charge(order_id=order.pk, actor=admin)
            assert outcome.status == OutcomeStatus.PAID, outcome.message
            self._assert_on(client, admin, sub)


@pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN])
class TestRoles:
    def test_non_billing_roles_see_disabled_actions_with_the_reason(self, client, org, sub, role):
        user = UserFactory(organization=org, roles=[role])
        with at("2027-11-01"):  # inside the window: only the role disables Renew
            html = _text(_page(client, user, sub))
        assert re.search(r'<button type="button" disabled[^>]*data-testid="turn-off">Turn off automatic renewal', html)
        assert re.search(r'<button type="button" disabled[^>]*data-testid="renew">Renew subscriptions', html)
        assert "Only a user with one of these roles can do this: Global admin, Billing admin." in html

    def test_the_server_refuses_turn_off_with_403(self, client, org, sub, role):
        client.force_login(UserFactory(organization=org, roles=[role]))
        url = reverse("subscriptions:turn_off_auto_renewal", args=[sub.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"confirm": "1"}).status_code == 403
        assert Subscription.objects.get(pk=sub.pk).auto_renew

    @pytest.mark.skipif(
        not _renew_url_exists(), reason="offers:renew_start (the renewal wizard) is not in the tree yet"
    )
    def test_the_server_refuses_renew_with_403(self, client, org, sub, role):
        from offers.models import Order

        user = UserFactory(organization=org, roles=[role])
        with at("2027-11-01"):
            client.force_login(user)
            response = client.post(reverse("offers:renew_start", args=[sub.pk]))
        assert response.status_code == 403
        assert not Order.objects.filter(subscription=sub).exists()


def test_expired_subscription_inside_the_window_can_be_renewed_and_shows_no_turn_off(client, org, stripe_settings):
    sub = SubscriptionFactory(
        organization=org, start="2026-11-25", payment_method=CardFactory(organization=org), auto_renew=False
    )
    Subscription.objects.filter(pk=sub.pk).update(status="expired")
    admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    with at(datetime.date(2027, 12, 1)):
        html = _text(_page(client, admin, sub))
    assert "Expired" in html and "Turn off automatic renewal" not in html
    if _renew_url_exists():
        assert not re.search(r'disabled[^>]*data-testid="renew"', html)


def test_details_page_queries_do_not_grow_with_the_timeline(client, org, sub):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from offers.services import timeline_add

    admin = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
    client.force_login(admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(sub.get_absolute_url()).status_code == 200
        return len(queries.captured_queries)

    timeline_add(subscription=sub, kind=TimelineKind.NOTE, actor=admin, detail="one")
    few = count()
    for i in range(20):
        timeline_add(
            subscription=sub,
            kind=TimelineKind.NOTE,
            actor=UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]),
            detail=str(i),
        )
    assert count() == few
