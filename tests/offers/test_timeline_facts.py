"""R16: timeline and activity entries keep facts; the page says them in the reader's language.

Every timeline kind and every activity verb the apps write is rendered in English and in Russian:
the Russian page shows no English sentence, no amount in minor units, money as "475,00 $" and no
internal id; the English page shows "US$475.00".
"""

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from membership.activity_verbs import ACTIVITY_RENDERERS, ACTIVITY_VERBS, activity_text
from membership.models import ActivityEntry, Role
from membership.services import member_roles_update
from offers.models import LicenseKey, TimelineKind
from offers.selectors import subscription_timeline
from offers.services import benefit_activate, license_key_issue, seat_assign, timeline_add
from offers.services.subscriptions import subscription_turn_off_auto_renewal
from support.models import CancellationReason, ProblemType, Severity
from support.services import request_file
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


@pytest.fixture(autouse=True)
def _language_restored():
    # A Russian reader's request leaves Russian active in this thread; the next test expects English.
    with translation.override("en"):
        yield


ORDER = "261130-ABCD"
# Three or more Latin-only words in a row: an English sentence (product names of up to two words pass).
ENGLISH = re.compile(r"\b[A-Za-z]+(?: [A-Za-z]+){2,}\b")
MINOR_UNITS = re.compile(r"\b47500\b|\b39041\b|\b10000\b")

# The facts each writer stores, kind by kind (the writers themselves run in subscription() below).
WRITTEN_DIRECTLY = {
    TimelineKind.RENEWED: {
        "order": "261201-RENW",
        "amount": 47500,
        "currency": "USD",
        "start": "2027-11-30",
        "end": "2028-11-30",
    },
    TimelineKind.AUTO_RENEWED: {
        "order": "271130-AUTO",
        "amount": 47500,
        "currency": "USD",
        "start": "2028-11-30",
        "end": "2029-11-30",
    },
    TimelineKind.RENEWAL_FAILED: {"order": "281130-FAIL", "attempt": 2, "reason": "card_missing"},
    TimelineKind.PAST_DUE: {},
    TimelineKind.EXPIRED: {"reason": "retries_exhausted"},
    TimelineKind.REMINDER_SENT: {"reminder": "expiry_30"},
    TimelineKind.PAYMENT_FAILED: {"order": ORDER, "attempt": 1, "reason": "insufficient_funds"},
    TimelineKind.CANCELLED: {"request": "SR-000042", "refund": "prorated"},
    TimelineKind.REFUNDED: {
        "amount": 39041,
        "currency": "USD",
        "refund": "prorated",
        "request": "SR-000042",
        "order": ORDER,
    },
}


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Contoso")


@pytest.fixture
def subscription(org, stripe_settings):
    """A subscription whose timeline holds every kind, most written by the services that write them."""
    admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], first_name="Ann", last_name="Lee")
    subscription = SubscriptionFactory(organization=org, start="2026-11-30", order_number=ORDER, actor=admin)
    benefits = {b.code: b for b in subscription.offer.benefits.all()}
    benefit_activate(actor=admin, subscription=subscription, benefit=benefits["developer-tools"])
    LicenseKey.objects.create(benefit=benefits["windows-10-enterprise"], key="AAAAA-BBBBB-CCCCC")
    license_key_issue(actor=admin, subscription=subscription, benefit=benefits["windows-10-enterprise"])
    seat_assign(actor=admin, subscription=subscription, benefit=benefits["office-365-e3"], user=admin)
    request_file(
        user=admin,
        problem_type=ProblemType.INVOICE_PAYMENT,
        title="Отмена подписки",
        description="Пожалуйста, отмените.",
        severity=Severity.choices[0][0],
        subscription=subscription,
        wants_cancellation=True,
        cancellation_reason=CancellationReason.TOO_EXPENSIVE,
    )
    subscription_turn_off_auto_renewal(subscription=subscription, actor=admin)
    for kind, data in WRITTEN_DIRECTLY.items():
        timeline_add(subscription=subscription, kind=kind, data=data)
    timeline_add(subscription=subscription, kind=TimelineKind.NOTE, actor=admin, detail="Позвонили клиенту")
    return subscription


def _timeline_text(client, user, subscription) -> str:
    client.force_login(user)
    html = client.get(reverse("subscriptions:detail", args=[subscription.pk])).content.decode()
    table = re.search(r'<table data-testid="timeline">(.*?)</table>', html, re.S).group(1)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", table))


