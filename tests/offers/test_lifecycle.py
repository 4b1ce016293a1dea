"""Automatic renewal (R6), retries and past due (R10), expiry, reminders (R9), e-mails, R5.

Every charge goes to localstripe; time moves with time_machine.
"""

import datetime
import socket

import pytest
from django.core import mail

from billing.models import PaymentStatus
from membership.models import Role
from offers.models import OrderStatus, Reminder, ReminderKind, SubscriptionStatus, TimelineKind
from offers.selectors import subscription_timeline
from offers.selectors.lifecycle import next_reminder, select_due
from offers.services import subscription_renew, subscription_turn_off_auto_renewal
from tests.factories.billing import AUTH_CARD, DECLINED_CARD, CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.lifecycle import at, auto_orders, intents, mails_with, payments, sweep

D = datetime.date.fromisoformat
pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    organization = OrganizationFactory(name="Contoso")
    UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
    return organization


def _refresh(subscription):
    subscription.refresh_from_db()
    return subscription


class TestAutomaticRenewal:
    def test_the_anniversary_charges_off_session_once_and_starts_the_next_term(
        self, org, stripe_settings, localstripe_process
    ):
        card = CardFactory(organization=org)
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=card)
        with at("2027-11-24"):
            sweep()
        assert _refresh(sub).current_period_end == D("2027-11-25")
        assert intents(localstripe_process) == []

        with at("2027-11-25"):
            sweep()
            sweep()  # beat firing twice, or a manual rerun: still one charge
        sub = _refresh(sub)
        assert (sub.status, sub.current_period_start, sub.current_period_end) == (
            SubscriptionStatus.ACTIVE,
            D("2027-11-25"),
            D("2028-11-25"),
        )
        assert sub.auto_renew and sub.renewal_attempts == 0
        order = auto_orders(sub).get()
        assert order.status == OrderStatus.PAID and order.amount == 47500 and order.payment_method == card
        assert [p.status for p in payments(sub)] == [PaymentStatus.SUCCEEDED]
        charged = intents(localstripe_process)
        assert len(charged) == 1 and charged[0]["status"] == "succeeded" and charged[0]["amount"] == 47500
        assert subscription_timeline(subscription=sub).filter(verb=TimelineKind.AUTO_RENEWED.verb).count() == 1
        succeeded = mails_with("has been renewed")
        assert len(succeeded) == 2  # the org's Global admin and Billing admin
        assert "US$475.00" in succeeded[0].body and "••4242" in succeeded[0].body
        assert succeeded[0].alternatives and "text/html" == succeeded[0].alternatives[0][1]

    def test_an_automatic_renewal_sends_one_email_per_recipient(self, org, stripe_settings, localstripe_process):
        """The "renewed" notice only: no order confirmation for an order nobody placed (one e-mail per renewal)."""
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        mail.outbox.clear()
        with at("2027-11-25"):
            sweep()
        assert _refresh(sub).current_period_end == D("2028-11-25")
        recipients = sorted(address for message in mail.outbox for address in message.to)
        assert len(recipients) == len(set(recipients)) == 2  # Global admin and Billing admin, once each
        assert all(
            "has been renewed" in message.subject or "has been renewed" in message.body for message in mail.outbox
        )
        assert not [m for m in mail.outbox if "Your order is confirmed" in m.subject + m.body]

    def test_a_term_bought_on_29_february_renews_on_28_february(self, org, stripe_settings, localstripe_process):
        sub = SubscriptionFactory(organization=org, start="2028-02-29", payment_method=CardFactory(organization=org))
        assert sub.current_period_end == D("2029-02-28")
        with at("2029-02-27"):
            sweep()
        assert intents(localstripe_process) == []
        with at("2029-02-28"):
            sweep()
        sub = _refresh(sub)
        assert (sub.current_period_start, sub.current_period_end) == (D("2029-02-28"), D("2030-02-28"))
        assert len(intents(localstripe_process)) == 1

    def test_a_task_run_twice_charges_once(self, org, stripe_settings, localstripe_process):
        from offers.tasks import subscription_renew as subscription_renew_task

        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        with at("2027-11-25"):
            assert subscription_renew_task.apply(args=[sub.pk, "2027-11-25"]).get() == "renewed"
            assert subscription_renew_task.apply(args=[sub.pk, "2027-11-25"]).get() == "not_due"
        assert len(intents(localstripe_process)) == 1
        assert payments(sub).count() == 1


