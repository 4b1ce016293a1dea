"""Cancellation with refunds (R11): the refund service and staff's "Process cancellation"."""

import datetime
import socket
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing.gateways.stripe_gateway import StripeGateway
from billing.models import Refund, RefundStatus
from billing.refunds import RefundFailed, RefundTooLarge, refund_create
from membership.models import Role
from offers.models import SubscriptionStatus, TimelineKind
from offers.selectors import subscription_timeline
from support import services
from support.models import CancellationDecision, DecisionStatus, RefundKind, RequestStatus
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory, cancellation_processed
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.helpers.localstripe import localstripe_refunds

PRICE = 47500


@pytest.fixture
def bought(stripe_settings, org, global_admin):
    """A subscription bought today, and its payment."""
    return paid_subscription(org, user=global_admin)


@pytest.fixture
def cancellation(bought, global_admin):
    subscription, _ = bought
    return ServiceRequestFactory(
        user=global_admin, subscription=subscription, wants_cancellation=True, title="Cancel it"
    )


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket goes: connections are refused


def _process_url(service_request):
    return reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk])


def _first_approval(service_request, kind=RefundKind.FULL, amount=PRICE):
    """US$475.00 is above the four-eyes threshold (R23): another member of finance staff approves first."""
    decision = services.cancellation_process(
        service_request=service_request, refund_kind=kind, actor=StaffFactory(), expected_amount=amount
    )
    assert decision.status == DecisionStatus.AWAITING_APPROVAL and decision.refund_id is None
    return decision


# --- billing.refunds ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestRefundService:
    def test_the_row_exists_before_stripe_is_called_and_a_second_call_makes_no_second_refund(
        self, bought, localstripe_process, monkeypatch
    ):
        _, payment = bought
        seen = []
        real_refund = StripeGateway.refund

        def spying_refund(gateway, request):
            seen.append(Refund.objects.get(idempotency_key=request.idempotency_key).status)
            return real_refund(gateway, request)

        monkeypatch.setattr(StripeGateway, "refund", spying_refund)
        first = refund_create(payment=payment, amount=1000, decision_key="decision-1", reason="test")
        again = refund_create(payment=payment, amount=1000, decision_key="decision-1", reason="test")
        assert seen == [RefundStatus.PENDING]  # one call to Stripe, made after the row was written
        assert first.pk == again.pk and first.status == RefundStatus.SUCCEEDED and first.stripe_refund_id
        assert [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)] == [
            1000
        ]

    def test_more_than_charged_less_earlier_refunds_is_refused_before_stripe(self, bought, localstripe_process):
        _, payment = bought
        refund_create(payment=payment, amount=10000, decision_key="earlier")
        with pytest.raises(RefundTooLarge):
            refund_create(payment=payment, amount=PRICE - 10000 + 1, decision_key="too-much")
        assert not Refund.objects.filter(idempotency_key="too-much").exists()
        refund_create(payment=payment, amount=PRICE - 10000, decision_key="the-rest")
        amounts = sorted(
            r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)
        )
        assert amounts == [10000, PRICE - 10000]

    def test_a_failure_is_recorded_and_the_same_key_retries(self, bought, settings, localstripe_process):
        _, payment = bought
        reachable = settings.STRIPE_API_BASE
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{_closed_port()}"
        with pytest.raises(RefundFailed):
            refund_create(payment=payment, amount=500, decision_key="flaky")
        refund = Refund.objects.get(idempotency_key="flaky")
        assert refund.status == RefundStatus.FAILED and refund.failure_message
        settings.STRIPE_API_BASE = reachable
        retried = refund_create(payment=payment, amount=500, decision_key="flaky")
        assert retried.pk == refund.pk and retried.status == RefundStatus.SUCCEEDED
        assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1


# --- R11 eligibility --------------------------------------------------------------------------


