"""The whole partner journey in a real browser, in English and in Russian.

enrol through /signup/ → the Global admin invites a Billing admin → the invitee opens the e-mailed link,
sets a password, signs in → buys the Action Pack with localstripe's card element → turns off automatic
renewal (one way) → renews (auto-renewal on again) → the Global admin files a cancellation request →
staff process it in admin with a full refund → the partner sees the request Resolved and the
subscription Cancelled.

The journey talks to the portal only through the browser and the `journey_target` (base_url, manage(),
mail_to()), so it runs against pytest-django's live_server or a separate production-like stack alike
(see tests/journey/conftest.py). Screenshots: artifacts/screenshots/journey/<lang>/<NN>_<step>.png.
"""

import datetime
import re
import uuid

import pytest
from playwright.sync_api import expect

from membership.dates import add_months
from tests.journey.helpers import (
    NAVIGATION_TIMEOUT_MS,
    Shots,
    field_label,
    fill_card,
    menu_link,
    open_browser,
    sign_in,
    sign_out,
    switch_language,
    url_path,
)
from tests.journey.labels import LABELS

# transaction=True: the live server answers from another thread, so the test must commit what it writes.
# The mark also makes pytest-django create the test database at all (it looks for marks before the session).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(300), pytest.mark.django_db(transaction=True)]

PASSWORD = "Journey-pass-2026!"
STAFF_EMAIL = "staff@partner.example"  # the demo superuser of `manage.py load_demo_data`
STAFF_PASSWORD = "demo-pass-2026"
FINANCE_EMAIL = "finance@partner.example"  # the demo's "Finance staff" member, the second pair of eyes (R23)
DAYS_LEFT = 10  # the term is moved to end this many days from today: inside the R8 renewal window

# Run through `manage.py shell -c` on the target, so a server in another process sees the change.
# Saved (not QuerySet.update), so the organisation's data version is replaced and its cached pages
# miss, as for any change the portal makes.
MOVE_TERM_END = """
import datetime, json
from django.utils import timezone
from offers.models import Subscription
from membership.dates import add_months
end = timezone.localdate() + datetime.timedelta(days=%(days)d)
start = add_months(end, -12)
subscription = Subscription.objects.filter(pk=%(pk)d).first()
if subscription is not None:
    subscription.started_on, subscription.current_period_start, subscription.current_period_end = start, start, end
    subscription.save(update_fields=["started_on", "current_period_start", "current_period_end"])
updated = int(subscription is not None)
print(json.dumps({"updated": updated, "start": start.isoformat(), "end": end.isoformat()}))
"""

SUBSCRIPTION_STATE = """
import json
from billing.models import Refund
from offers.models import Order
from offers.models import Subscription
s = Subscription.objects.get(pk=%(pk)d)
print(json.dumps({
    "status": s.status,
    "auto_renew": s.auto_renew,
    "start": s.current_period_start.isoformat(),
    "end": s.current_period_end.isoformat(),
    "paid_orders": sorted(Order.objects.filter(subscription=s, status="paid").values_list("kind", flat=True)),
    "refunds": list(Refund.objects.filter(payment__reference__in=s.orders.values("number")).values_list("amount", "status")),
}))
"""


@pytest.mark.parametrize("language", ["en", "ru"])
def test_full_partner_journey(language, journey_target, browser_page):
    target = journey_target
    shot = Shots(language)
    browser = browser_page.context.browser
    run = uuid.uuid4().hex[:8]  # unique names: a long-lived stack keeps the data of earlier runs
    org_name = "Northwind %s %s" % (language.upper(), run)
    grace = "grace-%s-%s@northwind.example" % (language, run)
    bill = "bill-%s-%s@northwind.example" % (language, run)
    target.manage("load_demo_data")  # idempotent: the offer catalogue and the staff superuser
    try:
        _journey(
            language=language, target=target, shot=shot, admin=browser_page, org_name=org_name, grace=grace, bill=bill
        )
    except BaseException:
        shot.failed(browser)  # every person's page, not only the fixture's
        raise