class TestFailedRenewal:
    def test_declined_card_goes_past_due_is_retried_on_days_1_3_7_then_expires(
        self, org, stripe_settings, localstripe_process
    ):
        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org, number=DECLINED_CARD)
        )
        due = D("2027-11-25")
        with at(due):
            sweep()
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.PAST_DUE and sub.is_live  # benefits kept
        assert (sub.renewal_attempts, sub.next_renewal_attempt_on) == (1, due + datetime.timedelta(days=1))
        assert sub.current_period_end == due
        assert payments(sub).count() == 1 and auto_orders(sub).get().status == OrderStatus.FAILED
        failed = mails_with("automatic renewal of Microsoft Action Pack subscription failed")
        assert len(failed) == 2
        assert sub.get_absolute_url() in failed[0].body  # the way to renew by hand
        assert "Renew subscriptions" in failed[0].body

        expected = [(1, 2, 3), (3, 3, 7)]
        for offset, attempts, next_offset in expected:
            with at(due + datetime.timedelta(days=offset - 1)):
                sweep()  # the day before the retry: nothing
            assert payments(sub).count() == attempts - 1
            with at(due + datetime.timedelta(days=offset)):
                sweep()
                sweep()
            sub = _refresh(sub)
            assert sub.status == SubscriptionStatus.PAST_DUE
            assert (sub.renewal_attempts, sub.next_renewal_attempt_on) == (
                attempts,
                due + datetime.timedelta(days=next_offset),
            )
            assert payments(sub).count() == attempts
        assert len(mails_with("failed")) == 6

        with at(due + datetime.timedelta(days=7)):
            sweep()
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.EXPIRED and sub.next_renewal_attempt_on is None
        assert payments(sub).count() == 4  # first charge and three retries, all on the one order
        assert auto_orders(sub).count() == 1
        assert all(p.status == PaymentStatus.FAILED for p in payments(sub))
        assert len(intents(localstripe_process)) == 4
        assert not any(i["status"] == "succeeded" for i in intents(localstripe_process))
        assert len(mails_with("failed")) == 8
        assert len(mails_with("has expired")) == 2
        assert Reminder.objects.filter(subscription=sub, kind=ReminderKind.EXPIRED).count() == 1
        kinds = list(subscription_timeline(subscription=sub).values_list("verb", flat=True))
        assert kinds.count(TimelineKind.RENEWAL_FAILED.verb) == 4 and kinds.count(TimelineKind.EXPIRED.verb) == 1

    def test_card_requiring_authentication_fails_off_session_and_leads_to_manual_renewal(
        self, org, stripe_settings, localstripe_process
    ):
        from offers import services as offers_services
        from offers.models import OfferTerms

        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org, number=AUTH_CARD)
        )
        with at("2027-11-25"):
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.PAST_DUE and sub.renewal_attempts == 1
        order = auto_orders(sub).get()
        assert order.status == OrderStatus.FAILED  # closed: nobody can authenticate off-session
        assert payments(sub).get().failure_code == "authentication_required"
        failed = mails_with("failed")
        assert failed and "authentication" in failed[0].body and sub.get_absolute_url() in failed[0].body

        # The e-mail leads to a renewal by hand, which the closed auto-renewal order does not block.
        admin = org.users.filter(roles__role="billing_admin").first()
        good = CardFactory(organization=org)
        with at("2027-11-26"):
            renewal = offers_services.order_start_renewal(organization=org, subscription=sub, user=admin)
            terms = OfferTerms.objects.filter(offer=sub.offer).latest()
            offers_services.order_accept_terms(order=renewal, terms=terms, user=admin, ip_address="127.0.0.1")
            offers_services.order_set_payment_method(order=renewal, payment_method=good, user=admin)
            outcome = offers_services.order_charge(order_id=renewal.pk, actor=admin)
        assert outcome.status == "paid", outcome.message
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.ACTIVE and sub.auto_renew and sub.renewal_attempts == 0
        assert sub.next_renewal_attempt_on is None
        with at("2027-11-26"):
            sweep()  # the retry that was due is no longer due
        assert payments(sub).filter(status=PaymentStatus.SUCCEEDED).count() == 1

    def test_payment_service_unreachable_changes_nothing_and_the_next_run_renews(
        self, org, stripe_settings, settings, localstripe_process
    ):
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        settings.STRIPE_API_BASE = "http://127.0.0.1:%d" % closed_port
        with at("2027-11-25"):
            sweep()
        sub = _refresh(sub)
        assert (sub.status, sub.current_period_end, sub.renewal_attempts) == (
            SubscriptionStatus.ACTIVE,
            D("2027-11-25"),
            0,
        )
        assert sub.next_renewal_attempt_on is None
        assert not subscription_timeline(subscription=sub).filter(verb=TimelineKind.RENEWAL_FAILED.verb).exists()
        assert mail.outbox == []
        assert intents(localstripe_process) == []
        assert auto_orders(sub).get().status == OrderStatus.DRAFT

        settings.STRIPE_API_BASE = stripe_settings
        with at("2027-11-26"):
            sweep()  # the next daily run
        sub = _refresh(sub)
        assert (sub.status, sub.current_period_start, sub.current_period_end) == (
            SubscriptionStatus.ACTIVE,
            D("2027-11-25"),  # the new term still starts on the anniversary
            D("2028-11-25"),
        )
        assert len(intents(localstripe_process)) == 1

    def test_a_retry_made_days_late_is_declined_again_and_next_tried_tomorrow_at_the_earliest(
        self, org, stripe_settings, localstripe_process
    ):
        """The hourly sweep must not charge a declined card twice in a day: a retry made after its day (the
        payment service was down on day 1 and day 3) schedules the next one for tomorrow, not a day already past."""
        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org, number=DECLINED_CARD)
        )
        due = D("2027-11-25")
        with at(due):
            sweep()
        late = due + datetime.timedelta(days=4)  # the retry of day 1, made on day 4
        with at(late):
            sweep()
            sub = _refresh(sub)
            assert (sub.renewal_attempts, sub.next_renewal_attempt_on) == (2, late + datetime.timedelta(days=1))
            sweep()  # the next hour's sweep
        assert payments(sub).count() == 2
        with at(late + datetime.timedelta(days=1)):
            sweep()
        sub = _refresh(sub)
        assert (sub.renewal_attempts, sub.next_renewal_attempt_on) == (3, due + datetime.timedelta(days=7))
        assert payments(sub).count() == 3

    def test_auto_renewal_turned_off_while_past_due_expires_at_the_next_retry(
        self, org, stripe_settings, localstripe_process
    ):
        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org, number=DECLINED_CARD)
        )
        with at("2027-11-25"):
            sweep()
        subscription_turn_off_auto_renewal(subscription=sub, actor=None)
        with at("2027-11-26"):
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.EXPIRED
        assert payments(sub).count() == 1

    def test_no_card_on_file_fails_without_a_charge(self, org, stripe_settings, localstripe_process):
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=None)
        with at("2027-11-25"):
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.PAST_DUE and payments(sub).count() == 0
        assert mails_with("failed")


