"""Every portal page in a real browser, in English and in Russian, at 1280 px and at 390 px.

For each page: no horizontal scrolling at 390 px, no serious or critical axe-core violation (the
axe.min.js bundled with axe-playwright-python, so nothing is fetched), and a screenshot under
artifacts/screenshots/layout/<lang>/<width>/<page>.png for a person to look at.

The pages are the URLconf's (tests/urlwalk.py): a page without arguments is walked as it comes, a
page with an id gets its rows from the factories below, and anything else (a form's POST target,
a file download) says here why it is not a page. A new URL with an id fails
test_every_portal_url_is_walked_or_said_why_not until it is added to one of the two.
"""

import datetime
import os
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from membership.models import Role
from membership.services import invitation_create
from membership.services.invitations import invitation_token
from offers.models import Order
from offers.selectors import current_terms
from offers.services import order_accept_terms, order_set_payment_method, order_start_renewal
from tests.factories.billing import CreditNoteFactory, InvoiceFactory, RefundFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory
from tests.fixtures_infra import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR
from tests.urlwalk import portal_urls

LANGUAGES = ("en", "ru")
WIDTHS = (1280, 390)
NARROW = 390
SERIOUS = ("serious", "critical")

# URL names that are not pages a person opens, and why.
NOT_PAGES = {
    "home": "redirects to the dashboard or to sign-in",
    "healthz": "JSON for the load balancer",
    "logout": "POST (the header's Sign out)",
    "membership:set_language": "POST (the header's language switch)",
    "membership:enrol": "POST (the dashboard's Join the network)",
    "membership:user_roles": "POST (a form on the user's page)",
    "membership:user_deactivate": "POST (a form on the user's page)",
    "membership:user_reactivate": "POST (a form on the user's page)",
    "membership:invitation_revoke": "POST (a form on the Users page)",
    "membership:activity_export": "a CSV file",
    "benefits:activate": "POST (a form on the Benefits page)",
    "benefits:seat_assign": "POST (a form on the Benefits page)",
    "benefits:seat_release": "POST (a form on the Benefits page)",
    "offers:subscribe": "POST (Subscribe now)",
    "offers:renew_start": "POST (Renew subscriptions)",
    "offers:checkout_add_card": "POST (the card stripe.js saved)",
    "offers:checkout_buy": "POST (Buy)",
    "offers:checkout_confirm": "POST (after card authentication)",
    "billing:reconciliation_csv": "a CSV file",
    "billing:payment_method_add": "POST (the card stripe.js saved)",
    "billing:payment_method_default": "POST (a form on Payment methods)",
    "billing:payment_method_remove": "POST (a form on Payment methods)",
    "billing:stripe_webhook": "Stripe's events",
    "support:request_reply": "POST (a form on the request's page)",
    "support:attachment_download": "an attachment file",
    "billing:invoice_pdf": "a PDF file (tests/billing/test_invoices.py reads its text back)",
    "billing:credit_note_pdf": "a PDF file (tests/billing/test_invoices.py reads its text back)",
    "offers:checkout_billing_profile": "shown only while the profile is missing; the journey walks it (en, ru)",
    "subscriptions:pay_now": "shown only for a past-due subscription; tests/browser/test_pay_now.py walks it (en, ru)",
    "subscriptions:pay_now_add_card": "POST (the card stripe.js saved)",
    "subscriptions:pay_now_confirm": "POST (after card authentication)",
}

# Pages a visitor sees signed out; every other page is walked signed in as a Global admin.
PUBLIC = {
    "sign_up",
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "membership:invitation_accept",
}


# An invoice or credit note is the document itself, drawn from the same template as its PDF (R15):
# no portal navigation, a toolbar back to Billing history instead.
DOCUMENTS = {"billing:invoice", "billing:credit_note"}


# The pages with an id that _world() builds rows for.
WITH_ID = (
    "membership:user_detail",
    "membership:invitation_accept",
    "password_reset_confirm",
    "offers:checkout_verify",
    "offers:checkout_terms",
    "offers:checkout_payment",
    "offers:checkout_review",
    "offers:checkout_done",
    "subscriptions:detail",
    "subscriptions:turn_off_auto_renewal",
    "billing:receipt",
    "billing:invoice",
    "billing:credit_note",
    "support:request_detail",
    "support:new_cancellation",
)


