"""The cancellation path end to end: a partner files a cancellation request, staff process it in admin with a full
refund (two of them: it is above the four-eyes threshold), and the partner sees the request resolved and the
subscription cancelled (real browser)."""

import pytest

from billing.models import Refund, RefundStatus
from membership.models import Role, User
from offers.models import SubscriptionStatus
from support.models import RequestStatus, ServiceRequest
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.fixtures_infra import SCREENSHOT_DIR
from tests.helpers.localstripe import localstripe_refunds

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _shot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"cancellation_{name}.png"), full_page=True)


def _partner_login(page, base, email):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _sign_out(page):
    page.click("header form[action$='/accounts/logout/'] button")
    page.wait_for_load_state()


def test_partner_files_staff_refund_partner_sees_it_cancelled(
    live_server, browser_page, stripe_settings, localstripe_process, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    page = browser_page
    base = live_server.url
    org = OrganizationFactory(name="Contoso Browser")
    partner = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], email="partner@contoso.example")
    subscription, payment = paid_subscription(org, user=partner)
    User.objects.create_superuser(email="staff@support.example", password=PASSWORD)
    User.objects.create_superuser(email="staff2@support.example", password=PASSWORD)

    # Partner: Support → Service requests → Report problems with Partner Center → New request.
    _partner_login(page, base, partner.email)
    page.click("nav.menu >> text=Service requests")
    page.click("text=Report problems with Partner Center")
    page.click("#new-request")
    page.select_option("#id_problem_type", "invoice_payment")
    assert page.is_visible("#id_subscription")
    page.select_option("#id_subscription", str(subscription.pk))
    page.check("#id_wants_cancellation")
    # Before Submit: what cancelling today would refund (staff's rule), and a reason from the list.
    quote = page.inner_text(f"#refund-quote-{subscription.pk}")
    assert "Day 0 of 30, no benefit activated: full refund of US$475.00, tax included." in quote
    page.check("input[name=cancellation_reason][value=bought_by_mistake]")
    page.fill("#id_title", "Please cancel our Action Pack")
    page.fill("#id_description", "We bought it by mistake.")
    _shot(page, "1_partner_form")
    page.click("#submit-request")
    page.wait_for_selector("#request-status")
    service_request = ServiceRequest.objects.get()
    assert page.inner_text("#request-status") == "Open"
    assert service_request.number in page.inner_text("h1")
    _shot(page, "2_partner_filed")
    _sign_out(page)

    # Staff: the queue in admin → the request → Process cancellation → Full refund → confirm.
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "staff@support.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(base + "/admin/support/servicerequest/")
    page.click(f"text={service_request.number}")
    _shot(page, "3_staff_request")
    page.click("#process-cancellation")
    assert "Eligible for a full refund." in page.inner_text("#eligibility-verdict")
    page.check("#kind-full")
    page.click("#review-button")
    assert "Full refund of US$475.00" in page.inner_text("#confirm-text")
    _shot(page, "4_staff_confirm")
    page.click("#confirm-button")
    page.wait_for_selector(".messagelist .success")
    # US$475.00 is above the four-eyes threshold (R23): a second member of staff approves it.
    assert "is recorded" in page.inner_text(".messagelist .success")
    assert not Refund.objects.exists()
    page.click("#logout-form button")
    page.wait_for_load_state()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", "staff2@support.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(base + "/admin/support/servicerequest/%d/process-cancellation/" % service_request.pk)
    page.click("#review-button")
    assert "Full refund of US$475.00" in page.inner_text("#confirm-text")
    page.click("#confirm-button")
    page.wait_for_selector(".messagelist .success")
    assert "resolved" in page.inner_text(".messagelist .success")
    _shot(page, "5_staff_done")
    page.click("#logout-form button")
    page.wait_for_load_state()

    refund = Refund.objects.get()
    assert refund.status == RefundStatus.SUCCEEDED and refund.amount == payment.amount
    assert [r["amount"] for r in localstripe_refunds(localstripe_process, payment.stripe_payment_intent_id)] == [
        payment.amount
    ]

    # Partner: Service requests > Partner Center requests → Open → resolved, subscription cancelled.
    _partner_login(page, base, partner.email)
    page.click("nav.menu >> text=Service requests")
    row = page.locator(f"tr[data-number='{service_request.number}']")
    assert "Resolved" in row.inner_text()
    row.locator("text=Open").click()
    page.wait_for_selector("#request-status")
    assert page.inner_text("#request-status") == "Resolved"
    assert page.inner_text("#subscription-status") == "Cancelled"
    assert "is cancelled" in page.inner_text("#conversation") and "US$475.00" in page.inner_text("#conversation")
    _shot(page, "6_partner_resolved")
    subscription.refresh_from_db()
    service_request.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CANCELLED
    assert service_request.status == RequestStatus.RESOLVED
