"""Nothing a signed-in partner sees is ever stale.

The guard for page caching: the signed-in user (organisation, roles, language, active flag) and the
content of the portal's pages may come from a cache, but a change must show on the very next request.
Each test signs in, requests its pages twice first (so a cache would be warm), then makes ONE change
the way a partner, staff member or task makes it (a portal POST, Django admin, the daily sweep, the
purchase wizard, the calendar), and asserts the next request shows it and no longer shows what it
replaced. Without caching every test passes; with caching, each one fails when the invalidation for
its kind of change (per-user, per-organisation, global, or the day) is missing.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from membership.models import Role
from offers.models import SubscriptionStatus
from support.models import RefundKind, ServiceRequest
from support.services import request_change_status
from tests.factories.billing import CardFactory, stripe_card
from tests.factories.membership import UserFactory
from tests.factories.offers import SubscriptionFactory, action_pack, paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.helpers.checkout import buy, to_review
from tests.helpers.lifecycle import at, committed, sweep
from tests.helpers.pages import form_data, text, texts

pytestmark = pytest.mark.django_db

OTHER_CARD = "5555555555554444"  # a second card, ••4444 (its brand is whatever localstripe says)
BILLING_ROLES_ONLY = "Only a user with one of these roles can do this: Global admin, Billing admin."

OFFERS = reverse("offers:offer_list")
DASHBOARD = reverse("dashboard:index")
OVERVIEW = reverse("dashboard:overview")
BILLING_HISTORY = reverse("billing:history")
PAYMENT_METHODS = reverse("billing:payment_methods")
REQUESTS = reverse("support:request_list")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts cold: what an earlier test cached (ids repeat on SQLite) must not decide this one."""
    cache.clear()
    yield
    cache.clear()


def signed_in(user):
    """A browser of the user's own, signed in (two users in one test each need their own)."""
    browser = Client()
    browser.force_login(user)
    return browser


def get(browser, url, status=200):
    response = browser.get(url)
    assert response.status_code == status, (url, response.status_code, response.get("Location"))
    return response.content.decode()


def warm(browser, *urls):
    """Request each page twice, as a cache would need to serve the second from memory; the last HTML of each."""
    pages = []
    for url in urls:
        get(browser, url)
        pages.append(get(browser, url))
    return pages[0] if len(pages) == 1 else pages


def details_url(subscription):
    return reverse("subscriptions:detail", args=[subscription.pk])


def details_row(html, label):
    """Subscription details: the value beside a row heading (Current term, Status, ...)."""
    row = re.search(r'<th scope="row">%s</th>(<td.*?</td>)</tr>' % re.escape(label), html, re.S)
    assert row, "no %r row" % label
    return text(row.group(1), "td")


def saved_cards(html):
    """Billing > Payment methods: each saved card as "Visa ••4242 Default 12/2035" (its buttons left out)."""
    rows = re.findall(r'<tr class="payment-method">\s*(<td>.*?</td>)\s*(<td>.*?</td>)', html, re.S)
    return sorted("%s %s" % (text(card, "td"), text(expiry, "td")) for card, expiry in rows)


def purchased_row(html):
    """Partnership > Offers, Purchased offers: the one subscription's row."""
    return text(html, "tr", class_="subscription")


def listed_status(html, number):
    """Service requests > Partner Center requests: the status badge in the request's row."""
    row = re.search(r'<tr data-number="%s">.*?</tr>' % re.escape(number), html, re.S)
    assert row, "%s is not listed" % number
    return text(row.group(0), "span", class_="badge")


def header_organization(html):
    return text(html, "span", class_="organization")


