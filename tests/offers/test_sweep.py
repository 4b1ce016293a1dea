"""The daily sweep — what it selects, its cost, concurrency, a real Celery worker, the command."""

import datetime
import threading
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connections

from billing.models import PaymentStatus
from membership.dates import add_months
from membership.models import Organization, Role
from offers.demo_catalogue import load_demo_catalogue
from offers.models import Reminder, ReminderKind, Subscription, SubscriptionStatus
from offers.selectors.lifecycle import select_due
from offers.services import subscription_renew, subscriptions_sweep
from offers.services.sweep import SWEEP_ACTIONS
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.lifecycle import at, committed, intents, mails_with, payments

D = datetime.date.fromisoformat
TODAY = D("2027-11-25")


def _bulk_subscriptions(count, *, offer, first_end):
    """Many live subscriptions that are not due on TODAY (their terms end 40+ days later)."""
    orgs = Organization.objects.bulk_create([Organization(name="Bulk %d" % i) for i in range(count)])
    rows = []
    for i, organization in enumerate(orgs):
        end = first_end + datetime.timedelta(days=i % 300)
        rows.append(
            Subscription(
                organization=organization,
                offer=offer,
                auto_renew=bool(i % 2),
                started_on=add_months(end, -12),
                current_period_start=add_months(end, -12),
                current_period_end=end,
                price_amount=offer.price_amount,
                currency=offer.currency,
            )
        )
    Subscription.objects.bulk_create(rows)


def _due_cases(offer):
    """One subscription per kind of due action on TODAY."""
    cases = {}
    for name, end, auto_renew, status in [
        ("renew", TODAY, True, SubscriptionStatus.ACTIVE),
        ("expire", TODAY, False, SubscriptionStatus.ACTIVE),
        ("retry", TODAY - datetime.timedelta(days=1), True, SubscriptionStatus.PAST_DUE),
        ("remind30", TODAY + datetime.timedelta(days=30), True, SubscriptionStatus.ACTIVE),
        ("remind7", TODAY + datetime.timedelta(days=7), False, SubscriptionStatus.ACTIVE),
    ]:
        sub = SubscriptionFactory(
            organization=OrganizationFactory(),
            start=add_months(end, -12),
            auto_renew=auto_renew,
            offer=offer,
            status=status,
        )
        if status == SubscriptionStatus.PAST_DUE:
            Subscription.objects.filter(pk=sub.pk).update(renewal_attempts=1, next_renewal_attempt_on=TODAY)
        cases[name] = sub.pk
    return cases