# Kinds whose label says it all, or a person's note shown as written: no renderer.
SAID_BY_THEIR_LABEL = {TimelineKind.PAST_DUE, TimelineKind.AUTO_RENEW_OFF, TimelineKind.NOTE}
# What the services log about a subscription: every kind but the benefit one, which the benefit
# services log under the verb of each action (the kind stays for entries written before).
WRITTEN = {kind.verb for kind in TimelineKind if kind != TimelineKind.BENEFIT_ACTIVATED} | {
    "benefit.activated",
    "benefit.license_issued",
    "benefit.seat_assigned",
}


def test_every_timeline_kind_has_a_renderer_and_is_written_here(subscription):
    assert {kind.verb for kind in TimelineKind} <= set(ACTIVITY_VERBS)
    assert {verb for verb in ACTIVITY_RENDERERS if verb.startswith("subscription.")} == {
        kind.verb for kind in TimelineKind if kind not in SAID_BY_THEIR_LABEL
    }
    assert set(subscription_timeline(subscription=subscription).values_list("verb", flat=True)) == WRITTEN
    for entry in subscription_timeline(subscription=subscription):
        # Facts, never a sentence: only a person's note keeps text.
        assert "text" not in entry.data or entry.verb == TimelineKind.NOTE.verb, (entry.verb, entry.data)


def test_the_timeline_in_english(client, org, subscription):
    text = _timeline_text(client, UserFactory(organization=org, language="en"), subscription)
    assert f"Order {ORDER}: US$475.00, term from Nov. 30, 2026 to Nov. 30, 2027" in text
    assert "US$390.41 refunded (prorated refund) for order 261130-ABCD, service request SR-000042" in text
    assert "Order 281130-FAIL: automatic renewal charge failed (attempt 2): The card on file can no longer" in text
    assert "Order 261130-ABCD, attempt 1: Your card has insufficient funds" in text
    assert "Automatic renewal failed after the last retry." in text
    assert "Expires in 30 days" in text
    assert "Cancelled through service request SR-000042 (prorated refund)" in text
    assert "Windows 10 Enterprise (upgrade) licenses: license key •••••-CCCCC issued" in text
    assert "Office 365 (E3) seats: seat 1 assigned to" in text
    assert "Cancellation requested." in text and "Позвонили клиенту" in text
    assert not MINOR_UNITS.search(text), MINOR_UNITS.search(text)
    assert "payment" not in text.replace("Payment failed", "")  # no internal payment id


def test_the_timeline_in_russian_has_no_english_sentence_and_no_minor_units(client, org, subscription):
    text = _timeline_text(client, UserFactory(organization=org, language="ru"), subscription)
    assert f"Заказ {ORDER}: 475,00{NBSP}$, срок с 30 ноября 2026 по 30 ноября 2027" in text
    assert f"Возвращено 390,41{NBSP}$ (пропорциональный возврат средств) за заказ {ORDER}" in text
    assert "Отменена по запросу на обслуживание SR-000042" in text and "Запрошена отмена." in text
    assert "Лицензии (на обновление) Windows 10 Корпоративная: выдан лицензионный ключ" in text
    assert "Сохранённую карту больше нельзя использовать" in text  # the decline reason, translated
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert not MINOR_UNITS.search(text) and "US$" not in text


def test_a_note_or_an_unparsed_old_sentence_is_shown_as_written():
    assert activity_text(TimelineKind.NOTE.verb, {"text": "Called the partner"}) == "Called the partner"
    assert activity_text(TimelineKind.PURCHASED.verb, {"text": "Order X: something odd"}) == "Order X: something odd"
    assert activity_text(TimelineKind.PURCHASED.verb, {}) == ""


# --- The activity log --------------------------------------------------------------------------