def admin_save(staff_browser, change_url, form_id, **changes):
    """Open a Django admin change page, change some fields and save, as staff do in the browser."""
    data = form_data(get(staff_browser, change_url), form_id)
    data.update({name: [value] for name, value in changes.items()})
    data["_save"] = ["Save"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = staff_browser.post(change_url, data)
    assert response.status_code == 302, texts(response.content.decode(), class_="errorlist")
    return response


@pytest.fixture
def card_org(org, stripe_settings):
    """Contoso, with the payment service (an emptied localstripe) at hand for cards and charges."""
    return org


# --- subscriptions: the partner, the daily sweep, staff ----------------------------------------


def test_turning_off_automatic_renewal_shows_off_on_details_offers_and_overview(org, global_admin):
    subscription = SubscriptionFactory(organization=org)
    browser = signed_in(global_admin)
    details, offers, overview = warm(browser, details_url(subscription), OFFERS, OVERVIEW)
    assert text(details, data_testid="auto-renewal") == "On"
    assert purchased_row(offers).endswith(" On")
    assert "will renew automatically" in text(overview, id="overview-action-pack")

    response = browser.post(reverse("subscriptions:turn_off_auto_renewal", args=[subscription.pk]), {"confirm": "1"})
    assert response.status_code == 302

    details = get(browser, details_url(subscription))
    assert text(details, data_testid="auto-renewal") == "Off"
    assert texts(details, data_testid="auto-renewal-off-note") and not texts(details, data_testid="turn-off")
    assert purchased_row(get(browser, OFFERS)).endswith(" Off")
    overview = text(get(browser, OVERVIEW), id="overview-action-pack")
    assert "Automatic renewal is off." in overview and "will renew automatically" not in overview


def test_the_renewal_sweep_shows_the_new_term_and_its_payment(card_org, global_admin):
    subscription = SubscriptionFactory(
        organization=card_org, start="2026-11-25", payment_method=CardFactory(organization=card_org)
    )
    with at("2027-11-25"):  # the anniversary: the pages are warm before the sweep renews it
        browser = signed_in(global_admin)
        details, offers, dashboard, history = warm(
            browser, details_url(subscription), OFFERS, DASHBOARD, BILLING_HISTORY
        )
        assert details_row(details, "Current term") == "Nov. 25, 2026 to Nov. 25, 2027"
        assert "No payment yet." in text(history, id="billing-history")

        sweep()

        details = get(browser, details_url(subscription))
        assert details_row(details, "Current term") == "Nov. 25, 2027 to Nov. 25, 2028"
        assert text(details, data_testid="status") == "Active"
        assert "Nov. 25, 2028" in purchased_row(get(browser, OFFERS))
        assert "Current term ends on Nov. 25, 2028." in text(get(browser, DASHBOARD), id="tier-action-pack")
        [payment] = texts(get(browser, BILLING_HISTORY), "tr", class_="payment")
        assert "US$475.00" in payment and "••4242" in payment and "Succeeded" in payment


def test_the_expiry_sweep_shows_expired_and_offers_subscribe_now_again(org, global_admin):
    subscription = SubscriptionFactory(organization=org, start="2026-11-25", auto_renew=False)
    with at("2027-11-25"):
        browser = signed_in(global_admin)
        details, offers, dashboard = warm(browser, details_url(subscription), OFFERS, DASHBOARD)
        assert text(details, data_testid="status") == "Active"
        assert "Your organisation already has this subscription." in offers and 'class="subscribe"' not in offers
        assert "Not subscribed" not in text(dashboard, id="tier-action-pack")

        sweep()

        assert text(get(browser, details_url(subscription)), data_testid="status") == "Expired"
        offers = get(browser, OFFERS)
        assert "Expired" in purchased_row(offers)
        assert "Your organisation already has this subscription." not in offers
        assert re.search(r'<button type="submit" class="subscribe">Subscribe now</button>', offers)
        assert "Not subscribed" in text(get(browser, DASHBOARD), id="tier-action-pack")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.EXPIRED


def test_staff_processing_a_cancellation_in_admin_shows_cancelled_resolved_and_refunded(card_org, global_admin):
    subscription, _payment = paid_subscription(card_org, user=global_admin)
    service_request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
    partner = signed_in(global_admin)
    request_url = service_request.get_absolute_url()
    details, offers, requests, request_page, history = warm(
        partner, details_url(subscription), OFFERS, REQUESTS, request_url, BILLING_HISTORY
    )
    assert text(details, data_testid="status") == "Active"
    assert listed_status(requests, service_request.number) == "Open"
    assert text(request_page, id="subscription-status") == "Active"
    assert texts(history, "tr", class_="refund") == []

    process = reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk])
    decision = {"refund_kind": RefundKind.FULL, "expected_amount": "47500", "post": "yes"}
    # US$475.00 is above the four-eyes threshold (R23): two members of finance staff approve it.
    assert signed_in(StaffFactory()).post(process, decision).status_code == 302
    staff = signed_in(StaffFactory())
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = staff.post(process, decision)
    assert done.status_code == 302

    assert text(get(partner, details_url(subscription)), data_testid="status") == "Cancelled"
    assert "Cancelled" in purchased_row(get(partner, OFFERS))
    assert listed_status(get(partner, REQUESTS), service_request.number) == "Resolved"
    request_page = get(partner, request_url)
    assert text(request_page, id="request-status") == "Resolved"
    assert text(request_page, id="subscription-status") == "Cancelled"
    assert "is cancelled. We refunded US$475.00" in text(request_page, id="conversation")
    [refund] = texts(get(partner, BILLING_HISTORY), "tr", class_="refund")
    assert "−US$475.00" in refund