@pytest.mark.django_db
class TestSelection:
    def test_selects_exactly_what_is_due(self):
        offer = load_demo_catalogue()
        cases = _due_cases(offer)
        _bulk_subscriptions(20, offer=offer, first_end=TODAY + datetime.timedelta(days=40))
        SubscriptionFactory(
            organization=OrganizationFactory(),
            start=add_months(TODAY, -12),
            offer=offer,
            status=SubscriptionStatus.CANCELLED,
        )
        due = {(a.action, a.subscription_id) for a in select_due(TODAY)}
        assert due == {
            ("renew", cases["renew"]),
            ("expire", cases["expire"]),
            ("renew", cases["retry"]),
            ("remind", cases["remind30"]),
            ("remind", cases["remind7"]),
        }
        # Reminders already sent are not selected again.
        Reminder.objects.create(
            subscription_id=cases["remind7"], kind=ReminderKind.EXPIRY_7, term_end=TODAY + datetime.timedelta(days=7)
        )
        assert ("remind", cases["remind7"]) not in {(a.action, a.subscription_id) for a in select_due(TODAY)}

    @pytest.mark.parametrize("others", [10, 200])
    def test_query_count_does_not_grow_with_the_table(self, others, django_assert_num_queries):
        offer = load_demo_catalogue()
        _due_cases(offer)
        _bulk_subscriptions(others, offer=offer, first_end=TODAY + datetime.timedelta(days=40))
        enqueued = []
        # ended terms, retries, reminders owed: three queries at any size
        with django_assert_num_queries(3):
            subscriptions_sweep(today=TODAY, enqueue=lambda *args: enqueued.append(args))
        assert len(enqueued) == 5


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
class TestConcurrentSweeps:
    @staticmethod
    def _run_concurrently(count, fn):
        barrier = threading.Barrier(count)
        errors = []

        def worker():
            try:
                barrier.wait(timeout=10)
                fn()
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []

    def test_two_sweeps_at_once_charge_each_period_once(self, stripe_settings, localstripe_process):
        from offers import tasks

        subs = []
        for _ in range(3):
            organization = OrganizationFactory()
            UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
            subs.append(
                SubscriptionFactory(
                    organization=organization, start="2026-11-25", payment_method=CardFactory(organization=organization)
                )
            )
        declined_org = OrganizationFactory()
        declined = SubscriptionFactory(
            organization=declined_org,
            start="2026-11-25",
            payment_method=CardFactory(organization=declined_org, number=DECLINED_CARD),
        )
        with at(TODAY):
            self._run_concurrently(
                4, lambda: tasks.subscriptions_sweep.apply(kwargs={"today": TODAY.isoformat()}, throw=True)
            )
        for sub in subs:
            sub.refresh_from_db()
            assert sub.current_period_end == D("2028-11-25")
            assert payments(sub).count() == 1
            assert payments(sub).get().status == PaymentStatus.SUCCEEDED
        declined.refresh_from_db()
        assert declined.status == SubscriptionStatus.PAST_DUE and declined.renewal_attempts == 1
        assert payments(declined).count() == 1
        charged = intents(localstripe_process)
        assert len(charged) == 4  # one per subscription and period, whatever the number of sweeps
        assert sorted(i["status"] for i in charged).count("succeeded") == 3
        assert len(mails_with("has been renewed")) == 6  # its Global and Billing admin per org, once each


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_a_rival_run_between_a_decline_and_its_record_does_not_charge_again(
    stripe_settings, localstripe_process, monkeypatch
):
    """The window the renewal claim closes, made to happen every time: run A's card is declined and
    the order is chargeable again, but A has not recorded the failure yet when run B starts. B must
    stand aside (PostgreSQL: advisory lock; SQLite: a file lock), not charge the card a second time."""
    from offers.services import renewals

    organization = OrganizationFactory()
    UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
    declined = SubscriptionFactory(
        organization=organization,
        start="2026-11-25",
        payment_method=CardFactory(organization=organization, number=DECLINED_CARD),
    )
    real_record_failure = renewals._record_failure
    rival, spawned = [], []

    def rival_run():
        try:
            rival.append(subscription_renew(subscription_id=declined.pk, today=TODAY).outcome)
        except Exception as exc:  # surfaced below
            rival.append(exc)
        finally:
            connections.close_all()

    def record_failure_after_a_rival(**kwargs):
        if not spawned:  # only A's first record starts a rival
            spawned.append(True)
            thread = threading.Thread(target=rival_run)
            thread.start()
            thread.join(60)
        return real_record_failure(**kwargs)

    monkeypatch.setattr(renewals, "_record_failure", record_failure_after_a_rival)
    with at(TODAY):
        first = subscription_renew(subscription_id=declined.pk, today=TODAY)
    assert rival == ["in_progress"]
    assert first.outcome == "failed"
    assert payments(declined).count() == 1
    assert len(intents(localstripe_process)) == 1
    declined.refresh_from_db()
    assert declined.status == SubscriptionStatus.PAST_DUE and declined.renewal_attempts == 1