@pytest.mark.django_db
class TestEligibility:
    def test_prorated_amount_is_remaining_days_over_term_rounded_down(self):
        start, end = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)  # 365 days
        assert services.prorated_amount(paid=PRICE, period_start=start, period_end=end, today=start) == PRICE
        # 300 of 365 days left: 47500 × 300 / 365 = 39041.09… → 39041
        today = end - datetime.timedelta(days=300)
        assert services.prorated_amount(paid=PRICE, period_start=start, period_end=end, today=today) == 39041
        assert services.prorated_amount(paid=PRICE, period_start=start, period_end=end, today=end) == 0

    @pytest.mark.parametrize("link_order", [True, False])
    def test_bought_today_with_no_benefit_is_eligible_for_a_full_refund(
        self, stripe_settings, org, global_admin, link_order
    ):
        subscription, payment = paid_subscription(org, user=global_admin, link_order=link_order)
        request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
        quote = services.cancellation_quote(service_request=request)
        assert quote.payment == payment
        assert quote.within_window and not quote.benefits_activated and quote.full_eligible
        assert quote.amounts == {RefundKind.NONE: 0, RefundKind.PRORATED: PRICE, RefundKind.FULL: PRICE}

    def test_after_thirty_days_only_prorated_is_suggested(self, stripe_settings, org, global_admin):
        subscription, _ = paid_subscription(org, user=global_admin, days_ago=40)
        request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
        quote = services.cancellation_quote(service_request=request)
        term = (subscription.current_period_end - subscription.current_period_start).days
        assert quote.days_since_payment == 40 and not quote.within_window and not quote.full_eligible
        assert quote.amount_for(RefundKind.PRORATED) == PRICE * (term - 40) // term
        assert quote.amount_for(RefundKind.FULL) == PRICE

    @pytest.mark.parametrize("days_ago, eligible", [(29, True), (30, True), (31, False)])
    def test_the_full_refund_window_ends_on_day_30(self, stripe_settings, org, global_admin, days_ago, eligible):
        """R11: "within 30 days of a purchase or renewal" includes day 30 and stops at day 31."""
        subscription, _ = paid_subscription(org, user=global_admin, days_ago=days_ago)
        request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
        quote = services.cancellation_quote(service_request=request)
        assert quote.days_since_payment == days_ago
        assert quote.within_window is eligible and quote.full_eligible is eligible

    def test_an_activated_benefit_removes_the_full_refund_eligibility(self, cancellation, monkeypatch):
        monkeypatch.setattr(services.cancellation, "benefits_activated", lambda subscription: True)
        quote = services.cancellation_quote(service_request=cancellation)
        assert quote.within_window and quote.benefits_activated and not quote.full_eligible

    def test_a_real_benefit_activation_removes_the_full_refund_eligibility(self, cancellation, global_admin):
        from offers.services import benefit_activate

        subscription = cancellation.subscription
        tools = subscription.offer.benefits.get(code="developer-tools")
        benefit_activate(actor=global_admin, subscription=subscription, benefit=tools)
        quote = services.cancellation_quote(service_request=cancellation)
        assert quote.within_window and quote.benefits_activated and not quote.full_eligible

    def test_the_admin_page_shows_the_verdict(self, client, cancellation):
        client.force_login(StaffFactory())
        page = client.get(_process_url(cancellation)).content.decode()
        assert "Eligible for a full refund." in page
        assert "US$475.00" in page


# --- Process cancellation in admin --------------------------------------------------------------


