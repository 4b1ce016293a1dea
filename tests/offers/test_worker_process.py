"""The renewal, reminder and e-mail tasks through a real Celery worker process (R6, R9, R10, R14).

Not eager: a ``celery worker`` subprocess consumes the tasks from the broker the portal is set up
with: kombu's filesystem transport (in a temporary folder) where no server runs, as in `make test`
on a fresh machine, and Redis in CI. The worker reads and writes the same test database (a file on
SQLite, the test database on PostgreSQL) and localstripe, and writes its e-mails to files.
"""

import os
import uuid
from email import message_from_bytes, policy

import pytest
from celery import Celery
from django.conf import settings as django_settings
from django.utils import timezone

from billing.models import PaymentStatus
from membership.dates import add_months
from membership.models import Role
from offers.models import Order, OrderStatus, Reminder, ReminderKind, Subscription
from tests.factories.billing import CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory, paid_subscription
from tests.stack.tools import ROOT, WorkerProcess, broker_is_redis, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def _database_url():
    """The test database pytest-django created, as a URL a subprocess can open."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return "sqlite:///%s" % s["NAME"]
    return "postgres://%s%s@%s:%s/%s" % (
        s["USER"],
        (":" + s["PASSWORD"]) if s["PASSWORD"] else "",
        s["HOST"] or "127.0.0.1",
        s["PORT"] or 5432,
        s["NAME"],
    )


class Broker:
    """The broker both sides use, and a client that sends tasks by name to the worker's own queue."""

    def __init__(self, tmp_path):
        self.queue = "worker-process-%s" % uuid.uuid4().hex[:8]
        self.env = {}
        if broker_is_redis():
            self.url, options = django_settings.CELERY_BROKER_URL, {}
        else:
            folder = tmp_path / "broker"
            for sub in ("out", "processed", "control"):
                (folder / sub).mkdir(parents=True)
            self.url = "filesystem://"
            options = {
                "data_folder_in": str(folder / "out"),
                "data_folder_out": str(folder / "out"),
                "processed_folder": str(folder / "processed"),
                "control_folder": str(folder / "control"),
            }
            self.env["CELERY_BROKER_DIR"] = str(folder)
        self.client = Celery("test-client", broker=self.url, set_as_current=False)
        self.client.conf.broker_transport_options = options
        self.client.conf.task_serializer = "json"

    def send(self, name, *args):
        self.client.send_task(name, args=list(args), queue=self.queue)


@pytest.fixture
def broker(tmp_path):
    broker = Broker(tmp_path)
    yield broker
    broker.client.close()


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def worker(broker, mail_dir, stripe_settings, localstripe_process, tmp_path):
    env = dict(os.environ)
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.helpers.worker_process_settings",
        DATABASE_URL=_database_url(),
        CELERY_BROKER_URL=broker.url,
        STRIPE_API_BASE=localstripe_process.url,
        EMAIL_FILE_PATH=str(mail_dir),
        PYTHONPATH=str(ROOT),
        **broker.env,
    )
    process = WorkerProcess(queue=broker.queue, env=env, log_path=tmp_path / "worker.log")
    process.start()
    yield process
    process.stop()


def _mails(mail_dir):
    """Every e-mail the worker wrote, as (recipient, subject)."""
    found = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                message = message_from_bytes(chunk.strip(), policy=policy.default)
                found.append((str(message["To"]).strip(), str(message["Subject"]).strip()))
    return found


def _wait(check, worker, what):
    try:
        wait_until(check, 90, 0.3, what)
    except AssertionError:
        raise AssertionError("%s; worker log:\n%s" % (what, worker.log_text()[-4000:])) from None


def test_an_automatic_renewal_runs_in_the_worker_and_charges_once(worker, broker, mail_dir, localstripe_process):
    today = timezone.localdate()
    org = OrganizationFactory(name="Contoso")
    UserFactory(organization=org, roles=[Role.BILLING_ADMIN])
    sub = SubscriptionFactory(
        organization=org, start=add_months(today, -12), payment_method=CardFactory(organization=org)
    )
    assert sub.current_period_end == today

    broker.send("offers.tasks.renew_subscription", sub.pk, today.isoformat())
    broker.send("offers.tasks.renew_subscription", sub.pk, today.isoformat())  # delivered twice: one charge
    _wait(lambda: Subscription.objects.get(pk=sub.pk).current_period_end == add_months(today, 12), worker, "renewed")
    _wait(lambda: len([m for m in _mails(mail_dir) if "renewed" in m[1]]) == 2, worker, "renewal e-mails")

    order = Order.objects.get(subscription=sub, kind="auto_renewal")
    assert order.status == OrderStatus.PAID
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]
    assert "succeeded" in worker.log_text() and "renew_subscription" in worker.log_text()


def test_a_reminder_runs_in_the_worker_and_is_sent_once(worker, broker, mail_dir):
    today = timezone.localdate()
    org = OrganizationFactory(name="Contoso")
    end = today + timezone.timedelta(days=30)
    sub = SubscriptionFactory(organization=org, end=end, auto_renew=False, payment_method=CardFactory(organization=org))

    broker.send("offers.tasks.remind_subscription", sub.pk, today.isoformat())
    broker.send("offers.tasks.remind_subscription", sub.pk, today.isoformat())
    _wait(lambda: Reminder.objects.filter(subscription=sub, kind=ReminderKind.EXPIRY_30).exists(), worker, "reminder")
    _wait(lambda: worker.log_text().count("remind_subscription") >= 4, worker, "both deliveries run")  # received+done
    assert Reminder.objects.filter(subscription=sub, kind=ReminderKind.EXPIRY_30).count() == 1
    reminders = [m for m in _mails(mail_dir) if "expires on" in m[1]]
    assert len(reminders) == 1  # the organisation's Global admin, once


def test_the_order_confirmation_is_sent_by_the_worker_in_the_buyers_language(worker, broker, mail_dir):
    org = OrganizationFactory(name="Contoso")
    buyer = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
    _subscription, payment = paid_subscription(org, user=buyer)
    order = Order.objects.get(number=payment.reference)
    order.created_by = buyer
    order.save(update_fields=["created_by"])

    broker.send("offers.tasks.send_order_confirmation", order.pk)
    _wait(lambda: _mails(mail_dir), worker, "order confirmation")
    [(recipient, subject)] = _mails(mail_dir)
    assert recipient == buyer.email
    assert subject == "Ваш заказ подтвержден. Заказ %s" % order.number
