"""Each e-mail once per event and recipient (R9, issue 22): the daily sweep run twice, then every task
of the worker run twice more for the same day and event (a message redelivered, a second worker, a
rerun by hand), and still one e-mail per recipient and event.

The lifecycle e-mails are decided under their own guards (a Reminder row per term and kind, the
renewal attempt counter under the row lock, the one charge of a period); the e-mail tasks, which a
worker may run again, claim a ``SentEmail`` row per event and address before sending.
"""

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.db import connections

from billing.models import BillingProfile
from membership.models import Competency, Role
from membership.services import competencies_send_expiry_reminders, invitation_create
from membership.services.competencies import _competency_reminder_send
from membership.services.invitations import _invitation_send
from offers import tasks
from offers.emails import order_confirmation_send
from offers.models import Subscription, SubscriptionStatus
from offers.selectors.lifecycle import select_due
from offers.services import subscription_pay_now
from partnerportal.models import SentEmail
from partnerportal.notifications import notify
from support import services as support
from support.emails import send_request_email, sla_warning_email
from support.models import CancellationDecision, ClockEvent, ClockEventKind, RefundKind, RequestStatus, Severity
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import StaffFactory
from tests.helpers.emails import CONTACT, World, sent
from tests.helpers.lifecycle import at, committed, sweep

pytestmark = pytest.mark.django_db

DAY = datetime.date(2027, 11, 25)


def assert_once_each():
    """No (recipient, subject) twice: a subject names its event (offer, date, order, request, target)."""
    counts = Counter((tuple(m.to), m.subject) for m in mail.outbox)
    assert [key for key, count in counts.items() if count > 1] == []


def _org(name, *, contact=True):
    org = OrganizationFactory(name=name)
    UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
    if contact:
        BillingProfile.objects.filter(organization=org).update(billing_contact_email=f"ap@{name.lower()}.example")
    return org


def _lifecycle_cases():
    """One subscription per lifecycle e-mail due on DAY, each in its own organisation."""
    cases = {}
    org = _org("Renewed")
    cases["renewal_succeeded"] = SubscriptionFactory(
        organization=org, end=DAY, payment_method=CardFactory(organization=org)
    )
    org = _org("Declined")
    cases["renewal_failed"] = SubscriptionFactory(
        organization=org, end=DAY, payment_method=CardFactory(organization=org, number=DECLINED_CARD)
    )
    org = _org("Lastretry")
    last = SubscriptionFactory(
        organization=org, end=DAY, payment_method=CardFactory(organization=org, number=DECLINED_CARD)
    )
    Subscription.objects.filter(pk=last.pk).update(
        status=SubscriptionStatus.PAST_DUE,
        renewal_attempts=3,
        next_renewal_attempt_on=DAY,
        current_period_end=DAY - datetime.timedelta(days=7),
    )
    cases["expired"] = last
    # No card on file: the upcoming renewal notice and the warning about the card, 30 days before.
    cases["upcoming_renewal"] = SubscriptionFactory(
        organization=_org("Upcoming"), end=DAY + datetime.timedelta(days=30)
    )
    cases["expiry_reminder"] = SubscriptionFactory(
        organization=_org("Ending"), end=DAY + datetime.timedelta(days=7), auto_renew=False
    )
    cases["expired_off"] = SubscriptionFactory(organization=_org("Lapsed"), end=DAY, auto_renew=False)
    return cases


class TestTheLifecycle:
    def test_the_sweep_twice_and_each_task_twice_send_each_email_once(self, stripe_settings):
        cases = _lifecycle_cases()
        mail.outbox.clear()
        due = select_due(DAY)
        assert {item.subscription_id for item in due} == {subscription.pk for subscription in cases.values()}
        with at(DAY):
            sweep()
            sweep()
            for item in due:  # each task the sweep enqueued, delivered twice more
                for _ in range(2):
                    committed(tasks.TASKS[item.action].apply, args=[item.subscription_id, DAY.isoformat()], throw=True)
        assert_once_each()
        for kind in ("renewal_succeeded", "renewal_failed", "expired", "upcoming_renewal", "card_expires"):
            assert sent(kind), kind
        # Each kind reached the organisations it is about, each admin and contact once.
        assert len(sent("expired")) == 2 + 2  # the last retry's and the lapsed term's admins
        assert {m.to[0] for m in sent("renewal_succeeded")} >= {"ap@renewed.example"}
        assert len([m for m in sent("renewal_failed") if m.to == ["ap@lastretry.example"]]) == 1
        assert len(sent("expiry_reminder")) == 2  # auto-renewal off: the admins, not the contact
        assert len(sent("upcoming_renewal")) == 3 and len(sent("card_expires")) == 3

    def test_paying_now_twice_tells_the_renewal_once(self, stripe_settings):
        org = _org("Paynow")
        subscription = SubscriptionFactory(
            organization=org, end=DAY, payment_method=CardFactory(organization=org, number=DECLINED_CARD)
        )
        with at(DAY):
            sweep()
            assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.PAST_DUE
            good = CardFactory(organization=org)
            mail.outbox.clear()
            admin = org.users.filter(is_active=True).first()
            committed(subscription_pay_now, subscription_id=subscription.pk, payment_method_id=good.pk, actor=admin)
            with pytest.raises(ValidationError, match="not past due"):  # a second click: nothing to pay
                committed(subscription_pay_now, subscription_id=subscription.pk, payment_method_id=good.pk, actor=admin)
            sweep()  # the retry the payment made unnecessary
        assert Subscription.objects.get(pk=subscription.pk).status == SubscriptionStatus.ACTIVE
        assert len(sent("renewal_succeeded")) == 3  # two admins and the contact
        assert_once_each()