# --- cards ------------------------------------------------------------------------------------


def test_adding_a_card_shows_it_on_payment_methods_billing_and_subscription_details(card_org, global_admin):
    subscription = SubscriptionFactory(organization=card_org)  # no card of its own: it renews with the default
    browser = signed_in(global_admin)
    methods, history, details = warm(browser, PAYMENT_METHODS, BILLING_HISTORY, details_url(subscription))
    assert "Your organisation has no saved card yet." in methods
    assert "Your organisation has no saved card yet." in text(history, id="payment-methods")
    assert "No card on file" in text(details, data_testid="card")

    get(browser, PAYMENT_METHODS + "?add=1")  # Get started! Add a way to pay: the card goes to Stripe...
    response = browser.post(reverse("billing:payment_method_add"), {"payment_method_id": stripe_card()})
    assert response.status_code == 302  # ...and its id comes back here

    assert saved_cards(get(browser, PAYMENT_METHODS)) == ["Visa ••4242 Default 12/2030"]
    assert "Visa ••4242 (12/2030) Default" in text(get(browser, BILLING_HISTORY), id="payment-methods")
    assert text(get(browser, details_url(subscription)), data_testid="card") == "Visa ••4242 · expires 12/2030"


def test_making_another_card_the_default_moves_the_badge_and_the_card_that_will_be_charged(card_org, global_admin):
    visa = CardFactory(organization=card_org)  # ••4242, the default
    other = CardFactory(organization=card_org, number=OTHER_CARD, exp_year=2031)
    subscription = SubscriptionFactory(organization=card_org)  # no card of its own: it renews with the default
    browser = signed_in(global_admin)
    methods, details = warm(browser, PAYMENT_METHODS, details_url(subscription))
    assert saved_cards(methods) == sorted([f"{visa} Default 12/2035", f"{other} 12/2031"])
    assert text(details, data_testid="card") == f"{visa} · expires 12/2035"

    response = browser.post(reverse("billing:payment_method_default", args=[other.pk]))
    assert response.status_code == 302

    assert saved_cards(get(browser, PAYMENT_METHODS)) == sorted([f"{visa} 12/2035", f"{other} Default 12/2031"])
    assert text(get(browser, details_url(subscription)), data_testid="card") == f"{other} · expires 12/2031"


def test_removing_the_subscriptions_card_shows_the_remaining_card_in_its_place(card_org, global_admin):
    visa = CardFactory(organization=card_org)  # ••4242, the default and the subscription's own
    other = CardFactory(organization=card_org, number=OTHER_CARD, exp_year=2031)
    subscription = SubscriptionFactory(organization=card_org, payment_method=visa)
    browser = signed_in(global_admin)
    methods, details, history = warm(browser, PAYMENT_METHODS, details_url(subscription), BILLING_HISTORY)
    assert saved_cards(methods) == sorted([f"{visa} Default 12/2035", f"{other} 12/2031"])
    assert text(details, data_testid="card") == f"{visa} · expires 12/2035"
    assert "••4242" in text(history, id="payment-methods")

    response = browser.post(reverse("billing:payment_method_remove", args=[visa.pk]))
    assert response.status_code == 302

    assert saved_cards(get(browser, PAYMENT_METHODS)) == [f"{other} Default 12/2031"]
    assert text(get(browser, details_url(subscription)), data_testid="card") == f"{other} · expires 12/2031"
    assert "••4242" not in text(get(browser, BILLING_HISTORY), id="payment-methods")


