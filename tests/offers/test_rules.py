"""The rule functions of offers.rules, called directly, and each through one screen that asks them.

Expected values come from product.md (R1, R3, R6, R8, R10), not from the code.
"""

import datetime

import pytest
from django.urls import reverse

from membership.models import Role
from offers.models import SubscriptionStatus
from offers.rules import (
    RenewalVerdict,
    auto_renewal_term,
    order_price,
    purchase_refusal,
    purchase_term,
    renewal_decision,
    renewal_term,
)
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory, action_pack

D = datetime.date


class TestTerms:
    """R6: 12 months from the purchase date; a term bought on 29 February renews on 28 February."""

    @pytest.mark.parametrize(
        "today, end",
        [
            (D(2026, 11, 30), D(2027, 11, 30)),
            (D(2028, 2, 29), D(2029, 2, 28)),
            (D(2027, 1, 31), D(2028, 1, 31)),
        ],
    )
    def test_purchase_term(self, today, end):
        assert purchase_term(today=today, months=12) == (today, end)

    def test_one_month_after_31_january_is_the_last_day_of_february(self):
        assert purchase_term(today=D(2027, 1, 31), months=1) == (D(2027, 1, 31), D(2027, 2, 28))
        assert purchase_term(today=D(2028, 1, 31), months=1) == (D(2028, 1, 31), D(2028, 2, 29))

    def test_renewal_before_expiry_starts_at_the_old_end_date_after_it_on_the_renewal_day(self):
        end = D(2027, 11, 30)
        assert renewal_term(period_end=end, today=D(2027, 11, 1), months=12) == (end, D(2028, 11, 30))
        assert renewal_term(period_end=end, today=end, months=12) == (end, D(2028, 11, 30))
        assert renewal_term(period_end=end, today=D(2027, 12, 10), months=12) == (D(2027, 12, 10), D(2028, 12, 10))

    def test_an_automatic_renewal_retried_days_later_still_starts_at_the_old_end_date(self):
        assert auto_renewal_term(period_end=D(2028, 2, 29), months=12) == (D(2028, 2, 29), D(2029, 2, 28))


@pytest.mark.django_db
class TestRenewalWindow:
    """R8: renewal by hand from 30 days before expiry until 30 days after it (the defaults)."""

    @pytest.fixture
    def subscription(self):
        org = OrganizationFactory(name="Window")
        return SubscriptionFactory(organization=org, end=D(2027, 11, 30))

    @pytest.mark.parametrize(
        "days_from_end, verdict",
        [
            (-31, RenewalVerdict.TOO_EARLY),
            (-30, RenewalVerdict.ALLOWED),
            (0, RenewalVerdict.ALLOWED),
            (30, RenewalVerdict.ALLOWED),
            (31, RenewalVerdict.TOO_LATE),
        ],
    )
    def test_edges(self, subscription, days_from_end, verdict):
        today = subscription.current_period_end + datetime.timedelta(days=days_from_end)
        decision = renewal_decision(subscription, today)
        assert decision.verdict is verdict
        assert decision.allowed is (verdict is RenewalVerdict.ALLOWED)
        assert (decision.opens, decision.closes) == (D(2027, 10, 31), D(2027, 12, 30))

    def test_the_window_is_a_setting(self, subscription, settings):
        settings.RENEWAL_WINDOW_DAYS_BEFORE = 10
        assert renewal_decision(subscription, D(2027, 11, 19)).verdict is RenewalVerdict.TOO_EARLY
        assert renewal_decision(subscription, D(2027, 11, 20)).verdict is RenewalVerdict.ALLOWED

    def test_a_cancelled_subscription_is_never_renewed(self, subscription):
        subscription.status = SubscriptionStatus.CANCELLED
        assert renewal_decision(subscription, D(2027, 11, 30)).verdict is RenewalVerdict.CANCELLED

    @pytest.mark.parametrize("days_from_end, enabled", [(-31, False), (-30, True), (30, True), (31, False)])
    def test_the_details_page_enables_renewal_exactly_inside_the_window(
        self, subscription, client, time_machine, days_from_end, enabled
    ):
        user = UserFactory(organization=subscription.organization, roles=[Role.GLOBAL_ADMIN])
        day = subscription.current_period_end + datetime.timedelta(days=days_from_end)
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(12)), tick=False)
        client.force_login(user)  # after the move: a session from "today" would have expired by then
        response = client.get(reverse("subscriptions:detail", args=[subscription.pk]))
        assert response.status_code == 200
        html = response.content.decode()
        renew_url = reverse("offers:renew_start", args=[subscription.pk])
        assert (renew_url in html) is enabled


@pytest.mark.django_db
class TestPurchaseEligibility:
    """R1 network members only; R3 one live subscription per organisation."""

    def test_members_may_buy(self):
        org = OrganizationFactory(name="Member")
        assert purchase_refusal(organization=org, offer=action_pack()) == ""

    def test_a_non_member_may_not(self):
        org = OrganizationFactory(name="Outsider", enrolled=False)
        assert "network members" in purchase_refusal(organization=org, offer=action_pack())

    def test_a_second_live_subscription_is_refused(self):
        org = OrganizationFactory(name="Holder")
        SubscriptionFactory(organization=org)
        assert "already has this subscription" in purchase_refusal(organization=org, offer=action_pack())

    def test_an_inactive_offer_is_refused(self):
        org = OrganizationFactory(name="Late")
        offer = action_pack()
        offer.is_active = False
        assert "no longer available" in purchase_refusal(organization=org, offer=offer)

    def test_subscribe_now_says_why_on_the_offers_page(self, client):
        org = OrganizationFactory(name="Outsider", enrolled=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        offer = action_pack()
        response = client.post(reverse("offers:subscribe", args=[offer.pk]), follow=True)
        assert "Only network members can buy this offer." in response.content.decode()


@pytest.mark.django_db
def test_an_order_costs_the_catalogue_price_in_minor_units():
    offer = action_pack()
    # R19 made the price a net, a tax and a total; with no buyer known it is the catalogue price, untaxed.
    price = order_price(offer=offer)
    assert (price.gross, price.currency, price.net, price.tax) == (47500, "USD", 47500, 0)
