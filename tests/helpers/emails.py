"""Every kind of e-mail the portal sends, each set off the way production sets it off, for the e-mail tests.

``KINDS`` maps a kind to its trigger and to a phrase of its subject and one of its body in English and
in Russian. A trigger takes a ``World`` (an organisation whose users, staff and billing contact write
in the languages it was made with) and sends the e-mail; the tests read ``mail.outbox``.

The list is the portal's whole catalogue of e-mails: tests/partnerportal/test_email_catalogue.py
checks that every e-mail template has a kind here, so a new e-mail cannot skip the tests.
"""

import datetime
from dataclasses import dataclass, field

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing.models import BillingProfile, Invoice
from billing.reconciliation import Difference, Kind, ReconciliationReport, reconciliation_notify
from membership.models import Competency, Role, User
from membership.services import competencies_send_expiry_reminders, invitation_create
from offers.demo_catalogue import load_demo_catalogue
from offers.emails import send_lifecycle_email
from offers.models import ReminderKind, Subscription, SubscriptionStatus
from offers.services import subscription_renew
from support import services as support
from support.models import RefundKind, RequestStatus, Severity
from tests.factories.billing import DECLINED_CARD, CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.helpers.checkout import buy, to_review
from tests.helpers.lifecycle import committed

CONTACT = "ap@contoso.example"


@dataclass
class World:
    """An organisation (its Global admin, a Billing admin, a billing contact) and a staff member.

    The users and the staff write in ``language``; the billing contact in ``contact_language``.
    ``client`` is the test client, signed out between triggers.
    """

    client: object
    language: str = "en"
    contact_language: str = "en"
    org: object = None
    admin: object = None
    staff: object = None
    made: dict = field(default_factory=dict)

    def __post_init__(self):
        load_demo_catalogue()
        self.org = OrganizationFactory(name="Contoso")
        self.admin = User.objects.get(organization=self.org)  # the Global admin who enrolled it
        UserFactory(organization=self.org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example")
        User.objects.filter(organization=self.org).update(language=self.language)
        self.admin.refresh_from_db()
        BillingProfile.objects.filter(organization=self.org).update(
            billing_contact_email=CONTACT, billing_contact_language=self.contact_language
        )
        self.staff = StaffFactory(email="agent@support.example")
        User.objects.filter(pk=self.staff.pk).update(language=self.language)
        self.staff.refresh_from_db()

    def bought(self):
        """A purchase through the wizard, by the Global admin: (invoice, order), made once."""
        if "bought" not in self.made:
            self.client.force_login(self.admin)
            order = to_review(self.client, load_demo_catalogue())
            with _on_commit():
                assert buy(self.client, order).status_code == 302
            self.client.logout()
            order.refresh_from_db()
            self.made["bought"] = (Invoice.objects.get(reference=order.number), order)
        return self.made["bought"]

    def subscription(self, *, card_number=None, days_left=0):
        """A live subscription of the organisation whose term ends in ``days_left`` days."""
        card = CardFactory(organization=self.org, **({"number": card_number} if card_number else {}))
        end = timezone.localdate() + datetime.timedelta(days=days_left)
        return SubscriptionFactory(organization=self.org, end=end, payment_method=card)

    def request(self, **kwargs):
        return ServiceRequestFactory(user=self.admin, **kwargs)


def _on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def _today():
    return timezone.localdate().isoformat()


# --- The triggers ---------------------------------------------------------------------------------


def order_confirmed(world):
    world.bought()


def renewal_succeeded(world):
    subscription = world.subscription()
    committed(subscription_renew, subscription_id=subscription.pk, today=_today())


def renewal_failed(world):
    subscription = world.subscription(card_number=DECLINED_CARD)
    committed(subscription_renew, subscription_id=subscription.pk, today=_today())


def renewal_failed_final(world):
    """The last retry fails: the final failure notice and the after-expiry one."""
    subscription = world.subscription(card_number=DECLINED_CARD)
    Subscription.objects.filter(pk=subscription.pk).update(
        status=SubscriptionStatus.PAST_DUE,
        renewal_attempts=3,
        next_renewal_attempt_on=timezone.localdate(),
        current_period_end=timezone.localdate() - datetime.timedelta(days=7),
    )
    committed(subscription_renew, subscription_id=subscription.pk, today=_today())


def _reminder(template, kind, days_left):
    def trigger(world):
        subscription = world.subscription(days_left=days_left)
        send_lifecycle_email(
            template=template, subscription_id=subscription.pk, extra={"kind": kind, "days_left": days_left}
        )

    return trigger


def request_reply(world):
    service_request = world.request()
    committed(support.message_add, service_request=service_request, author=world.staff, body="Here is the answer.")


def request_status(world):
    service_request = world.request()
    committed(
        support.request_change_status,
        service_request=service_request,
        to_status=RequestStatus.WAITING_ON_PARTNER,
        actor=world.staff,
    )


def request_cancelled(world):
    """A cancellation with a full refund: the credit note goes to the requester and the contact."""
    invoice, order = world.bought()
    service_request = world.request(subscription=order.subscription, wants_cancellation=True)
    # A full refund is above the four-eyes threshold (R23): two members of finance staff approve it.
    for approver in (StaffFactory(), StaffFactory()):
        committed(
            support.cancellation_process,
            service_request=service_request,
            refund_kind=RefundKind.FULL,
            actor=approver,
            expected_amount=order.amount,
        )


def sla_warning(world):
    service_request = world.request(severity=Severity.CRITICAL)
    support.request_assign(service_request=service_request, assignee=world.staff, actor=world.staff)
    later = timezone.now() + datetime.timedelta(days=10)
    committed(support.sla_warn, service_request_id=service_request.pk, now=later)


def invitation(world):
    committed(invitation_create, actor=world.admin, email="new@contoso.example", roles=[Role.ACCOUNT_ADMIN])


def competency_reminder(world):
    today = timezone.localdate()
    Competency.objects.create(
        organization=world.org,
        solution_area="cloud_platform",
        level="silver",
        granted_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=20),
    )
    committed(competencies_send_expiry_reminders, today=today)