# --- users: roles and the active flag, changed by a Global admin -------------------------------


def _set_roles(admin_browser, member, roles):
    response = admin_browser.post(reverse("membership:user_roles", args=[member.pk]), {"roles": roles})
    assert response.status_code == 302


def test_taking_the_billing_role_away_forbids_billing_and_disables_subscribe_now_on_the_next_request(org, global_admin):
    action_pack()
    member = UserFactory(organization=org, roles=[Role.BILLING_ADMIN, Role.ACCOUNT_ADMIN])
    browser = signed_in(member)
    history, offers = warm(browser, BILLING_HISTORY, OFFERS)
    assert text(history, "h1") == "Billing"
    assert re.search(r'<button type="submit" class="subscribe">Subscribe now</button>', offers)

    _set_roles(signed_in(global_admin), member, [Role.ACCOUNT_ADMIN])

    forbidden = get(browser, BILLING_HISTORY, status=403)
    assert BILLING_ROLES_ONLY in forbidden
    get(browser, PAYMENT_METHODS, status=403)
    offers = get(browser, OFFERS)
    assert '<button type="button" class="subscribe" disabled>Subscribe now</button>' in offers
    assert BILLING_ROLES_ONLY in text(offers, "article", id="offer-action-pack")


def test_granting_the_billing_role_opens_billing_and_enables_subscribe_now_on_the_next_request(org, global_admin):
    action_pack()
    member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
    browser = signed_in(member)
    for _ in range(2):
        get(browser, BILLING_HISTORY, status=403)
    offers = warm(browser, OFFERS)
    assert 'class="subscribe" disabled' in offers

    _set_roles(signed_in(global_admin), member, [Role.ACCOUNT_ADMIN, Role.BILLING_ADMIN])

    assert text(get(browser, BILLING_HISTORY), "h1") == "Billing"
    offers = get(browser, OFFERS)
    assert re.search(r'<button type="submit" class="subscribe">Subscribe now</button>', offers)
    assert BILLING_ROLES_ONLY not in offers


def test_deactivating_a_user_in_the_portal_signs_them_out_on_the_next_request(org, global_admin):
    member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
    browser = signed_in(member)
    warm(browser, DASHBOARD, REQUESTS)

    response = signed_in(global_admin).post(reverse("membership:user_deactivate", args=[member.pk]))
    assert response.status_code == 302

    for url in (DASHBOARD, REQUESTS):
        response = browser.get(url)
        assert response.status_code == 302 and response["Location"] == "%s?next=%s" % (reverse("login"), url)


def test_deactivating_a_user_in_django_admin_signs_them_out_on_the_next_request(org, global_admin):
    member = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
    browser = signed_in(member)
    warm(browser, DASHBOARD)

    staff = signed_in(StaffFactory(superuser=True))
    change = reverse("admin:membership_user_change", args=[member.pk])
    data = form_data(get(staff, change), "user_form")
    data.pop("is_active")  # the Active box unticked
    data["_save"] = ["Save"]
    assert staff.post(change, data).status_code == 302
    member.refresh_from_db()
    assert not member.is_active

    response = browser.get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- language ---------------------------------------------------------------------------------


def test_switching_language_renders_the_next_page_in_russian_and_back_in_english(org, global_admin):
    action_pack()
    browser = signed_in(global_admin)
    offers, dashboard = warm(browser, OFFERS, DASHBOARD)
    assert '<html lang="en"' in offers and text(offers, "h1") == "Offers" and text(dashboard, "h1") == "Dashboard"

    def switch(language):
        response = browser.post(reverse("membership:set_language"), {"language": language, "next": OFFERS})
        assert response.status_code == 302 and response["Location"] == OFFERS

    switch("ru")
    offers = get(browser, OFFERS)
    assert '<html lang="ru"' in offers and text(offers, "h1") == "Предложения"
    assert "Подписка на Microsoft Action Pack" in text(offers, "article", id="offer-action-pack")
    assert text(get(browser, DASHBOARD), "h1") == "Панель мониторинга"
    warm(browser, OFFERS, DASHBOARD)  # now warm in Russian

    switch("en")
    offers = get(browser, OFFERS)
    assert '<html lang="en"' in offers and text(offers, "h1") == "Offers"
    assert "Microsoft Action Pack subscription" in text(offers, "article", id="offer-action-pack")
    assert text(get(browser, DASHBOARD), "h1") == "Dashboard"