@pytest.mark.django_db
class TestProcessCancellation:
    def test_full_refund_cancels_resolves_mails_and_writes_the_timeline(
        self, client, cancellation, bought, localstripe_process, global_admin, django_capture_on_commit_callbacks
    ):
        subscription, payment = bought
        staff = StaffFactory()
        client.force_login(staff)
        change_page = client.get(
            reverse("admin:support_servicerequest_change", args=[cancellation.pk])
        ).content.decode()
        assert _process_url(cancellation) in change_page and "Process cancellation" in change_page
        review = client.post(_process_url(cancellation), {"refund_kind": RefundKind.FULL})
        assert "Confirm: Full refund of US$475.00" in review.content.decode()
        assert not Refund.objects.exists()  # reviewing changes nothing
        data = {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(_process_url(cancellation), data)
        # Above the four-eyes threshold (R23): the first approval moves nothing and tells no one.
        assert first.status_code == 302 and not Refund.objects.exists() and mail.outbox == []
        client.force_login(StaffFactory())
        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(_process_url(cancellation), data)
        assert done.status_code == 302
        refund = Refund.objects.get()
        assert (refund.payment, refund.amount, refund.status) == (payment, PRICE, RefundStatus.SUCCEEDED)
        assert [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)] == [
            PRICE
        ]
        subscription.refresh_from_db()
        cancellation.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELLED
        assert cancellation.status == RequestStatus.RESOLVED
        decision = CancellationDecision.objects.get()
        assert (decision.status, decision.refund, decision.decided_by) == (DecisionStatus.COMPLETED, refund, staff)
        verbs = set(subscription_timeline(subscription=subscription).values_list("verb", flat=True))
        assert {TimelineKind.REQUEST_FILED.verb, TimelineKind.CANCELLED.verb, TimelineKind.REFUNDED.verb} <= verbs
        assert len(mail.outbox) == 1 and mail.outbox[0].to == [global_admin.email]
        assert "US$475.00" in mail.outbox[0].body and "cancelled" in mail.outbox[0].subject
        # The partner sees it resolved and the subscription cancelled.
        client.force_login(global_admin)
        page = client.get(cancellation.get_absolute_url()).content.decode()
        assert '<span class="badge" id="request-status">Resolved</span>' in page
        assert '<span id="subscription-status">Cancelled</span>' in page

    def test_review_is_an_intermediate_page_that_posts_the_choice_again(self, client, cancellation, bought):
        """Django admin's own confirmation pattern (delete_selected): a separate page, post=yes to go ahead."""
        client.force_login(StaffFactory())
        review = client.post(_process_url(cancellation), {"refund_kind": RefundKind.PRORATED})
        assert review.status_code == 200
        assert [t.name for t in review.templates][0] == (
            "admin/support/servicerequest/process_cancellation_confirmation.html"
        )
        html = review.content.decode()
        assert "Confirm: Prorated refund of US$475.00" in html and "Are you sure?" in html
        assert '<input type="hidden" name="refund_kind" value="prorated">' in html
        assert '<input type="hidden" name="expected_amount" value="%d">' % PRICE in html
        assert '<input type="hidden" name="post" value="yes">' in html
        assert 'href="%s"' % _process_url(cancellation) in html and "No, take me back" in html
        assert not CancellationDecision.objects.exists() and not Refund.objects.exists()

    def test_the_confirmation_page_in_russian(self, client, cancellation, bought):
        staff = StaffFactory()
        staff.language = "ru"
        staff.save(update_fields=["language"])
        client.force_login(staff)
        html = client.post(
            _process_url(cancellation), {"refund_kind": RefundKind.FULL}, HTTP_ACCEPT_LANGUAGE="ru"
        ).content.decode()
        assert "Вы уверены?" in html
        assert "Подтвердить и выполнить" in html
        assert "Нет, отменить и вернуться к выбору" in html  # Django admin's own words
        assert "Подтверждение отмены по запросу %s" % cancellation.number in html

    def test_going_ahead_without_the_reviewed_amount_asks_for_a_new_review(
        self, client, cancellation, bought, localstripe_process
    ):
        subscription, _ = bought
        client.force_login(StaffFactory())
        response = client.post(_process_url(cancellation), {"refund_kind": RefundKind.FULL, "post": "yes"}, follow=True)
        assert "The amount has changed since you reviewed it." in response.content.decode()
        assert not CancellationDecision.objects.exists() and not Refund.objects.exists()
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE

    def test_the_partner_is_told_in_their_language(self, stripe_settings, org, django_capture_on_commit_callbacks):
        russian = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
        subscription, _ = paid_subscription(org, user=russian)
        request = ServiceRequestFactory(user=russian, subscription=subscription, wants_cancellation=True)
        with django_capture_on_commit_callbacks(execute=True):
            cancellation_processed(service_request=request, refund_kind=RefundKind.FULL, expected_amount=PRICE)
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.subject == f"Ваша подписка отменена (запрос на обслуживание {request.number})"
        assert (
            "Мы вернули 475,00\u00a0$" in email.body and "Подписка на Microsoft Action Pack" in email.alternatives[0][0]
        )
        reply = request.messages.get(is_internal=False)
        assert reply.body.startswith("Подписка «Подписка на Microsoft Action Pack» отменена.")

    def test_no_refund_cancels_without_touching_stripe(self, cancellation, bought, localstripe_process):
        subscription, payment = bought
        decision = services.cancellation_process(
            service_request=cancellation, refund_kind=RefundKind.NONE, actor=StaffFactory(), expected_amount=0
        )
        assert decision.refund is None and decision.status == DecisionStatus.COMPLETED
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELLED
        assert localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id) == []

    def test_double_submit_makes_one_refund(self, client, cancellation, bought, localstripe_process):
        _, payment = bought
        _first_approval(cancellation)
        client.force_login(StaffFactory())
        data = {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}
        first = client.post(_process_url(cancellation), data)
        second = client.post(_process_url(cancellation), data)
        assert first.status_code == 302 and second.status_code == 200  # the second shows the processed decision
        assert "Processed: Full refund" in second.content.decode()
        assert Refund.objects.count() == 1 and CancellationDecision.objects.count() == 1
        assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1
        # And through the service directly: a repeat is a no-op.
        again = services.cancellation_process(
            service_request=cancellation, refund_kind=RefundKind.FULL, actor=StaffFactory(), expected_amount=PRICE
        )
        assert again.pk == CancellationDecision.objects.get().pk
        assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1

    def test_refund_failure_at_stripe_keeps_everything_open_and_a_retry_works(
        self, client, cancellation, bought, settings, localstripe_process
    ):
        subscription, payment = bought
        _first_approval(cancellation)
        client.force_login(StaffFactory())
        data = {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}
        reachable = settings.STRIPE_API_BASE
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{_closed_port()}"
        response = client.post(_process_url(cancellation), data, follow=True)
        html = response.content.decode()
        assert "The cancellation was not completed" in html and "The last attempt failed" in html
        subscription.refresh_from_db()
        cancellation.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert cancellation.status == RequestStatus.OPEN
        assert CancellationDecision.objects.get().status == DecisionStatus.FAILED
        assert Refund.objects.get().status == RefundStatus.FAILED
        assert cancellation.messages.get(is_internal=True).body.startswith("Cancellation not completed")
        # Stripe is back: the retry uses the same decision and refund row, and completes.
        settings.STRIPE_API_BASE = reachable
        assert client.post(_process_url(cancellation), data).status_code == 302
        subscription.refresh_from_db()
        cancellation.refresh_from_db()
        assert subscription.status == SubscriptionStatus.CANCELLED and cancellation.status == RequestStatus.RESOLVED
        assert CancellationDecision.objects.get().status == DecisionStatus.COMPLETED
        assert Refund.objects.get().status == RefundStatus.SUCCEEDED
        assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1

    def test_refund_above_charged_less_earlier_refunds_is_refused(
        self, client, cancellation, bought, localstripe_process
    ):
        subscription, payment = bought
        refund_create(payment=payment, amount=10000, decision_key="goodwill-credit")
        _first_approval(cancellation)
        client.force_login(StaffFactory())
        response = client.post(
            _process_url(cancellation),
            {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"},
            follow=True,
        )
        assert "more than what can still be refunded" in response.content.decode()
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)] == [
            10000
        ]
        assert CancellationDecision.objects.get().status == DecisionStatus.FAILED

    def test_staff_without_the_billing_permission_are_refused(self, client, cancellation, bought, localstripe_process):
        subscription, payment = bought
        clerk = StaffFactory(refund=False)
        client.force_login(clerk)
        page = client.get(_process_url(cancellation)).content.decode()
        assert "Only staff with the billing permission" in page
        response = client.post(
            _process_url(cancellation), {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}
        )
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            services.cancellation_process(service_request=cancellation, refund_kind=RefundKind.FULL, actor=clerk)
        subscription.refresh_from_db()
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert not Refund.objects.exists() and not CancellationDecision.objects.exists()
        assert localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id) == []
        # A superuser holds every permission (and above the threshold, a second one approves too).
        superusers = [StaffFactory(superuser=True), StaffFactory(superuser=True)]
        cancellation_processed(service_request=cancellation, refund_kind=RefundKind.FULL, approvers=superusers)
        assert Refund.objects.get().status == RefundStatus.SUCCEEDED

    def test_a_partner_cannot_reach_the_admin_view(self, client, cancellation, global_admin):
        client.force_login(global_admin)
        response = client.post(_process_url(cancellation), {"refund_kind": RefundKind.FULL, "post": "yes"})
        assert response.status_code == 302 and "/admin/login/" in response.url
        assert not Refund.objects.exists()

    def test_a_changed_amount_asks_for_a_new_review(self, cancellation, bought, localstripe_process):
        with pytest.raises(services.CancellationError):
            services.cancellation_process(
                service_request=cancellation, refund_kind=RefundKind.FULL, actor=StaffFactory(), expected_amount=100
            )
        assert not Refund.objects.exists() and not CancellationDecision.objects.exists()

    def test_process_cancellation_needs_a_named_subscription(self, client, global_admin):
        request = ServiceRequestFactory(user=global_admin)
        client.force_login(StaffFactory())
        assert client.get(_process_url(request)).status_code == 404
        page = client.get(reverse("admin:support_servicerequest_change", args=[request.pk])).content.decode()
        assert "process-cancellation" not in page


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_two_staff_at_once_make_one_refund(stripe_settings, localstripe_process):
    org = OrganizationFactory(name="Concurrent Co")
    partner = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    subscription, payment = paid_subscription(org, user=partner)
    request = ServiceRequestFactory(user=partner, subscription=subscription, wants_cancellation=True)
    staff = [StaffFactory(), StaffFactory()]
    barrier = threading.Barrier(len(staff))
    outcomes = []

    def work(actor):
        from django.db import connections

        try:
            barrier.wait()
            services.cancellation_process(
                service_request=request, refund_kind=RefundKind.FULL, actor=actor, expected_amount=PRICE
            )
            outcomes.append("done")
        except services.CancellationError as exc:
            outcomes.append(f"refused: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(actor,)) for actor in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert "done" in outcomes and len(outcomes) == 2
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 1
    assert CancellationDecision.objects.filter(status=DecisionStatus.COMPLETED).count() == 1
    assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_five_staff_confirming_at_once_make_one_refund_and_no_server_error(stripe_settings, localstripe_process):
    """Five "Confirm and process" posts at once, through the admin view: on SQLite the writers wait their
    turn (BEGIN IMMEDIATE and a busy timeout), on PostgreSQL the row lock orders them."""
    from django.db import connections
    from django.test import Client

    org = OrganizationFactory(name="Busy Co")
    partner = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    subscription, payment = paid_subscription(org, user=partner)
    request = ServiceRequestFactory(user=partner, subscription=subscription, wants_cancellation=True)
    clients = []
    for _ in range(5):
        staff_client = Client()
        staff_client.force_login(StaffFactory())
        clients.append(staff_client)
    data = {"refund_kind": RefundKind.FULL, "expected_amount": PRICE, "post": "yes"}
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def confirm(staff_client):
        try:
            barrier.wait()
            statuses.append(staff_client.post(_process_url(request), data).status_code)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # One processes it (302); the others see the processed decision (200): none is a server error.
    assert len(statuses) == 5 and all(status < 500 for status in statuses), statuses
    assert sorted(statuses).count(302) >= 1
    assert Refund.objects.count() == 1
    assert Refund.objects.filter(status=RefundStatus.SUCCEEDED).count() == 1
    assert CancellationDecision.objects.filter(status=DecisionStatus.COMPLETED).count() == 1
    assert len(localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)) == 1
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
