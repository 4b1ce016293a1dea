"""Partnership > Offers and the Action Pack purchase wizard against localstripe (R1–R5, R12)."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing.gateways import get_gateway
from billing.models import Payment, PaymentMethod, PaymentStatus
from membership.dates import add_months
from membership.models import Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import (
    Order,
    OrderKind,
    OrderStatus,
    Subscription,
    SubscriptionStatus,
    TermsAcceptance,
    TimelineKind,
)
from offers.selectors import subscription_timeline
from tests.factories.billing import DECLINED_CARD, OK_CARD, THREE_DS_CARD
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.checkout import (
    accept_terms,
    add_card,
    authenticate_in_browser,
    buy,
    choose_card,
    messages_of,
    payment_intent_count,
    start_order,
    step,
    to_review,
)
from tests.helpers.pages import without_csrf_tokens


@pytest.fixture
def offer(db):
    return load_demo_catalogue()


@pytest.fixture
def buyer(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")


@pytest.fixture
def buyer_client(client, buyer, stripe_settings):
    client.force_login(buyer)
    return client


# --- Partnership > Offers -----------------------------------------------------------------------


class TestOffersPage:
    def test_lists_the_offer_with_price_benefits_and_subscribe_now(self, client, buyer, offer):
        client.force_login(buyer)
        body = client.get(reverse("offers:offer_list")).content.decode()
        assert "Available offers" in body and "Purchased offers" in body
        assert "Microsoft Action Pack subscription" in body
        assert "US$475.00" in body
        assert "Office 365 (E3) seats" in body and "Up to 10 Office 365 (E3) seats" in body
        assert reverse("offers:subscribe", args=[offer.pk]) in body
        assert "Subscribe now" in body

    def test_in_russian(self, client, org, offer):
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language="ru"))
        body = client.get(reverse("offers:offer_list")).content.decode()
        assert "Доступные предложения" in body and "Купленные предложения" in body
        assert "Подписаться сейчас" in body
        assert "Подписка на Microsoft Action Pack" in body

    def test_without_the_buy_role_the_button_is_disabled_with_the_reason(self, client, org, offer):
        client.force_login(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]))
        body = client.get(reverse("offers:offer_list")).content.decode()
        assert 'class="subscribe" disabled' in body
        assert "Only a user with one of these roles can do this: Global admin, Billing admin." in body
        assert reverse("offers:subscribe", args=[offer.pk]) not in body

    def test_an_organisation_not_enrolled_sees_why_it_cannot_buy(self, client, offer):
        org = OrganizationFactory(enrolled=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        body = client.get(reverse("offers:offer_list")).content.decode()
        assert 'class="subscribe" disabled' in body
        assert "Only network members can buy this offer." in body

    def test_a_live_subscription_leads_to_renewal_not_to_a_second_purchase(self, client, buyer, offer):
        today = timezone.localdate()
        subscription = SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=today + datetime.timedelta(days=10)
        )
        client.force_login(buyer)
        body = client.get(reverse("offers:offer_list")).content.decode()
        assert reverse("offers:subscribe", args=[offer.pk]) not in body
        assert reverse("offers:renew_start", args=[subscription.pk]) in body
        assert "Renew subscriptions" in body

    def test_purchased_offers_link_to_the_subscription_details(self, client, buyer, offer):
        subscription = SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=timezone.localdate() + datetime.timedelta(days=90)
        )
        client.force_login(buyer)
        body = client.get(reverse("offers:offer_list")).content.decode()
        purchased = body.split('id="purchased-offers"')[1]
        assert 'href="%s"' % reverse("subscriptions:detail", args=[subscription.pk]) in purchased
        assert "Active" in purchased and "On" in purchased

    @pytest.mark.parametrize("orders", [1, 200])
    def test_constant_number_of_queries(self, client, buyer, offer, orders, django_assert_num_queries):
        org = buyer.organization
        SubscriptionFactory(organization=org, offer=offer, end=timezone.localdate() + datetime.timedelta(days=100))
        Order.objects.bulk_create(
            [
                Order(
                    number="N%05d" % i,
                    organization=org,
                    offer=offer,
                    amount=47500,
                    currency="USD",
                    status=OrderStatus.FAILED,
                )
                for i in range(orders)
            ]
        )
        for _ in range(min(orders, 50)):  # expired subscriptions also listed under Purchased offers
            SubscriptionFactory(
                organization=org,
                offer=offer,
                status=SubscriptionStatus.EXPIRED,
                start=datetime.date(2020, 1, 1),
                end=datetime.date(2021, 1, 1),
            )
        client.force_login(buyer)
        # Cold: the session with its user, organisation, roles and data versions (one query), catalogue
        # (offers and benefits), subscriptions.
        with django_assert_num_queries(3):
            response = client.get(reverse("offers:offer_list"))
        assert response.status_code == 200
        # Warm: the session and user from the database (access is never cached), the page from the cache.
        with django_assert_num_queries(1):
            warm = client.get(reverse("offers:offer_list")).content.decode()
        assert without_csrf_tokens(warm) == without_csrf_tokens(response.content.decode())


# --- the wizard -----------------------------------------------------------------------------------


class TestPurchase:
    def test_the_whole_purchase(self, buyer_client, buyer, offer, django_capture_on_commit_callbacks):
        client = buyer_client
        order = start_order(client, offer)
        terms_page = client.get(step("terms", order)).content.decode()
        assert "Terms and Conditions for internal use rights" in terms_page and "Version 1" in terms_page
        accept_terms(client, order)
        acceptance = TermsAcceptance.objects.get()
        assert (acceptance.user, acceptance.terms.version, acceptance.ip_address) == (buyer, 1, "203.0.113.7")
        assert acceptance.accepted_at is not None
        order.refresh_from_db()
        assert order.terms_acceptance == acceptance

        payment_page = client.get(step("payment", order)).content.decode()
        assert "Get started! Add a way to pay" in payment_page
        add_page = client.get(step("payment", order) + "?add=1").content.decode()
        assert "/js.stripe.com/v3/" in add_page and "pk_test_localstripe" in add_page
        buyer.organization.refresh_from_db()
        assert buyer.organization.stripe_customer_id.startswith("cus_")
        method = add_card(client, order)
        assert (method.brand, method.last4, method.exp_month, method.exp_year, method.is_default) == (
            "visa",
            "4242",
            12,
            2030,
            True,
        )
        # The saved card is offered as a choice and pre-selected; Next leads to the review.
        payment_page = client.get(step("payment", order)).content.decode()
        assert "Visa ••4242" in payment_page
        choose_card(client, order, method)

        review = client.get(step("review", order)).content.decode()
        today = timezone.localdate()
        assert "US$475.00" in review and "••4242" in review
        assert "Microsoft Action Pack subscription" in review
        from django.utils.formats import date_format

        assert date_format(add_months(today, 12), "DATE_FORMAT") in review
        assert "Buy" in review

        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = buy(client, order)
        assert len(callbacks) == 1  # the e-mail waits for the commit
        assert response.status_code == 302 and response["Location"] == step("done", order)
        done = client.get(response["Location"]).content.decode()
        assert "Your order is confirmed." in done and order.number in done
        assert reverse("offers:offer_list") in done and "Close" in done

        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and order.paid_at
        payment = order.payments.get()
        assert payment.status == PaymentStatus.SUCCEEDED and payment.stripe_payment_intent_id.startswith("pi_")
        assert payment.idempotency_key == "order-%s-attempt-1" % order.number
        subscription = Subscription.objects.get()
        assert subscription.status == SubscriptionStatus.ACTIVE and subscription.auto_renew
        assert (subscription.current_period_start, subscription.current_period_end) == (today, add_months(today, 12))
        assert subscription.payment_method == method
        assert order.subscription == subscription
        assert (
            subscription_timeline(subscription=subscription)
            .filter(verb=TimelineKind.PURCHASED.verb, actor=buyer)
            .count()
            == 1
        )
        assert payment_intent_count() == 1
        # The confirmation e-mail, HTML and text, enqueued on commit.
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == [buyer.email] and order.number in email.subject
        assert "Your order is confirmed." in email.body
        assert email.alternatives and "text/html" == email.alternatives[0][1]

        offers = client.get(reverse("offers:offer_list")).content.decode()
        purchased = offers.split('id="purchased-offers"')[1]
        assert "Microsoft Action Pack subscription" in purchased and "Active" in purchased

    def test_confirmation_email_in_the_buyers_language(
        self, client, org, offer, stripe_settings, django_capture_on_commit_callbacks
    ):
        client.force_login(UserFactory(organization=org, roles=[Role.BILLING_ADMIN], language="ru"))
        order = to_review(client, offer)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert buy(client, order).status_code == 302
        assert len(mail.outbox) == 1
        assert "Ваш заказ подтвержден." in mail.outbox[0].body
        assert "Ваш заказ подтвержден." in mail.outbox[0].alternatives[0][0]

    def test_steps_redirect_back_when_a_precondition_fails(self, buyer_client, offer):
        client = buyer_client
        order = start_order(client, offer)
        # No terms accepted: payment and review send back to the terms.
        assert client.get(step("payment", order))["Location"] == step("terms", order)
        assert client.get(step("review", order))["Location"] == step("terms", order)
        assert buy(client, order)["Location"] == step("terms", order)
        accept_terms(client, order)
        # No card: review and Buy send back to payment.
        assert client.get(step("review", order))["Location"] == step("payment", order)
        assert buy(client, order)["Location"] == step("payment", order)
        assert client.get(step("done", order))["Location"] == step("review", order)
        assert Payment.objects.count() == 0

    def test_wizard_state_lives_on_the_order_not_in_the_form(self, buyer_client, offer):
        order = to_review(buyer_client, offer)
        # Posting a price or another amount changes nothing: Buy takes no fields.
        buyer_client.post(step("buy", order), {"amount": 1, "currency": "EUR", "offer": 999})
        payment = Payment.objects.get()
        assert (payment.amount, payment.currency) == (47500, "USD")

    def test_subscribe_now_twice_reuses_the_draft(self, buyer_client, offer):
        first = start_order(buyer_client, offer)
        second = start_order(buyer_client, offer)
        assert first == second and Order.objects.count() == 1


class TestFailures:
    def test_declined_card_then_retry_with_another_card(self, buyer_client, offer):
        client = buyer_client
        order = to_review(client, offer, DECLINED_CARD)
        response = buy(client, order)
        assert response.status_code == 302 and response["Location"] == step("payment", order)
        page = client.get(response["Location"])
        assert "Your card was declined; you were not charged." in " ".join(messages_of(page))
        order.refresh_from_db()
        assert order.status == OrderStatus.FAILED
        assert not Subscription.objects.exists()
        assert Payment.objects.get().status == PaymentStatus.FAILED

        method = add_card(client, order, OK_CARD)
        choose_card(client, order, method)
        response = buy(client, order)
        assert response["Location"] == step("done", order)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID
        assert list(order.payments.order_by("attempt").values_list("attempt", "status")) == [
            (1, "failed"),
            (2, "succeeded"),
        ]
        assert Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).count() == 1

    def test_failed_3d_secure_authentication_then_retry(self, buyer_client, offer, localstripe):
        client = buyer_client
        order = to_review(client, offer, THREE_DS_CARD)
        response = buy(client, order)
        assert response.status_code == 200
        client_secret = response.context["client_secret"]
        assert client_secret and 'id="confirm-payment-form"' in response.content.decode()
        order.refresh_from_db()
        assert order.status == OrderStatus.REQUIRES_ACTION
        # Buy again (reload) while authentication is pending: no new PaymentIntent.
        again = buy(client, order)
        assert again.status_code == 200 and again.context["client_secret"] == client_secret
        assert payment_intent_count() == 1

        authenticate_in_browser(localstripe, client_secret, success=False)
        response = client.post(step("confirm", order))
        assert response["Location"] == step("payment", order)
        page = client.get(response["Location"])
        assert "authentication failed; you were not charged" in " ".join(messages_of(page))
        order.refresh_from_db()
        assert order.status == OrderStatus.FAILED and not Subscription.objects.exists()

        method = add_card(client, order, OK_CARD)
        choose_card(client, order, method)
        assert buy(client, order)["Location"] == step("done", order)
        assert Subscription.objects.filter(status=SubscriptionStatus.ACTIVE).count() == 1

    def test_successful_3d_secure_authentication(self, buyer_client, offer, localstripe):
        order = to_review(buyer_client, offer, THREE_DS_CARD)
        client_secret = buy(buyer_client, order).context["client_secret"]
        assert not Subscription.objects.exists()
        authenticate_in_browser(localstripe, client_secret, success=True)
        response = buyer_client.post(step("confirm", order))
        assert response["Location"] == step("done", order)
        order.refresh_from_db()
        assert order.status == OrderStatus.PAID and Subscription.objects.count() == 1
        assert payment_intent_count() == 1

    def test_payment_service_unavailable_then_retry(self, buyer_client, offer, settings, stripe_settings):
        order = to_review(buyer_client, offer)
        working = settings.STRIPE_API_BASE
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
        response = buy(buyer_client, order)
        assert response["Location"] == step("review", order)
        page = buyer_client.get(response["Location"])
        assert "The payment service is unavailable; you were not charged." in " ".join(messages_of(page))
        order.refresh_from_db()
        assert order.status == OrderStatus.DRAFT and not Subscription.objects.exists()
        assert Payment.objects.get().failure_code == "gateway_unavailable"

        settings.STRIPE_API_BASE = working
        assert payment_intent_count() == 0
        assert buy(buyer_client, order)["Location"] == step("done", order)
        assert Subscription.objects.count() == 1 and payment_intent_count() == 1

    def test_localstripe_stopped(self, buyer_client, offer, localstripe_process):
        order = to_review(buyer_client, offer)
        localstripe_process.stop()
        try:
            response = buy(buyer_client, order)
            page = buyer_client.get(response["Location"])
            assert "you were not charged" in " ".join(messages_of(page))
            order.refresh_from_db()
            assert order.status == OrderStatus.DRAFT and not Subscription.objects.exists()
        finally:
            localstripe_process.start()

    def test_double_click_and_reload_charge_once(self, buyer_client, offer):
        order = to_review(buyer_client, offer)
        first, second = buy(buyer_client, order), buy(buyer_client, order)
        assert first["Location"] == second["Location"] == step("done", order)
        buyer_client.get(step("done", order))
        buy(buyer_client, order)  # the browser re-posts the form after a reload
        assert Payment.objects.count() == 1 and Subscription.objects.count() == 1
        assert payment_intent_count() == 1

    def test_two_tabs_share_one_order_and_one_charge(self, client, buyer, offer, stripe_settings):
        from django.test import Client

        tab1, tab2 = Client(), Client()
        tab1.force_login(buyer)
        tab2.force_login(buyer)
        order = to_review(tab1, offer)
        assert start_order(tab2, offer) == order  # Subscribe now in the second tab: the same order
        assert buy(tab1, order)["Location"] == step("done", order)
        assert buy(tab2, order)["Location"] == step("done", order)
        assert Payment.objects.count() == 1 and Subscription.objects.count() == 1 and payment_intent_count() == 1

    def test_no_second_purchase_while_a_subscription_is_live(self, buyer_client, buyer, offer):
        SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=timezone.localdate() + datetime.timedelta(days=200)
        )
        response = buyer_client.post(reverse("offers:subscribe", args=[offer.pk]))
        assert response["Location"] == reverse("offers:offer_list")
        assert not Order.objects.exists()

    def test_a_draft_cannot_be_charged_once_a_subscription_went_live(self, buyer_client, buyer, offer):
        order = to_review(buyer_client, offer)
        SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=timezone.localdate() + datetime.timedelta(days=200)
        )
        response = buy(buyer_client, order)
        assert response["Location"] == step("review", order)
        assert not Payment.objects.exists() and payment_intent_count() == 0

    def test_an_organisation_not_enrolled_is_refused(self, client, offer, stripe_settings):
        org = OrganizationFactory(enrolled=False)
        client.force_login(UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN]))
        response = client.post(reverse("offers:subscribe", args=[offer.pk]), follow=True)
        assert "Only network members can buy this offer." in " ".join(messages_of(response))
        assert not Order.objects.exists()

    def test_without_billing_role_every_purchase_post_is_403(self, client, org, buyer, offer, stripe_settings):
        client.force_login(buyer)
        order = to_review(client, offer)
        for role in (Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN):
            client.force_login(UserFactory(organization=org, roles=[role]))
            assert client.post(reverse("offers:subscribe", args=[offer.pk])).status_code == 403
            for name in ("terms", "payment", "add_card", "buy", "confirm"):
                assert client.post(step(name, order), {"payment_method_id": "pm_x"}).status_code == 403, name
            for name in ("verify", "terms", "payment", "review", "done"):
                assert client.get(step(name, order)).status_code == 403, name
        assert Payment.objects.count() == 0 and payment_intent_count() == 0

    def test_another_organisations_order_answers_404(self, client, buyer, offer, stripe_settings):
        client.force_login(buyer)
        order = to_review(client, offer)
        client.force_login(UserFactory(organization=OrganizationFactory(name="Fabrikam"), roles=[Role.GLOBAL_ADMIN]))
        for name in ("verify", "terms", "payment", "review", "done"):
            assert client.get(step(name, order)).status_code == 404, name
        for name in ("terms", "payment", "add_card", "buy", "confirm"):
            assert client.post(step(name, order)).status_code == 404, name
        assert not Payment.objects.exists()

    def test_another_organisations_card_is_refused(self, client, buyer, offer, stripe_settings):
        other_admin = UserFactory(organization=OrganizationFactory(name="Fabrikam"), roles=[Role.GLOBAL_ADMIN])
        client.force_login(other_admin)
        other_order = to_review(client, offer)
        other_order.refresh_from_db()
        their_card = other_order.payment_method
        client.force_login(buyer)
        order = start_order(client, offer)
        accept_terms(client, order)
        # Their saved card's row id is not a choice of ours.
        client.post(step("payment", order), {"payment_method": their_card.pk})
        order.refresh_from_db()
        assert order.payment_method is None
        # Their Stripe card id, attached to their customer, is refused.
        client.get(step("payment", order) + "?add=1")
        response = client.post(step("add_card", order), {"payment_method_id": their_card.stripe_payment_method_id})
        assert "This card cannot be used." in " ".join(messages_of(client.get(response["Location"])))
        assert not PaymentMethod.objects.filter(organization=buyer.organization).exists()
        order.refresh_from_db()
        assert order.payment_method is None

    def test_another_offer_or_an_inactive_one_answers_404(self, buyer_client, offer):
        offer.is_active = False
        offer.save()
        assert buyer_client.post(reverse("offers:subscribe", args=[offer.pk])).status_code == 404
        assert buyer_client.post(reverse("offers:subscribe", args=[99999])).status_code == 404


# --- renewal through the same wizard ------------------------------------------------------------


class TestRenewal:
    def test_renewal_before_expiry_starts_at_the_old_end(self, buyer_client, buyer, offer):
        client = buyer_client
        today = timezone.localdate()
        subscription = SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=today + datetime.timedelta(days=10)
        )
        response = client.post(reverse("offers:renew_start", args=[subscription.pk]))
        order = Order.objects.get(kind=OrderKind.RENEWAL)
        assert response["Location"] == step("verify", order)
        verify = client.get(step("verify", order)).content.decode()
        assert "Verify your order details and then select Next." in verify and order.number in verify
        accept_terms(client, order)
        method = add_card(client, order)
        choose_card(client, order, method)
        assert buy(client, order)["Location"] == step("done", order)
        subscription.refresh_from_db()
        old_end = today + datetime.timedelta(days=10)
        assert (subscription.current_period_start, subscription.current_period_end) == (
            old_end,
            add_months(old_end, 12),
        )
        assert subscription_timeline(subscription=subscription).filter(verb=TimelineKind.RENEWED.verb).count() == 1
        assert Subscription.objects.count() == 1

    def test_renewal_after_expiry_starts_today(self, buyer_client, buyer, offer):
        today = timezone.localdate()
        subscription = SubscriptionFactory(
            organization=buyer.organization,
            offer=offer,
            end=today - datetime.timedelta(days=5),
            status=SubscriptionStatus.EXPIRED,
        )
        buyer_client.post(reverse("offers:renew_start", args=[subscription.pk]))
        order = Order.objects.get(kind=OrderKind.RENEWAL)
        accept_terms(buyer_client, order)
        choose_card(buyer_client, order, add_card(buyer_client, order))
        buy(buyer_client, order)
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert (subscription.current_period_start, subscription.current_period_end) == (today, add_months(today, 12))

    @pytest.mark.parametrize(
        "days_left, expected", [(60, "can be renewed from"), (-45, "Subscribe to the offer again")]
    )
    def test_renewal_outside_the_window_is_refused(self, buyer_client, buyer, offer, days_left, expected):
        today = timezone.localdate()
        status = SubscriptionStatus.ACTIVE if days_left > 0 else SubscriptionStatus.EXPIRED
        subscription = SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=today + datetime.timedelta(days=days_left), status=status
        )
        response = buyer_client.post(reverse("offers:renew_start", args=[subscription.pk]), follow=True)
        assert expected in " ".join(messages_of(response))
        assert not Order.objects.exists()

    def test_renewal_needs_the_role_and_the_organisation(self, client, org, buyer, offer, stripe_settings):
        subscription = SubscriptionFactory(
            organization=org, offer=offer, end=timezone.localdate() + datetime.timedelta(days=5)
        )
        client.force_login(UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN]))
        assert client.post(reverse("offers:renew_start", args=[subscription.pk])).status_code == 403
        client.force_login(UserFactory(organization=OrganizationFactory(name="Fabrikam"), roles=[Role.GLOBAL_ADMIN]))
        assert client.post(reverse("offers:renew_start", args=[subscription.pk])).status_code == 404
        assert not Order.objects.exists()


# --- R5 under real concurrency ------------------------------------------------------------------


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_buy_posts_charge_once(stripe_settings):
    import threading

    from django.db import connections
    from django.test import Client

    # On SQLite writers take turns (BEGIN IMMEDIATE, a busy timeout): the same guarantees as row locks.
    offer = load_demo_catalogue()
    org = OrganizationFactory(name="Contoso")
    buyer = UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
    setup_client = Client()
    setup_client.force_login(buyer)
    order = to_review(setup_client, offer)

    clients = []
    for _ in range(20):
        c = Client()
        c.force_login(buyer)
        clients.append(c)
    barrier = threading.Barrier(20)
    results, errors = [], []

    def post(c):
        try:
            barrier.wait()
            results.append(c.post(step("buy", order)).status_code)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(results) == 20 and set(results) <= {302}
    assert payment_intent_count() == 1
    assert [intent.status for intent in get_gateway().client.v1.payment_intents.list().data] == ["succeeded"]
    assert Payment.objects.count() == 1
    assert Subscription.objects.count() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# --- the service contract the automatic renewal relies on ------------------------------------------


class TestOrderChargeContract:
    def _renewal_order(self, client, buyer, offer, number=OK_CARD):
        """A renewal order with a card, ready to be charged without the wizard (as a sweep would)."""
        from offers.services import order_start_renewal

        subscription = SubscriptionFactory(
            organization=buyer.organization, offer=offer, end=timezone.localdate() + datetime.timedelta(days=3)
        )
        order = order_start_renewal(organization=buyer.organization, subscription=subscription, user=buyer)
        accept_terms(client, order)
        choose_card(client, order, add_card(client, order, number))
        order.refresh_from_db()
        return order, subscription

    def test_paid_off_session(self, buyer_client, buyer, offer):
        from offers.services import ChargeOutcome, order_charge

        order, subscription = self._renewal_order(buyer_client, buyer, offer)
        outcome = order_charge(order_id=order.pk, off_session=True)
        assert isinstance(outcome, ChargeOutcome)
        assert outcome.status == "paid" and outcome.message == "Your order is confirmed."
        assert outcome.order.pk == order.pk and outcome.order.status == OrderStatus.PAID
        assert order_charge(order_id=order.pk, off_session=True).status == "already_paid"
        subscription.refresh_from_db()
        assert subscription.current_period_start == order.term_start
        assert payment_intent_count() == 1

    def test_requires_action_gives_the_client_secret(self, buyer_client, buyer, offer):
        from offers.services import order_charge

        order, _ = self._renewal_order(buyer_client, buyer, offer, THREE_DS_CARD)
        outcome = order_charge(order_id=order.pk, off_session=True)
        assert outcome.status == "requires_action" and outcome.client_secret.startswith("pi_")
        assert Payment.objects.get().status == PaymentStatus.REQUIRES_ACTION

    def test_declined_and_unavailable(self, buyer_client, buyer, offer, settings):
        from offers.services import order_charge

        order, _ = self._renewal_order(buyer_client, buyer, offer, DECLINED_CARD)
        outcome = order_charge(order_id=order.pk, off_session=True)
        assert outcome.status == "declined" and "declined" in outcome.message
        settings.STRIPE_API_BASE = "http://127.0.0.1:9"
        outcome = order_charge(order_id=order.pk, off_session=True)
        assert outcome.status == "unavailable"
        assert outcome.message.startswith("The payment service is unavailable; you were not charged.")
        assert list(order.payments.order_by("attempt").values_list("attempt", "status", "idempotency_key")) == [
            (1, "failed", "order-%s-attempt-1" % order.number),
            (2, "failed", "order-%s-attempt-2" % order.number),
        ]

    def test_refuses_an_order_that_is_not_chargeable(self, buyer_client, buyer, offer):
        from django.core.exceptions import ValidationError

        from offers.services import order_charge

        order = start_order(buyer_client, offer)  # no terms, no card
        with pytest.raises(ValidationError):
            order_charge(order_id=order.pk)
        assert not Payment.objects.exists()