def _journey(*, language, target, shot, admin, org_name, grace, bill):
    """admin: Grace's page (the future Global admin); Bill and the staff member get their own browsers."""
    label, base, browser = LABELS[language], target.base_url, admin.context.browser

    # 1. Enrol the organisation through /signup/, accepting the network agreement.
    admin.context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    admin.goto(base + "/signup/")
    switch_language(admin, language)
    admin.get_by_label(label["organisation_name"]).fill(org_name)
    admin.get_by_label(label["first_name"]).fill("Grace")
    admin.get_by_label(label["last_name"]).fill("Global")
    admin.get_by_label(label["work_email"]).fill(grace)
    admin.get_by_label(field_label(label["password"])).fill(PASSWORD)
    admin.get_by_label(field_label(label["password_again"])).fill(PASSWORD)
    admin.get_by_label(label["agreement"]).check()
    shot(admin, "signup")
    admin.get_by_role("button", name=label["enrol"], exact=True).click()
    expect(admin).to_have_url(url_path("/membership/dashboard/"))
    expect(admin.get_by_role("status").filter(has_text=label["welcome"])).to_be_visible()
    expect(admin.locator("header")).to_contain_text(org_name)
    shot(admin, "enrolled_dashboard")

    # 2. As Global admin: Users → Invite a user → Billing admin.
    menu_link(admin, label["users"]).click()
    admin.get_by_role("link", name=label["invite_user"]).click()
    admin.get_by_label(field_label(label["email"])).fill(bill)
    admin.get_by_label(field_label(label["billing_admin"])).check()
    shot(admin, "invite")
    admin.get_by_role("button", name=label["send_invitation"]).click()
    expect(admin).to_have_url(url_path("/membership/users/"))
    expect(admin.get_by_role("status").filter(has_text=label["invitation_sent"] % bill)).to_be_visible()
    shot(admin, "invitation_sent")

    # 3. The invitee opens the link from the e-mail in his own browser, sets a password, signs in.
    body = target.mail_to(bill, containing="/membership/invitations/accept/")
    link = re.search(r"https?://\S+/membership/invitations/accept/\S+/", body).group(0)
    assert link.startswith(base), (link, base)  # the link names the portal the invitee must reach
    billing = open_browser(browser)  # Bill, the Billing admin
    billing.goto(link)
    switch_language(billing, language)
    expect(billing.locator("h1")).to_contain_text(org_name)
    billing.get_by_label(label["first_name"]).fill("Bill")
    billing.get_by_label(label["last_name"]).fill("Billing")
    billing.get_by_label(field_label(label["password"])).fill(PASSWORD)
    billing.get_by_label(field_label(label["password_again"])).fill(PASSWORD)
    shot(billing, "invitation_accept")
    billing.get_by_role("button", name=label["create_account"]).click()
    expect(billing).to_have_url(url_path("/accounts/login/"))
    expect(billing.get_by_role("status").filter(has_text=label["account_ready"])).to_be_visible()
    sign_in(billing, base, bill, PASSWORD, language)
    expect(billing.locator("header")).to_contain_text("Bill Billing")
    shot(billing, "billing_admin_signed_in")

    # 4. Partnership > Offers → Subscribe now → terms → billing profile (a new organisation has none)
    #    → Add a way to pay → card → review → Buy.
    menu_link(billing, label["offers"]).click()
    available = billing.locator("#available-offers")
    expect(available).to_contain_text(label["available"])
    expect(available).to_contain_text(label["offer"])
    shot(billing, "offers")
    available.get_by_role("button", name=label["subscribe"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/terms/"))
    shot(billing, "terms")
    billing.get_by_role("button", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/billing-profile/"))
    expect(billing.locator("main")).to_contain_text(label["billing_profile"])
    billing.locator("#id_legal_name").fill(org_name + " GmbH")
    billing.locator("#id_street").fill("Hauptstraße 1")
    billing.locator("#id_city").fill("Berlin")
    billing.locator("#id_postal_code").fill("10115")
    billing.locator("#id_country").select_option("DE")
    billing.locator("#id_tax_id").fill("DE136695976")
    shot(billing, "billing_profile")
    billing.get_by_role("button", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/payment/"))
    billing.get_by_role("link", name=label["add_way_to_pay"], exact=True).click()
    fill_card(billing)
    shot(billing, "card")
    billing.locator("#add-card").get_by_role("button", name=label["next"], exact=True).click()
    chosen = billing.locator("#choose-card input[name=payment_method]:checked")
    expect(chosen).to_have_count(1)
    expect(billing.locator("#choose-card")).to_contain_text("4242")
    shot(billing, "card_saved")
    billing.locator("#choose-card").get_by_role("button", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/review/"))
    main = billing.locator("main")
    expect(main).to_contain_text("••4242")
    expect(main).to_contain_text(label["price"])
    expect(main).to_contain_text(label["offer"])
    shot(billing, "review")
    billing.get_by_role("button", name=label["buy"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/done/"))
    expect(billing.locator("#confirmation")).to_contain_text(label["confirmed"])
    shot(billing, "order_confirmed")
    billing.get_by_role("link", name=label["close"], exact=True).click()
    expect(billing).to_have_url(url_path("/partnership/offers/"))
    purchased = billing.locator("#purchased-offers")
    expect(purchased).to_contain_text(label["purchased"])
    shot(billing, "purchased_offers")

    # 5. Open the subscription → Turn off automatic renewal (the one-way note) → no way to turn it on.
    purchased.get_by_role("link", name=label["offer"]).click()
    expect(billing).to_have_url(url_path(r"/partnership/subscriptions/\d+/"))
    subscription_url = billing.url
    pk = int(re.search(r"/partnership/subscriptions/(\d+)/", subscription_url).group(1))
    expect(billing.get_by_role("heading", name=label["offer"], level=1)).to_be_visible()
    expect(billing.get_by_test_id("status")).to_have_text(label["subscription_active"])
    expect(billing.get_by_test_id("auto-renewal")).to_have_text(label["on"])
    purchase_state = target.shell(SUBSCRIPTION_STATE % {"pk": pk})
    assert purchase_state["status"] == "active" and purchase_state["auto_renew"], purchase_state
    assert purchase_state["paid_orders"] == ["purchase"], purchase_state
    shot(billing, "subscription_details")
    billing.get_by_role("link", name=label["turn_off"], exact=True).click()
    expect(billing.get_by_test_id("one-way-note")).to_contain_text(label["one_way_note"])
    assert target.shell(SUBSCRIPTION_STATE % {"pk": pk})["auto_renew"]  # nothing changes before the confirmation
    shot(billing, "turn_off_confirm")
    billing.get_by_role("button", name=label["turn_off"], exact=True).click()
    expect(billing).to_have_url(subscription_url)
    expect(billing.get_by_test_id("auto-renewal")).to_have_text(label["off"])
    expect(billing.get_by_role("status").filter(has_text=label["turned_off"])).to_be_visible()
    turn_on = re.compile(r"turn\w* (it |automatic renewal )?(back )?on|включ", re.I)
    expect(billing.get_by_role("link", name=turn_on)).to_have_count(0)
    expect(billing.get_by_role("button", name=turn_on)).to_have_count(0)
    expect(billing.get_by_test_id("turn-off")).to_have_count(0)
    assert target.shell(SUBSCRIPTION_STATE % {"pk": pk})["auto_renew"] is False
    shot(billing, "auto_renewal_off")

    # 6. Renewal needs the R8 window: move the term's end 10 days ahead, on the target's database.
    moved = target.shell(MOVE_TERM_END % {"pk": pk, "days": DAYS_LEFT})
    assert moved["updated"] == 1, moved
    old_end = datetime.date.fromisoformat(moved["end"])
    billing.reload()
    actions = billing.locator("section", has=billing.get_by_role("heading", name=label["actions"]))
    renew = actions.get_by_role("button", name=label["renew"], exact=True)
    expect(renew).to_be_enabled()
    shot(billing, "renewal_window_open")
    renew.click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/verify/"))
    expect(billing.locator("main")).to_contain_text(label["verify"])
    expect(billing.locator("main")).to_contain_text(label["price"])
    shot(billing, "renew_verify")
    billing.get_by_role("link", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/terms/"))
    shot(billing, "renew_terms")
    billing.get_by_role("button", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/payment/"))
    billing.locator("#choose-card").get_by_label(re.compile("4242")).check()
    shot(billing, "renew_payment")
    billing.locator("#choose-card").get_by_role("button", name=label["next"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/review/"))
    expect(billing.locator("main")).to_contain_text("••4242")
    shot(billing, "renew_review")
    billing.get_by_role("button", name=label["buy"], exact=True).click()
    expect(billing).to_have_url(url_path(r"/partnership/offers/checkout/\d+/done/"))
    expect(billing.locator("#confirmation")).to_contain_text(label["confirmed"])
    shot(billing, "renew_confirmed")
    billing.get_by_role("link", name=label["close"], exact=True).click()
    expect(billing).to_have_url(url_path("/partnership/offers/"))
    billing.locator("#purchased-offers").get_by_role("link", name=label["offer"]).click()
    expect(billing).to_have_url(subscription_url)
    expect(billing.get_by_test_id("auto-renewal")).to_have_text(label["on"])
    expect(billing.get_by_test_id("turn-off")).to_have_count(1)
    renewed = target.shell(SUBSCRIPTION_STATE % {"pk": pk})
    assert renewed["auto_renew"] and renewed["status"] == "active", renewed
    # Renewed before expiry: the new term starts at the old end date (R8).
    assert (renewed["start"], renewed["end"]) == (old_end.isoformat(), add_months(old_end, 12).isoformat()), renewed
    assert sorted(renewed["paid_orders"]) == ["purchase", "renewal"], renewed
    shot(billing, "auto_renewal_on_again")

    # 7. The Global admin files the cancellation: Report problems with Partner Center → New request.
    menu_link(admin, label["report"]).click()
    admin.get_by_role("link", name=label["new_request"], exact=True).click()
    admin.get_by_label(label["type_of_problem"]).select_option(label=label["invoice_problem"])
    which = admin.get_by_label(label["which_subscription"])
    expect(which).to_be_visible()
    option = which.locator("option", has_text=label["offer"])
    expect(option).to_have_count(1)
    which.select_option(value=option.get_attribute("value"))
    admin.get_by_label(label["wants_cancellation"]).check()
    admin.get_by_label(label["cancellation_reason"], exact=True).check()
    admin.get_by_label(field_label(label["title"])).fill(label["request_title"])
    admin.get_by_label(field_label(label["description"])).fill(label["request_description"])
    shot(admin, "cancellation_request")
    admin.get_by_role("button", name=label["submit"], exact=True).click()
    expect(admin.locator("#request-status")).to_have_text(label["status_open"])
    number = re.match(r"\s*(\S+)\s*·", admin.locator("h1").inner_text()).group(1)
    expect(admin.locator("#subscription-status")).to_have_text(label["subscription_active"])
    shot(admin, "request_filed")

    # 8. Staff in /admin/: the request → Process cancellation → full refund → confirm, twice (two people).
    staff = open_browser(browser)
    staff.goto(base + "/admin/login/")
    staff.fill("#id_username", STAFF_EMAIL)
    staff.fill("#id_password", STAFF_PASSWORD)
    staff.locator("input[type=submit]").click()
    expect(staff).to_have_url(url_path("/admin/"))
    staff.goto(base + "/admin/support/servicerequest/")
    staff.get_by_role("link", name=number, exact=True).click()
    shot(staff, "staff_request")
    staff.locator("#process-cancellation").click()
    expect(staff.locator("#eligibility-verdict")).to_have_text("Eligible for a full refund.")
    staff.locator("#kind-full").check()
    staff.locator("#review-button").click()
    expect(staff.locator("#confirm-text")).to_contain_text("Full refund of US$475.00")
    shot(staff, "staff_confirm_refund")
    staff.locator("#confirm-button").click()
    # US$475.00 is above the four-eyes threshold (R23): the demo's finance member gives the second approval.
    expect(staff.locator(".messagelist .success")).to_contain_text("is recorded")
    staff.locator("#logout-form button").click()
    staff.goto(base + "/admin/login/")
    staff.fill("#id_username", FINANCE_EMAIL)
    staff.fill("#id_password", STAFF_PASSWORD)
    staff.locator("input[type=submit]").click()
    expect(staff).to_have_url(url_path("/admin/"))
    staff.goto(base + "/admin/support/servicerequest/")
    staff.get_by_role("link", name=number, exact=True).click()
    staff.locator("#process-cancellation").click()
    expect(staff.locator("#awaiting-approval")).to_contain_text(STAFF_EMAIL)
    staff.locator("#review-button").click()
    expect(staff.locator("#approval-note")).to_contain_text("Your approval is the second")
    staff.locator("#confirm-button").click()
    expect(staff.locator(".messagelist .success")).to_contain_text("resolved")
    shot(staff, "staff_processed")

    # 9. The partner sees the request Resolved and the subscription Cancelled.
    menu_link(admin, label["service_requests"]).click()
    row = admin.locator("tr[data-number='%s']" % number)
    expect(row).to_contain_text(label["status_resolved"])
    shot(admin, "requests_resolved")
    row.get_by_role("link", name=label["open_button"], exact=True).click()
    expect(admin.locator("#request-status")).to_have_text(label["status_resolved"])
    expect(admin.locator("#subscription-status")).to_have_text(label["subscription_cancelled"])
    expect(admin.locator("#conversation")).to_contain_text(label["price"])
    shot(admin, "request_resolved")
    admin.goto(subscription_url)
    expect(admin.get_by_test_id("status")).to_have_text(label["subscription_cancelled"])
    shot(admin, "subscription_cancelled")
    final = target.shell(SUBSCRIPTION_STATE % {"pk": pk})
    assert final["status"] == "cancelled", final
    assert final["refunds"] == [[47500, "succeeded"]], final
    assert number in target.mail_to(grace, containing=number)  # the partner is told by e-mail too
    sign_out(admin)