def _redis_broker():
    return settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_sweep_through_a_real_celery_worker(stripe_settings, localstripe_process, settings):
    """With Redis (CI) the sweep and its tasks go through the broker to a real worker; elsewhere eagerly."""
    from offers import tasks
    from partnerportal.celery import app

    organization = OrganizationFactory()
    renew = SubscriptionFactory(
        organization=organization, start="2026-11-25", payment_method=CardFactory(organization=organization)
    )
    other = OrganizationFactory()
    remind = SubscriptionFactory(
        organization=other, start="2026-12-25", payment_method=CardFactory(organization=other), auto_renew=False
    )

    with at(TODAY):
        if not _redis_broker():
            tasks.subscriptions_sweep.delay(TODAY.isoformat())
        else:
            from celery.contrib.testing.worker import start_worker
            from celery.signals import task_postrun, task_received

            received = []

            def on_received(sender=None, request=None, **kwargs):
                received.append(request.name)

            def close_worker_connections(**kwargs):
                connections.close_all()  # the worker thread's own connections, so the test DB can be dropped

            task_received.connect(on_received, weak=False)
            task_postrun.connect(close_worker_connections, weak=False)
            previous = app.conf.task_always_eager
            app.conf.task_always_eager = False
            settings.CELERY_TASK_ALWAYS_EAGER = False
            try:
                app.control.purge()
                with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
                    result = tasks.subscriptions_sweep.delay(TODAY.isoformat())
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline:
                        renew.refresh_from_db()
                        if (
                            renew.current_period_end == D("2028-11-25")
                            and Reminder.objects.filter(subscription=remind).exists()
                        ):
                            break
                        time.sleep(0.2)
                    assert result.id
            finally:
                app.conf.task_always_eager = previous
                task_received.disconnect(on_received)
                task_postrun.disconnect(close_worker_connections)
            # The broker carried the sweep and the one task per subscription and action.
            ours = sorted(name for name in received if name.startswith("offers.tasks."))
            assert ours == [
                "offers.tasks.remind_subscription",
                "offers.tasks.renew_subscription",
                "offers.tasks.sweep_subscriptions",
            ], received
    renew.refresh_from_db()
    assert renew.current_period_end == D("2028-11-25") and renew.status == SubscriptionStatus.ACTIVE
    assert len(intents(localstripe_process)) == 1
    assert Reminder.objects.filter(subscription=remind, kind=ReminderKind.EXPIRY_30).count() == 1
    assert mails_with("expires on")


@pytest.mark.django_db
def test_the_command_a_year_ahead_renews_reminds_and_expires_as_the_rules_say(stripe_settings, localstripe_process):
    """One demo-like subscription per case; `run_subscription_sweep --today 2027-11-25`, no waiting a year."""
    offer = load_demo_catalogue()

    def case(start, *, auto_renew=True, card_number="4242424242424242", card_exp=(12, 2035)):
        organization = OrganizationFactory()
        UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
        card = CardFactory(organization=organization, number=card_number, exp_month=card_exp[0], exp_year=card_exp[1])
        return SubscriptionFactory(
            organization=organization, start=start, payment_method=card, auto_renew=auto_renew, offer=offer
        )

    renewed = case("2026-11-25")
    expired = case("2026-11-25", auto_renew=False)
    declined = case("2026-11-25", card_number=DECLINED_CARD)
    upcoming = case("2026-12-25")
    card_warning = case("2026-12-25", card_exp=(11, 2027))
    remind_30 = case("2026-12-25", auto_renew=False)
    remind_7 = case("2026-12-02", auto_renew=False)
    remind_1 = case("2026-11-26", auto_renew=False)
    untouched = case("2027-01-10")

    out = StringIO()
    committed(call_command, "run_subscription_sweep", "--today", "2027-11-25", stdout=out)
    committed(
        call_command, "run_subscription_sweep", "--today", "2027-11-25", stdout=StringIO()
    )  # a rerun does nothing new
    assert "Sweep for 2027-11-25" in out.getvalue()

    def state(sub):
        sub.refresh_from_db()
        return sub

    assert (state(renewed).status, renewed.current_period_end) == (SubscriptionStatus.ACTIVE, D("2028-11-25"))
    assert state(expired).status == SubscriptionStatus.EXPIRED
    assert (state(declined).status, declined.next_renewal_attempt_on) == (SubscriptionStatus.PAST_DUE, D("2027-11-26"))
    assert len(intents(localstripe_process)) == 2

    def kinds(sub):
        return sorted(Reminder.objects.filter(subscription=sub).values_list("kind", flat=True))

    assert kinds(upcoming) == [ReminderKind.UPCOMING_RENEWAL]
    assert kinds(card_warning) == sorted([ReminderKind.CARD_EXPIRES, ReminderKind.UPCOMING_RENEWAL])
    assert kinds(remind_30) == [ReminderKind.EXPIRY_30]
    assert kinds(remind_7) == [ReminderKind.EXPIRY_7]
    assert kinds(remind_1) == [ReminderKind.EXPIRY_1]
    assert kinds(expired) == [ReminderKind.EXPIRED]
    assert kinds(untouched) == [] and state(untouched).current_period_end == D("2028-01-10")
    # Each case told its admins once (a Global admin and a Billing admin per organisation).
    assert len(mails_with("has been renewed")) == 2
    assert len(mails_with("has expired")) == 2
    assert len(mails_with("failed")) == 2
    assert len(mails_with("renews automatically")) == 4
    assert len(mails_with("Update your card")) == 2
    assert len(mails_with("expires on")) == 6
    assert mail.outbox


