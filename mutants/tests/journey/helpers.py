"""Browser helpers for the journey: people in their own browser contexts, language switching, screenshots.

Selectors follow tests/browser/ (the card element's inputs, the checkout's ids, the admin's ids).
"""

import re
import shutil
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.fixtures_infra import SCREENSHOT_DIR

JOURNEY_SCREENSHOTS = SCREENSHOT_DIR / "journey"
ACTION_TIMEOUT_MS = 15_000
NAVIGATION_TIMEOUT_MS = 30_000
PLAYWRIGHT_EXPECT_DEFAULT_MS = 5_000


class Shots:
    """Numbered full-page screenshots: artifacts/screenshots/journey/<lang>/<NN>_<step>.png."""

    def __init__(self, language: str):
        self.folder = JOURNEY_SCREENSHOTS / language
        shutil.rmtree(self.folder, ignore_errors=True)  # no stale step of an earlier run stays behind
        self.folder.mkdir(parents=True, exist_ok=True)
        self.number = 0
        self.taken: list[Path] = []

    def __call__(self, page: Page, step: str) -> Path:
        self.number += 1
        path = self.folder / ("%02d_%s.png" % (self.number, re.sub(r"[^a-z0-9_]+", "_", step.lower())))
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path

    def failed(self, browser: Browser) -> None:
        """On failure: a screenshot of every person's page, so the artefact shows where each one stood."""
        for c, context in enumerate(browser.contexts):
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(self.folder / ("failed_%d_%d.png" % (c, p))), full_page=True)
                except Exception:  # a closed page must not hide the test's own failure
                    pass


def open_browser(browser: Browser) -> Page:
    """A new person: a fresh context (own cookies, English-speaking browser) and one page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context.new_page()


def switch_language(page: Page, language: str) -> None:
    """Choose the language in the header's selector, as a user would; it reloads the page."""
    html = page.locator("html")
    if html.get_attribute("lang") == language:
        return
    page.locator("header").get_by_label(re.compile(r"^(Language|Язык)$")).select_option(language)
    expect(html).to_have_attribute("lang", language)


def sign_in(page: Page, base_url: str, email: str, password: str, language: str) -> None:
    page.goto(base_url + "/accounts/login/")
    switch_language(page, language)
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main button[type=submit]").click()
    expect(page.locator("nav.menu")).to_be_visible()


def sign_out(page: Page) -> None:
    page.locator("header form[action$='/accounts/logout/'] button").click()
    expect(page.locator("nav.menu")).to_have_count(0)


def menu_link(page: Page, name: str):
    return page.locator("nav.menu").get_by_role("link", name=name, exact=True)


def fill_card(page: Page, number: str = "4242424242424242") -> None:
    """localstripe's stripe.js card element: plain inputs; the year takes two digits."""
    card = page.locator("#card-element")
    expect(card.locator("input[placeholder=number]")).to_be_visible()
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "30"),
        ("cvc", "123"),
        ("postal_code", "10001"),
    ):
        card.locator("input[placeholder=%s]" % field).fill(value)


def url_path(pattern: str):
    """A URL matcher for expect(page).to_have_url: the path matches pattern (query string allowed)."""
    return re.compile(r"^https?://[^/]+" + pattern + r"(\?.*)?$")


def field_label(text: str):
    """A form field's exact label; Django's forms add the label suffix ":" ."""
    return re.compile(r"^\s*" + re.escape(text) + r"\s*:?\s*$")