class TestWorkerDiesMidCharge:
    """A crash between the committed attempt and its result: the rerun re-reads Stripe, never charges twice."""

    @staticmethod
    def _crash_during_charge(monkeypatch, *, after_stripe):
        from billing.gateways.stripe_gateway import StripeGateway

        real_charge = StripeGateway.charge

        def dying_charge(self, request):
            if after_stripe:
                real_charge(self, request)
            raise SystemExit("worker killed")  # not an Exception: nothing in order_charge handles it

        monkeypatch.setattr(StripeGateway, "charge", dying_charge)
        return real_charge

    @pytest.mark.parametrize("after_stripe", [True, False], ids=["charged-at-stripe", "before-stripe"])
    def test_rerun_reconciles_the_interrupted_attempt(
        self, org, stripe_settings, localstripe_process, monkeypatch, after_stripe
    ):
        from billing.gateways.stripe_gateway import StripeGateway

        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        real_charge = self._crash_during_charge(monkeypatch, after_stripe=after_stripe)
        with at("2027-11-25"):
            with pytest.raises(SystemExit):
                subscription_renew(subscription_id=sub.pk, today="2027-11-25")
        monkeypatch.setattr(StripeGateway, "charge", real_charge)
        order = auto_orders(sub).get()
        assert order.status == OrderStatus.PROCESSING
        assert payments(sub).get().status == PaymentStatus.PENDING
        assert len(intents(localstripe_process)) == (1 if after_stripe else 0)

        with at("2027-11-25", hour=4):  # a redelivery or the next run, long after the task's time limit
            result = subscription_renew(subscription_id=sub.pk, today="2027-11-25")
        assert result.outcome == "renewed"
        sub = _refresh(sub)
        assert sub.current_period_end == D("2028-11-25")
        assert len(intents(localstripe_process)) == 1
        assert payments(sub).filter(status=PaymentStatus.SUCCEEDED).count() == 1

    def test_a_timeout_after_stripe_charged_is_found_at_stripe_not_charged_again(
        self, org, stripe_settings, localstripe_process, monkeypatch
    ):
        from billing.gateways import GatewayError
        from billing.gateways.stripe_gateway import StripeGateway

        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        real_charge = StripeGateway.charge

        def charge_then_time_out(self, request):
            real_charge(self, request)
            raise GatewayError("Read timed out")  # the answer was lost, the charge was not

        monkeypatch.setattr(StripeGateway, "charge", charge_then_time_out)
        with at("2027-11-25"):
            assert subscription_renew(subscription_id=sub.pk, today="2027-11-25").outcome == "unavailable"
        monkeypatch.setattr(StripeGateway, "charge", real_charge)
        assert _refresh(sub).current_period_end == D("2027-11-25")  # no state change yet
        with at("2027-11-26"):
            sweep()  # the next run
        assert _refresh(sub).current_period_end == D("2028-11-25")
        assert len(intents(localstripe_process)) == 1
        assert payments(sub).filter(status=PaymentStatus.SUCCEEDED).count() == 1

    def test_a_fresh_in_flight_attempt_is_left_alone(self, org, stripe_settings, localstripe_process, monkeypatch):
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        self._crash_during_charge(monkeypatch, after_stripe=False)
        with at("2027-11-25"):
            with pytest.raises(SystemExit):
                subscription_renew(subscription_id=sub.pk, today="2027-11-25")
            # Seconds later another run (a rival sweep) must not charge: the attempt may still be live.
            assert subscription_renew(subscription_id=sub.pk, today="2027-11-25").outcome == "in_progress"
        assert intents(localstripe_process) == []
        assert payments(sub).count() == 1