# --- the organisation and the catalogue, changed by staff --------------------------------------


def test_renaming_the_organisation_in_admin_shows_the_new_name_in_every_members_header(org, global_admin):
    colleague = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])
    admin_browser, colleague_browser = signed_in(global_admin), signed_in(colleague)
    for browser in (admin_browser, colleague_browser):
        for html in warm(browser, DASHBOARD, OFFERS):
            assert header_organization(html) == "Contoso"

    staff = signed_in(StaffFactory(superuser=True))
    admin_save(
        staff, reverse("admin:membership_organization_change", args=[org.pk]), "organization_form", name="Contoso AG"
    )

    for browser in (admin_browser, colleague_browser):
        for url in (DASHBOARD, OFFERS):
            assert header_organization(get(browser, url)) == "Contoso AG"


def test_a_price_change_in_admin_shows_on_a_warm_offers_page(org, global_admin):
    offer = action_pack()
    browser = signed_in(global_admin)
    assert text(warm(browser, OFFERS), "p", class_="price").startswith("US$475.00")

    # R19: staff change a price by adding one of the currency that takes effect today (the offer's
    # prices inline); the prices in force before stay as they were.
    staff = signed_in(StaffFactory(superuser=True))
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    new = int(form_data(get(staff, url), "offer_form")["prices-TOTAL_FORMS"][0])
    added = {"currency": "USD", "amount": "49900", "effective_from": timezone.localdate().isoformat()}
    admin_save(
        staff,
        url,
        "offer_form",
        **{"prices-TOTAL_FORMS": str(new + 1), **{f"prices-{new}-{name}": value for name, value in added.items()}},
    )

    price = text(get(browser, OFFERS), "p", class_="price")
    assert price.startswith("US$499.00") and "475" not in price


def test_renaming_the_offer_shows_the_new_name_on_offers_and_subscription_details(org, global_admin):
    offer = action_pack()
    subscription = SubscriptionFactory(organization=org, offer=offer)
    browser = signed_in(global_admin)
    offers, details = warm(browser, OFFERS, details_url(subscription))
    assert text(offers, "h3") == "Microsoft Action Pack subscription"
    assert text(details, "h1") == "Microsoft Action Pack subscription"

    offer.name = "Microsoft Action Pack"
    offer.save()  # a staff edit or a data fix: the model save

    offers = get(browser, OFFERS)
    assert text(offers, "h3") == "Microsoft Action Pack"
    assert purchased_row(offers).startswith("Microsoft Action Pack Active")
    assert text(get(browser, details_url(subscription)), "h1") == "Microsoft Action Pack"


def test_a_competency_granted_in_admin_shows_on_the_dashboard_and_overview(org, global_admin):
    browser = signed_in(global_admin)
    dashboard, overview = warm(browser, DASHBOARD, OVERVIEW)
    assert "Your organisation has no competency yet." in text(dashboard, id="tier-competencies")
    assert "Your organisation has no competency yet." in text(overview, id="overview-competencies")

    staff = signed_in(StaffFactory(superuser=True))
    add = reverse("admin:membership_competency_add")
    data = form_data(get(staff, add), "competency_form")
    data.update(
        {
            "organization": [str(org.pk)],
            "solution_area": ["cloud_platform"],
            "level": ["gold"],
            "granted_on": ["2026-11-01"],
            "expires_on": ["2027-11-01"],
            "_save": ["Save"],
        }
    )
    assert staff.post(add, data).status_code == 302

    assert "Cloud Platform Gold Nov. 1, 2027" in text(get(browser, DASHBOARD), id="tier-competencies")
    overview = text(get(browser, OVERVIEW), id="overview-competencies")
    assert "Cloud Platform Gold Nov. 1, 2027 Current" in overview


# --- new records: a purchase, a service request, a staff reply ---------------------------------