def test_the_command_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_subscription_sweep", "--today", "25/11/2027")


@pytest.mark.django_db
def test_the_command_can_hand_the_actions_to_the_broker(stripe_settings, localstripe_process):
    """--broker sends each action as a Celery task (run inline here, where tasks are eager)."""
    organization = OrganizationFactory()
    sub = SubscriptionFactory(
        organization=organization, start="2026-11-25", payment_method=CardFactory(organization=organization)
    )
    out = StringIO()
    committed(call_command, "run_subscription_sweep", "--today", "2027-11-25", "--broker", stdout=out)
    assert "1 action(s) sent to the broker" in out.getvalue()
    sub.refresh_from_db()
    assert sub.current_period_end == D("2028-11-25")
    assert len(intents(localstripe_process)) == 1


def test_the_sweep_runs_every_hour():
    """Beat runs the day's sweep on the hour, every hour: a later run re-sends what is still due today."""
    from celery.schedules import crontab

    entry = settings.CELERY_BEAT_SCHEDULE["hourly-subscription-sweep"]
    assert entry["task"] == "offers.tasks.sweep_subscriptions"
    assert entry["schedule"] == crontab(minute=0)


@pytest.mark.django_db
def test_a_renewal_whose_message_was_lost_is_charged_once_by_a_later_sweep_of_the_day(
    stripe_settings, localstripe_process
):
    """Redis can lose a message (a worker killed between BRPOP and recording it as unacknowledged): the next
    hourly sweep enqueues the renewal again, it is charged once, and the sweeps after it enqueue nothing."""
    organization = OrganizationFactory()
    sub = SubscriptionFactory(
        organization=organization, start="2026-11-25", payment_method=CardFactory(organization=organization)
    )
    lost = []
    first = committed(subscriptions_sweep, today=TODAY, enqueue=lambda *action: lost.append(action))
    assert [item.subscription_id for item in first] == [sub.pk] and len(lost) == 1
    sub.refresh_from_db()
    assert sub.current_period_end == TODAY  # the message went nowhere: nothing charged yet

    def run_now(action, subscription_id, today):
        return SWEEP_ACTIONS[action](subscription_id=subscription_id, today=today)

    again = committed(subscriptions_sweep, today=TODAY, enqueue=run_now)
    assert [item.subscription_id for item in again] == [sub.pk]
    sub.refresh_from_db()
    assert sub.current_period_end == D("2028-11-25") and sub.status == SubscriptionStatus.ACTIVE
    assert len(intents(localstripe_process)) == 1
    assert committed(subscriptions_sweep, today=TODAY, enqueue=run_now) == []
    assert len(intents(localstripe_process)) == 1