class TestExpiryAndReminders:
    def test_auto_renewal_off_reminds_30_7_1_days_before_once_each_then_expires(self, org, stripe_settings):
        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org), auto_renew=False
        )
        end = D("2027-11-25")
        for days, kind in [(30, ReminderKind.EXPIRY_30), (7, ReminderKind.EXPIRY_7), (1, ReminderKind.EXPIRY_1)]:
            mail.outbox.clear()
            with at(end - datetime.timedelta(days=days + 1)):
                sweep()
            assert not Reminder.objects.filter(subscription=sub, kind=kind).exists()
            with at(end - datetime.timedelta(days=days)):
                sweep()
                sweep()
            assert Reminder.objects.filter(subscription=sub, kind=kind, term_end=end).count() == 1
            reminders = mails_with("expires on")
            assert len(reminders) == 2, [m.subject for m in mail.outbox]
            assert ("in %d day" % days) in reminders[0].body
        mail.outbox.clear()
        with at(end):
            sweep()
            sweep()
        sub = _refresh(sub)
        assert sub.status == SubscriptionStatus.EXPIRED
        assert len(mails_with("has expired")) == 2
        assert Reminder.objects.filter(subscription=sub).count() == 4
        assert subscription_timeline(subscription=sub).filter(verb=TimelineKind.REMINDER_SENT.verb).count() == 4

    def test_a_missed_day_is_caught_up_but_never_sent_twice(self, org, stripe_settings):
        sub = SubscriptionFactory(
            organization=org, start="2026-11-25", payment_method=CardFactory(organization=org), auto_renew=False
        )
        with at("2027-10-28"):  # 28 days before the end: the 30-day run was missed
            sweep()
        assert Reminder.objects.filter(subscription=sub, kind=ReminderKind.EXPIRY_30).count() == 1
        with at("2027-10-29"):
            sweep()
        assert len(mails_with("expires on")) == 2

    def test_auto_renewal_on_announces_amount_and_card_30_days_before(self, org, stripe_settings):
        sub = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        with at("2027-10-26"):
            sweep()
            sweep()
        upcoming = mails_with("renews automatically")
        assert len(upcoming) == 2
        assert "US$475.00" in upcoming[0].body and "••4242" in upcoming[0].body
        assert "US$475.00" in upcoming[0].alternatives[0][0]
        assert not mails_with("Update your card")
        assert list(Reminder.objects.filter(subscription=sub).values_list("kind", flat=True)) == [
            ReminderKind.UPCOMING_RENEWAL
        ]

    def test_a_card_expiring_before_the_renewal_date_is_warned_about(self, org, stripe_settings):
        sub = SubscriptionFactory(
            organization=org,
            start="2026-11-25",
            payment_method=CardFactory(organization=org, exp_year=2027, exp_month=10),
        )
        with at("2027-10-26"):
            sweep()
            sweep()
        warnings = mails_with("Update your card")
        assert len(warnings) == 2 and "10/2027" in warnings[0].body
        assert Reminder.objects.filter(subscription=sub, kind=ReminderKind.CARD_EXPIRES).count() == 1

    def test_e_mails_are_in_each_recipients_language(self, org, stripe_settings):
        UserFactory(organization=org, language="ru", roles=[Role.BILLING_ADMIN])
        SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        with at("2027-10-26"):
            sweep()
        by_language = {m.to[0]: m for m in mails_with("") if m.to}
        russian = [m for m in by_language.values() if "Подписка на Microsoft Action Pack" in m.body]
        english = [m for m in by_language.values() if "Microsoft Action Pack subscription" in m.body]
        assert len(russian) == 1 and len(english) == 2
        assert "Подписка на Microsoft Action Pack" in russian[0].alternatives[0][0]
        assert "25 ноября 2027" in russian[0].body  # Django's Russian date format: rendered under override
        assert "Nov. 25, 2027" in english[0].body

    def test_cancelled_and_expired_subscriptions_are_left_alone(self, org, stripe_settings, localstripe_process):
        SubscriptionFactory(
            organization=org,
            start="2026-11-25",
            payment_method=CardFactory(organization=org),
            status=SubscriptionStatus.CANCELLED,
        )
        with at("2027-11-25"):
            assert select_due(D("2027-11-25")) == []
            sweep()
        assert intents(localstripe_process) == [] and mail.outbox == []


def test_next_reminder_is_what_the_details_page_shows(db, stripe_settings):
    organization = OrganizationFactory()
    sub = SubscriptionFactory(
        organization=organization,
        start="2026-11-25",
        payment_method=CardFactory(organization=organization),
        auto_renew=False,
    )
    assert next_reminder(sub, today=D("2027-01-01")) == (ReminderKind.EXPIRY_30, D("2027-10-26"))
    Reminder.objects.create(subscription=sub, kind=ReminderKind.EXPIRY_30, term_end=sub.current_period_end)
    assert next_reminder(sub, today=D("2027-10-27")) == (ReminderKind.EXPIRY_7, D("2027-11-18"))