def test_a_purchase_through_the_wizard_shows_in_billing_history_offers_and_dashboard(card_org):
    offer = action_pack()
    buyer = UserFactory(organization=card_org, roles=[Role.BILLING_ADMIN])
    browser = signed_in(buyer)
    history, offers, dashboard = warm(browser, BILLING_HISTORY, OFFERS, DASHBOARD)
    assert "No payment yet." in text(history, id="billing-history")
    assert "Your organisation has not purchased any offer yet." in text(offers, id="purchased-offers")
    assert "Not subscribed" in text(dashboard, id="tier-action-pack")

    order = to_review(browser, offer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert buy(browser, order).status_code == 302

    [payment] = texts(get(browser, BILLING_HISTORY), "tr", class_="payment")
    assert order.number in payment and "US$475.00" in payment and "••4242" in payment and "Succeeded" in payment
    offers = get(browser, OFFERS)
    assert purchased_row(offers).startswith("Microsoft Action Pack subscription Active")
    assert "Your organisation already has this subscription." in offers
    assert "Not subscribed" not in text(get(browser, DASHBOARD), id="tier-action-pack")


def test_a_new_service_request_shows_in_the_requests_list(org, global_admin):
    browser = signed_in(global_admin)
    assert "No service requests match." in warm(browser, REQUESTS)

    response = browser.post(
        reverse("support:request_new"),
        {"problem_type": "users", "title": "Add a colleague", "description": "How?", "severity": "moderate"},
    )
    assert response.status_code == 302

    number = ServiceRequest.objects.get(organization=org).number
    listing = get(browser, REQUESTS)
    assert "Add a colleague" in text(listing, "tr", data_number=number)
    assert listed_status(listing, number) == "Open"


def test_a_staff_reply_in_admin_shows_the_new_status_and_message_to_the_partner(org, global_admin):
    service_request = ServiceRequestFactory(user=global_admin, title="Invoice address")
    partner = signed_in(global_admin)
    requests, request_page = warm(partner, REQUESTS, service_request.get_absolute_url())
    assert listed_status(requests, service_request.number) == "Open"
    assert text(request_page, id="request-status") == "Open"
    assert text(request_page, id="conversation") == "No replies yet."

    staff = signed_in(StaffFactory())
    admin_save(
        staff,
        reverse("admin:support_servicerequest_change", args=[service_request.pk]),
        "servicerequest_form",
        status="waiting_on_partner",
        **{"messages-0-body": "Which invoice do you mean?"},
    )

    assert listed_status(get(partner, REQUESTS), service_request.number) == "Waiting on partner"
    request_page = get(partner, service_request.get_absolute_url())
    assert text(request_page, id="request-status") == "Waiting on partner"
    assert "Which invoice do you mean?" in text(request_page, id="conversation")


def test_the_partners_reply_moves_a_waiting_request_back_to_in_progress(org, global_admin):
    service_request = ServiceRequestFactory(user=global_admin)
    committed(
        request_change_status,
        service_request=service_request,
        to_status="waiting_on_partner",
        actor=StaffFactory(),
        notify=False,
    )
    browser = signed_in(global_admin)
    requests, request_page = warm(browser, REQUESTS, service_request.get_absolute_url())
    assert listed_status(requests, service_request.number) == "Waiting on partner"

    response = browser.post(reverse("support:request_reply", args=[service_request.pk]), {"body": "The May one."})
    assert response.status_code == 302

    assert listed_status(get(browser, REQUESTS), service_request.number) == "In progress"
    request_page = get(browser, service_request.get_absolute_url())
    assert text(request_page, id="request-status") == "In progress"
    assert "The May one." in text(request_page, id="conversation")


# --- the day changes ----------------------------------------------------------------------------


def test_the_renew_button_appears_on_the_day_the_renewal_window_opens(org, global_admin):
    subscription = SubscriptionFactory(organization=org, start="2026-11-25")  # ends Nov. 25, 2027 (R8: 30 days)
    renew = reverse("offers:renew_start", args=[subscription.pk])
    with at("2027-10-25"):
        browser = signed_in(global_admin)
        offers, details = warm(browser, OFFERS, details_url(subscription))
        assert text(offers, "p", class_="renew-later") == "You can renew it from Oct. 26, 2027."
        assert renew not in offers and renew not in details
        assert text(details, id="renew-reason") == (
            "Renewal opens 30 days before the subscription expires, on Oct. 26, 2027."
        )
    with at("2027-10-26"):
        offers = get(browser, OFFERS)
        assert not texts(offers, "p", class_="renew-later")
        assert re.search(r'<form method="post" action="%s"' % re.escape(renew), offers)
        details = get(browser, details_url(subscription))
        assert re.search(r'<form method="post" action="%s"' % re.escape(renew), details)
        assert not texts(details, id="renew-reason")


def test_the_next_reminder_date_follows_the_day(org, global_admin):
    """Auto-renewal off: "Expires in 7 days" is due Nov. 18; one the sweep has not sent yet goes today."""
    subscription = SubscriptionFactory(organization=org, start="2026-11-25", auto_renew=False)
    with at("2027-11-17"):
        browser = signed_in(global_admin)
        details = warm(browser, details_url(subscription))
        assert text(details, data_testid="next-reminder") == "Expires in 7 days: Nov. 18, 2027"
    with at("2027-11-19"):
        details = get(browser, details_url(subscription))
        assert text(details, data_testid="next-reminder") == "Expires in 7 days: Nov. 19, 2027"


# --- billing rows saved alone, and a refund that fails while someone reads the page ---------------


def test_a_card_saved_alone_shows_its_new_expiry_on_subscription_details_and_payment_methods(card_org, global_admin):
    visa = CardFactory(organization=card_org)  # ••4242, expires 12/2035
    subscription = SubscriptionFactory(organization=card_org, payment_method=visa)
    browser = signed_in(global_admin)
    details, methods = warm(browser, details_url(subscription), PAYMENT_METHODS)
    assert text(details, data_testid="card") == f"{visa} · expires 12/2035"

    visa.exp_year = 2038  # the card's new expiry, as Stripe reports an updated card
    visa.save(update_fields=["exp_year"])

    assert text(get(browser, details_url(subscription)), data_testid="card") == f"{visa} · expires 12/2038"
    assert saved_cards(get(browser, PAYMENT_METHODS)) == [f"{visa} Default 12/2038"]


def test_a_billing_profile_saved_alone_shows_on_the_billing_profile_page(org, global_admin):
    profile = org.billing_profile
    profile.legal_name = "Contoso Ltd"
    profile.save(update_fields=["legal_name"])
    account_admin = UserFactory(organization=org, roles=[Role.ACCOUNT_ADMIN])  # sees the summary, not the form
    browser = signed_in(account_admin)
    assert "Contoso Ltd" in warm(browser, reverse("billing:profile"))

    profile.legal_name = "Contoso Holdings Ltd"
    profile.save(update_fields=["legal_name"])

    page = get(browser, reverse("billing:profile"))
    assert "Contoso Holdings Ltd" in page and "Contoso Ltd<" not in page


def test_a_refund_that_fails_while_billing_history_is_read_shows_failed(card_org, global_admin):
    from unittest import mock

    from billing.gateways.base import GatewayError
    from billing.gateways.stripe_gateway import StripeGateway
    from billing.refunds import RefundFailed, refund_create

    _subscription, payment = paid_subscription(card_org, user=global_admin)
    browser = signed_in(global_admin)
    warm(browser, BILLING_HISTORY)
    seen_while_in_flight = []

    def refund_while_someone_reads(self, request):
        # The partner opens Billing while the refund call is on the wire: the page shows it pending.
        seen_while_in_flight.append(texts(get(browser, BILLING_HISTORY), "tr", class_="refund"))
        raise GatewayError("payment service unreachable")

    with mock.patch.object(StripeGateway, "refund", refund_while_someone_reads):
        with pytest.raises(RefundFailed):
            refund_create(payment=payment, amount=500, decision_key="in-flight")

    assert len(seen_while_in_flight) == 1 and "Pending" in seen_while_in_flight[0][0]
    rows = texts(get(browser, BILLING_HISTORY), "tr", class_="refund")
    assert len(rows) == 1 and "Failed" in rows[0] and "Pending" not in rows[0]