def reconciliation(world):
    difference = Difference(
        kind=Kind.MISSING_AT_STRIPE, object_type="payment", local_reference="ORD-1 #1", local_amount=100
    )
    reconciliation_notify(report=ReconciliationReport(checked_at=timezone.now(), differences=[difference]))


def password_reset(world):
    world.client.logout()
    world.client.post(reverse("password_reset"), {"email": world.admin.email})


@dataclass(frozen=True)
class EmailKind:
    trigger: object
    template: str
    subject: tuple  # (English, Russian) words of the subject
    body: tuple  # (English, Russian) words of the text and of the HTML part
    about_money: bool = False  # the billing contact receives it too


HELLO = ("Hello", "Здравствуйте")
LIFECYCLE = "offers/emails/lifecycle/"
KINDS = {
    "order_confirmed": EmailKind(
        order_confirmed,
        "offers/emails/order_confirmed",
        ("Your order is confirmed.", "Ваш заказ подтвержден."),
        HELLO,
        True,
    ),
    "upcoming_renewal": EmailKind(
        _reminder("upcoming_renewal", ReminderKind.UPCOMING_RENEWAL, 30),
        LIFECYCLE + "upcoming_renewal",
        ("renews automatically on", "Автоматическое продление"),
        HELLO,
        True,
    ),
    "card_expires": EmailKind(
        _reminder("card_expires", ReminderKind.CARD_EXPIRES, 30),
        LIFECYCLE + "card_expires",
        ("Update your card before", "Обновите карту до продления"),
        HELLO,
        True,
    ),
    "expiry_reminder": EmailKind(
        _reminder("expiry_reminder", ReminderKind.EXPIRY_7, 7),
        LIFECYCLE + "expiry_reminder",
        (": renew it", "продлите подписку"),
        HELLO,
    ),
    "renewal_succeeded": EmailKind(
        renewal_succeeded, LIFECYCLE + "renewal_succeeded", ("has been renewed", "Подписка продлена"), HELLO, True
    ),
    "renewal_failed": EmailKind(
        renewal_failed,
        LIFECYCLE + "renewal_failed",
        ("The automatic renewal of", "Не удалось автоматически продлить подписку"),
        HELLO,
        True,
    ),
    "renewal_failed_final": EmailKind(
        renewal_failed_final,
        LIFECYCLE + "renewal_failed",
        ("The automatic renewal of", "Не удалось автоматически продлить подписку"),
        HELLO,
        True,
    ),
    "expired": EmailKind(
        renewal_failed_final, LIFECYCLE + "expired", ("has expired", "Срок действия подписки истек"), HELLO
    ),
    "request_reply": EmailKind(
        request_reply, "support/email/reply", ("New reply to your service request", "Новый ответ на ваш запрос"), HELLO
    ),
    "request_status": EmailKind(request_status, "support/email/status", ("is now:", "теперь:"), HELLO),
    "request_cancelled": EmailKind(
        request_cancelled,
        "support/email/cancelled",
        ("Your subscription is cancelled", "Ваша подписка отменена"),
        HELLO,
        True,
    ),
    "sla_warning": EmailKind(
        sla_warning,
        "support/email/sla_warning",
        ("of its target", "времени по цели"),
        ("Open the request", "Открыть запрос"),
    ),
    "invitation": EmailKind(
        invitation,
        "membership/email/invitation",
        ("You are invited to", "Вас приглашают в"),
        ("Open this link to set your name and password", "Откройте эту ссылку, чтобы указать имя и пароль"),
    ),
    "competency_reminder": EmailKind(
        competency_reminder,
        "membership/email/competency_reminder",
        ("competency expires on", "Срок действия вашей компетенции"),
        ("Contact the program to renew it", "Обратитесь в программу"),
    ),
    "reconciliation": EmailKind(
        reconciliation,
        "billing/emails/reconciliation",
        ("Reconciliation with Stripe", "Выверка со Stripe"),
        ("Checked:", "Проверено:"),
    ),
    "password_reset": EmailKind(
        password_reset,
        "registration/password_reset",
        ("Reset your Partner Center password", "Сброс пароля в Центре партнеров"),
        ("Choose a new password here:", "Выберите новый пароль здесь:"),
    ),
}


def sent(kind):
    """The messages of ``kind`` in the outbox (its subject, in either language)."""
    english, russian = KINDS[kind].subject
    return [m for m in mail.outbox if english in m.subject or russian in m.subject]
