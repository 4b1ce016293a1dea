"""A four-eyes refund through Django admin in a real browser, in English and in Russian (R23): a member of
finance staff approves a refund above the threshold and nothing moves; the same person cannot give the
second approval; another member of finance staff approves it and exactly one refund is made; the
decisions list shows who approved what."""

import pytest
from django.contrib.auth.models import Group

from billing.models import Refund, RefundStatus
from membership.models import Role, User
from offers.models import SubscriptionStatus
from support.models import CancellationDecision, DecisionStatus, RequestStatus
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.fixtures_infra import SCREENSHOT_DIR
from tests.helpers.localstripe import localstripe_refunds

# The groups are made by a data migration, and live_server's transactional tests flush the tables
# after each test: the staff_groups fixture makes them again from the migration's list. (Not
# serialized_rollback: after an earlier flush, reloading the serialized content types collides with
# those post_migrate made again.)
pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.django_db(transaction=True),
]

LABELS = {
    "en": {
        "first_of_two": "your approval is the first of two",
        "recorded": "is recorded",
        "waiting": "Waiting for a second approval",
        "approved": "1. finance1@support.example approved Full refund (US$475.00)",
        "approved_by_me": "You gave the first approval",
        "second": "Your approval is the second (the first is by finance1@support.example)",
        "done": "resolved",
        "second_approved": "2. finance2@support.example approved Full refund (US$475.00)",
    },
    "ru": {
        "first_of_two": "ваше одобрение — первое из двух",
        "recorded": "записано",
        "waiting": "Ожидает второго одобрения",
        "approved": "1. finance1@support.example одобрил(а): Полный возврат (475,00\u00a0$)",
        "approved_by_me": "Вы дали первое одобрение",
        "second": "Ваше одобрение — второе (первое дал(а) finance1@support.example)",
        "done": "решен",
        "second_approved": "2. finance2@support.example одобрил(а): Полный возврат (475,00\u00a0$)",
    },
}


def _shot(page, language, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"four_eyes_{language}_{name}.png"), full_page=True)


def _finance(email, language):
    user = User.objects.create_user(email=email, password=PASSWORD, is_staff=True, language=language)
    user.groups.add(Group.objects.get(name="Finance staff"))
    return user


def _admin_login(page, base, email):
    page.goto(base + "/admin/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def _open_process_page(page, base, service_request):
    page.goto(base + "/admin/support/servicerequest/%d/change/" % service_request.pk)
    page.click("#process-cancellation")
    page.wait_for_selector("#process-form")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_refund_above_the_threshold_needs_two_different_finance_staff(
    live_server, browser_page, stripe_settings, localstripe_process, staff_groups, language
):
    page = browser_page
    base = live_server.url
    label = LABELS[language]
    org = OrganizationFactory(name="Contoso Four Eyes")
    partner = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], email="partner@contoso.example")
    subscription, payment = paid_subscription(org, user=partner)  # US$475.00, above US$400.00
    service_request = ServiceRequestFactory(user=partner, subscription=subscription, wants_cancellation=True)
    _finance("finance1@support.example", language)
    _finance("finance2@support.example", language)

    # The first member of finance staff: Full refund → review (first of two) → confirm: nothing moves.
    _admin_login(page, base, "finance1@support.example")
    _open_process_page(page, base, service_request)
    page.check("#kind-full")
    page.click("#review-button")
    assert label["first_of_two"] in page.inner_text("#approval-note")
    _shot(page, language, "1_first_review")
    page.click("#confirm-button")
    page.wait_for_selector(".messagelist .success")
    assert label["recorded"] in page.inner_text(".messagelist .success")
    assert (
        not Refund.objects.exists() and localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id) == []
    )
    # The same person cannot give the second approval: the page says so and the button is off.
    _open_process_page(page, base, service_request)
    assert label["waiting"] in page.inner_text("#awaiting-approval")
    assert label["approved"] in page.inner_text("#awaiting-approval")
    assert label["approved_by_me"] in page.inner_text("#approved-by-me")
    assert page.is_disabled("#review-button")
    _shot(page, language, "2_first_cannot_approve_again")
    page.click("#logout-form button")
    page.wait_for_load_state()

    # Another member of finance staff sees the waiting decision and gives the second approval.
    _admin_login(page, base, "finance2@support.example")
    _open_process_page(page, base, service_request)
    assert label["approved"] in page.inner_text("#awaiting-approval")
    assert page.is_checked("#kind-full")
    page.click("#review-button")
    assert label["second"] in page.inner_text("#approval-note")
    _shot(page, language, "3_second_review")
    page.click("#confirm-button")
    page.wait_for_selector(".messagelist .success")
    assert label["done"] in page.inner_text(".messagelist .success")

    # The decisions list shows who approved what.
    page.goto(base + "/admin/support/cancellationdecision/")
    listing = page.inner_text("#result_list")
    assert label["approved"] in listing and label["second_approved"] in listing
    _shot(page, language, "4_decisions")

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount == payment.amount
    assert [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)] == [
        payment.amount
    ]
    decision = CancellationDecision.objects.get()
    assert decision.status == DecisionStatus.COMPLETED
    assert [a.approver.email for a in decision.approvals.all()] == [
        "finance1@support.example",
        "finance2@support.example",
    ]
    subscription.refresh_from_db()
    service_request.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED and service_request.status == RequestStatus.RESOLVED