ACTIVITY_FACTS = {
    "organization.signed_up": {},
    "organization.enrolled": {"agreement": "2026-01"},
    "invitation.sent": {"roles": ["billing_admin", "global_admin"]},
    "invitation.revoked": {},
    "invitation.accepted": {"roles": ["account_admin"]},
    "user.roles_changed": {"before": ["account_admin"], "after": ["billing_admin"]},
    "user.deactivated": {"sessions": 2},
    "user.reactivated": {},
    "competency.granted": {"expires_on": "2027-06-30"},
    "competency.changed": {"expires_on": "2027-06-30"},
    "competency.renewed": {"expires_on": "2027-06-30"},
    "competency.expired": {},
    "competency.reminder_sent": {"expires_on": "2027-06-30"},
    "payment_method.added": {},
    "payment_method.made_default": {},
    "payment_method.removed": {},
    "billing_profile.saved": {},
    "service_request.filed": {"request": "SR-000042", "title": "Отмена подписки"},
    "service_request.replied": {},
    "service_request.status_changed": {"from": "open", "to": "in_progress"},
    "service_request.assigned": {"assignee": "Иван Петров"},
    "benefit.activated": {"benefit": "vsts-account", "name": "No-cost account", "name_ru": "Бесплатная учетная запись"},
    "benefit.license_issued": {"name": "Licenses", "name_ru": "Лицензии", "key": "•••••-CCCCC"},
    "benefit.seat_assigned": {"name": "Seats", "name_ru": "Места", "user": "ann@contoso.example"},
    "benefit.seat_released": {"name": "Seats", "name_ru": "Места", "user": "ann@contoso.example"},
    **{f"subscription.{kind}": data for kind, data in WRITTEN_DIRECTLY.items()},
    "subscription.purchased": {
        "order": ORDER,
        "amount": 47500,
        "currency": "USD",
        "start": "2026-11-30",
        "end": "2027-11-30",
    },
    "subscription.auto_renew_off": {},
    "subscription.request_filed": {"request": "SR-000042", "title": "Отмена подписки", "cancellation": True},
    "subscription.benefit_activated": {"name": "Tools", "name_ru": "Средства", "action": "activated"},
    "subscription.note": {"text": "Позвонили клиенту"},
}


@pytest.fixture
def activity(org):
    ActivityEntry.objects.bulk_create(
        ActivityEntry(organization=org, verb=verb, object_repr="Contoso", data=data)
        for verb, data in ACTIVITY_FACTS.items()
    )


def test_every_verb_the_apps_write_is_covered():
    assert set(ACTIVITY_FACTS) == set(ACTIVITY_VERBS)
    # A verb with facts has a renderer for them.
    assert {verb for verb, data in ACTIVITY_FACTS.items() if data and "text" not in data} <= set(ACTIVITY_RENDERERS)


def _activity(client, user):
    client.force_login(user)
    html = client.get(reverse("membership:activity")).content.decode()
    table = re.search(r'<table id="activity">(.*?)</table>', html, re.S).group(1)
    text = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", table))
    exported = client.get(reverse("membership:activity_export")).content.decode()
    details = " | ".join(row[-1] for row in list(csv.reader(io.StringIO(exported)))[1:])
    return text, details


def test_the_activity_log_in_english(client, org, activity):
    text, details = _activity(client, UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="en"))
    for shown in (text, details):
        assert "Account admin → Billing admin" in shown and "Roles: Global admin, Billing admin" in shown
        assert "Expires on June 30, 2027" in shown and "2 sessions ended" in shown
        assert "Open → In progress" in shown
        assert f"Order {ORDER}: US$475.00, term from Nov. 30, 2026 to Nov. 30, 2027" in shown
        assert not MINOR_UNITS.search(shown)


def test_the_activity_log_in_russian_has_no_english_sentence(client, org, activity):
    text, details = _activity(client, UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru"))
    for shown in (text, details):
        assert f"Заказ {ORDER}: 475,00{NBSP}$" in shown and f"Возвращено 390,41{NBSP}$" in shown
        assert "Срок действия истекает 30 июня 2027" in shown and "2 сеанса завершено" in shown
        assert not ENGLISH.search(shown), ENGLISH.search(shown)
        assert not MINOR_UNITS.search(shown) and "US$" not in shown


def test_a_writer_stores_facts_not_english(org):
    admin = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
    member_roles_update(actor=admin, member=member, roles=[Role.BILLING_ADMIN])
    entry = ActivityEntry.objects.get(verb="user.roles_changed")
    assert entry.data == {"before": ["account_admin"], "after": ["billing_admin"]}
    with translation.override("ru"):
        expected = f"{Role.ACCOUNT_ADMIN.label} → {Role.BILLING_ADMIN.label}"
        assert entry.detail == expected and not re.search("[A-Za-z]", expected)
    with translation.override("en"):
        assert entry.detail == "Account admin → Billing admin"


def test_the_english_sentence_check_catches_what_the_issue_saw():
    assert ENGLISH.search("Cancelled through service request SR-000042 (refund: full)")
    assert MINOR_UNITS.search("Refund of 47500 USD (full) on payment 54")