def _world(live_server_url, language):
    """An organisation with a bit of everything; returns (partner user, {page name: path})."""
    org = OrganizationFactory(name="Contoso Partners Международный")
    admin = UserFactory(
        organization=org,
        roles=[Role.GLOBAL_ADMIN],
        email="grace@contoso.example",
        language=language,
        first_name="Grace",
        last_name="Hopper",
    )
    member = UserFactory(
        organization=org, roles=[Role.BILLING_ADMIN], email="bill@contoso.example", first_name="Bill", last_name="Ng"
    )
    # Bought 350 days ago: inside the renewal window, so the renewal wizard has an order to show.
    subscription, payment = paid_subscription(org, user=admin, days_ago=350)
    refund = RefundFactory(payment=payment, amount=10000, succeeded_at=timezone.now() - datetime.timedelta(days=2))
    invoice = InvoiceFactory(payment=payment, buyer_name=org.name)
    credit_note = CreditNoteFactory(invoice=invoice, refund=refund, buyer_name=org.name)
    paid_order = Order.objects.get(number=payment.reference)
    renewal = order_start_renewal(organization=org, subscription=subscription, user=admin)
    order_accept_terms(
        order=renewal, terms=current_terms(offer=subscription.offer), user=admin, ip_address="203.0.113.7"
    )
    order_set_payment_method(order=renewal, payment_method=subscription.payment_method, user=admin)
    service_request = ServiceRequestFactory(
        user=admin,
        subscription=subscription,
        wants_cancellation=True,
        title="Please cancel our Microsoft Action Pack subscription",
        description="We no longer need it.",
    )
    invitation = invitation_create(
        actor=admin, email="new@contoso.example", roles=[Role.ACCOUNT_ADMIN], base_url=live_server_url
    )
    with_id = {
        "membership:user_detail": [member.pk],
        "membership:invitation_accept": [invitation_token(invitation)],
        "password_reset_confirm": ["MQ", "set-password"],
        "offers:checkout_verify": [renewal.pk],
        "offers:checkout_terms": [renewal.pk],
        "offers:checkout_payment": [renewal.pk],
        "offers:checkout_review": [renewal.pk],
        "offers:checkout_done": [paid_order.pk],
        "subscriptions:detail": [subscription.pk],
        "subscriptions:turn_off_auto_renewal": [subscription.pk],
        "billing:receipt": [payment.pk],
        "billing:invoice": [invoice.pk],
        "billing:credit_note": [credit_note.pk],
        "support:request_detail": [service_request.pk],
        # Cancel through a service request: the subscription page links the form with its id.
        "support:new_cancellation": ([], "?subscription=%d" % subscription.pk),
    }
    assert set(with_id) == set(WITH_ID)
    return admin, with_id


def _pages(with_id):
    """(page name, url name, args) for every page, the card entry of the payment step as one more."""
    pages = []
    for name, _path, has_id, route in portal_urls():
        if name in NOT_PAGES:
            continue
        if name in with_id:
            args, query = with_id[name] if isinstance(with_id[name], tuple) else (with_id[name], "")
            path = reverse(name, args=args) + query
        elif has_id or "<" in route:
            continue  # test_every_portal_url_is_walked_or_said_why_not names it
        else:
            path = reverse(name)
        pages.append((name.replace(":", "-"), name, path))
    payment = reverse("offers:checkout_payment", args=with_id["offers:checkout_payment"])
    pages.append(("offers-checkout_payment-add_card", "offers:checkout_payment", payment + "?add=1"))
    return pages