class TestTheEmailTasks:
    """The tasks a worker runs again on redelivery: each event still reaches each address once."""

    def test_the_order_confirmation(self, client, stripe_settings):
        world = World(client)
        invoice, order = world.bought()
        assert len(sent("order_confirmed")) == 2  # the buyer and the billing contact
        for _ in range(2):
            assert order_confirmation_send.apply(args=[order.pk]).get() == 0
        assert len(sent("order_confirmed")) == 2
        assert SentEmail.objects.filter(event=f"order:{order.pk}:confirmed").count() == 2

    def test_the_request_updates(self, client, stripe_settings):
        world = World(client)
        service_request = world.request()
        message = committed(
            support.message_add, service_request=service_request, author=world.staff, body="Here is the answer."
        )
        committed(
            support.request_change_status,
            service_request=service_request,
            to_status=RequestStatus.WAITING_ON_PARTNER,
            actor=world.staff,
        )
        change = service_request.status_changes.latest("pk")
        for _ in range(2):
            send_request_email.apply(args=[service_request.pk, "reply"], kwargs={"message_id": message.pk})
            send_request_email.apply(args=[service_request.pk, "status"], kwargs={"status_change_id": change.pk})
        assert len(sent("request_reply")) == len(sent("request_status")) == 1
        # Another reply is another event: it is sent.
        committed(support.message_add, service_request=service_request, author=world.staff, body="One more thing.")
        assert len(sent("request_reply")) == 2
        assert len({m.body for m in sent("request_reply")}) == 2  # the two replies, each once

    def test_the_cancellation_with_its_credit_note(self, client, stripe_settings):
        world = World(client)
        invoice, order = world.bought()
        service_request = world.request(subscription=order.subscription, wants_cancellation=True)
        first, second = StaffFactory(), StaffFactory()
        # Two approvals (the refund is above the four-eyes threshold), then the second again: a no-op.
        for approver in (first, second, second):
            committed(
                support.cancellation_process,
                service_request=service_request,
                refund_kind=RefundKind.FULL,
                actor=approver,
                expected_amount=order.amount,
            )
        decision = CancellationDecision.objects.get(request=service_request)
        for _ in range(2):
            send_request_email.apply(args=[service_request.pk, "cancelled"], kwargs={"decision_id": decision.pk})
        assert sorted(m.to[0] for m in sent("request_cancelled")) == sorted([world.admin.email, CONTACT])
        assert_once_each()

    def test_the_breach_warning(self, client):
        world = World(client)
        service_request = world.request(severity=Severity.CRITICAL)
        support.request_assign(service_request=service_request, assignee=world.staff, actor=world.staff)
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=10)
        mail.outbox.clear()
        for _ in range(2):
            committed(support.sla_warnings_send, now=later)
        events = ClockEvent.objects.filter(request=service_request, kind=ClockEventKind.WARNING_SENT)
        for event in events:
            for _ in range(2):
                sla_warning_email.apply(args=[event.pk])
        assert len(sent("sla_warning")) == events.count() == 2  # one per target
        assert_once_each()

    def test_the_invitation_and_the_competency_reminder(self, client):
        world = World(client)
        invitation = committed(
            invitation_create, actor=world.admin, email="new@contoso.example", roles=[Role.ACCOUNT_ADMIN]
        )
        _invitation_send(invitation.pk, None)  # the callback run again
        assert len(sent("invitation")) == 1
        today = datetime.date.today()
        Competency.objects.create(
            organization=world.org,
            solution_area="cloud_platform",
            level="silver",
            granted_on=today - datetime.timedelta(days=300),
            expires_on=today + datetime.timedelta(days=20),
        )
        for _ in range(2):
            committed(competencies_send_expiry_reminders, today=today)
        reminder = world.org.competencies.get().reminders.get()
        _competency_reminder_send(reminder.pk)  # the callback run again
        assert len(sent("competency_reminder")) == 1  # the Global admin
        assert_once_each()


def _reset_notice(user, event="test:1"):
    return notify(template="registration/password_reset", recipients=[user], context={"url": "x"}, event=event)


class TestTheClaim:
    def test_a_failed_send_gives_the_claim_back_so_the_retry_sends(self, monkeypatch):
        user = UserFactory()
        monkeypatch.setattr(locmem.EmailBackend, "send_messages", _refuse)
        with pytest.raises(ConnectionRefusedError):
            _reset_notice(user)
        assert not SentEmail.objects.exists() and mail.outbox == []
        monkeypatch.undo()
        assert _reset_notice(user) == 1 and _reset_notice(user) == 0
        assert _reset_notice(user, event="test:2") == 1  # another event
        assert SentEmail.objects.filter(recipient=user.email.lower()).count() == 2


def _refuse(self, messages):
    raise ConnectionRefusedError("the mail server is down")


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one():
    user = UserFactory()
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(_reset_notice(user))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and sorted(results) == [0, 1] and len(mail.outbox) == 1