def test_every_portal_url_is_walked_or_said_why_not():
    """A page with an id needs its rows built above; anything else that is no page says why."""
    with_id = set(WITH_ID)
    missing = [
        name
        for name, _path, has_id, route in portal_urls()
        if name not in NOT_PAGES and name not in with_id and (has_id or "<" in route)
    ]
    assert missing == []
    assert not [name for name in NOT_PAGES if name in with_id]


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium for the module; each test opens its own contexts in it."""
    if not os.path.exists(CHROMIUM):
        reason = "%s is missing: `make browsers` installs Debian's chromium" % CHROMIUM
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # As in tests/fixtures_infra.browser_page: Playwright's sync API marks an asyncio loop as
    # running in this thread, and Django would refuse the test's ORM calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _context(browser, base_url, width, language, user=None, javascript=True):
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="ru-RU" if language == "ru" else "en-US",
        java_script_enabled=javascript,
    )
    context.set_default_timeout(15_000)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append(
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        )
    context.add_cookies(cookies)
    # Nothing may come from elsewhere: axe-core is injected from the installed package, the card
    # element from the test's localstripe, everything else from the live server.
    context.foreign_requests = []
    local = re.compile(r"^(data:|blob:|about:|https?://(127\.0\.0\.1|localhost)[:/])")
    context.on(
        "request", lambda request: None if local.match(request.url) else context.foreign_requests.append(request.url)
    )
    return context


def _axe_problems(axe, page):
    results = axe.run(page, options={"resultTypes": ["violations"]})
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = ", ".join(
                " ".join(node["target"]) if isinstance(node["target"], list) else str(node["target"])
                for node in violation["nodes"][:5]
            )
            problems.append(
                "axe %s (%s): %s at %s" % (violation["id"], violation["impact"], violation["help"], targets)
            )
    return problems


def _check(page, axe, language, width, shot_name):
    problems = []
    if page.locator("html").get_attribute("lang") != language:
        problems.append("html lang is %r" % page.locator("html").get_attribute("lang"))
    if width == NARROW:
        scroll_width, client_width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll_width > client_width:
            # The widest elements not inside a box that scrolls or clips them: what widens the page.
            wide = page.evaluate(
                """() => {
                    const limit = document.documentElement.clientWidth + 1;
                    const clipped = e => { for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                        if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
                    return [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > limit && !clipped(e)).slice(0, 5)
                        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                             + (typeof e.className === 'string' && e.className ? '.' + e.className.replace(/ +/g, '.') : ''));
                }"""
            )
            problems.append(
                "scrolls sideways: %d px wide in %d px (%s)" % (scroll_width, client_width, ", ".join(wide))
            )
    problems += _axe_problems(axe, page)
    path = SCREENSHOT_DIR / "layout" / language / str(width) / ("%s.png" % shot_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return problems


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_fits_the_screen_passes_axe_and_is_photographed(
    live_server, chromium, stripe_settings, language, width
):
    from axe_playwright_python.sync_playwright import Axe

    base = live_server.url
    user, with_id = _world(base, language)
    axe = Axe()
    problems = {}
    partner = _context(chromium, base, width, language, user=user)
    visitor = _context(chromium, base, width, language)
    partner_page, visitor_page = partner.new_page(), visitor.new_page()
    try:
        for shot_name, name, path in _pages(with_id):
            page = visitor_page if name in PUBLIC else partner_page
            response = page.goto(base + path)
            page.wait_for_load_state("load")
            found = []
            if response is None or response.status != 200:
                found.append("answered %s" % (response.status if response else "nothing"))
            elif name not in PUBLIC | DOCUMENTS and page.locator("nav.menu").count() != 1:
                found.append("no left navigation")
            found += _check(page, axe, language, width, shot_name)
            if found:
                problems[shot_name + " " + path] = found

        # The narrow menu: the button opens and closes the navigation; open, it passes the same checks.
        page = partner_page
        page.goto(base + "/partnership/offers/")
        toggle, menu = page.locator("button.menu-toggle"), page.locator("nav.menu")
        if width == NARROW:
            assert toggle.is_visible() and not menu.is_visible()
            toggle.click()
            assert toggle.get_attribute("aria-expanded") == "true" and menu.is_visible()
            found = _check(page, axe, language, width, "offers-offer_list-menu_open")
            if found:
                problems["the open menu"] = found
            page.keyboard.press("Escape")
            assert toggle.get_attribute("aria-expanded") == "false" and not menu.is_visible()
        else:
            assert menu.is_visible() and not toggle.is_visible()
    finally:
        partner.close()
        visitor.close()

    assert partner.foreign_requests == [] and visitor.foreign_requests == []
    assert problems == {}, "\n".join("%s:\n  %s" % (page, "\n  ".join(found)) for page, found in problems.items())


@pytest.mark.browser
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_narrow_menu_stays_open(live_server, chromium):
    org = OrganizationFactory(name="Contoso")
    user = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN])
    context = _context(chromium, live_server.url, NARROW, "en", user=user, javascript=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/membership/dashboard/")
        assert page.locator("nav.menu").is_visible()
        assert not page.locator("button.menu-toggle").is_visible()
        page.locator("nav.menu").get_by_role("link", name="Offers", exact=True).click()
        assert re.search(r"/partnership/offers/$", page.url)
        assert page.locator("nav.menu a[aria-current=page]").inner_text() == "Offers"
    finally:
        context.close()
