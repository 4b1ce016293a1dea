"""Smoke test: Playwright drives Debian's chromium against the live Django server."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_healthz_answers_json_in_the_browser(live_server, browser_page):
    response = browser_page.goto(live_server.url + "/healthz")

    assert response is not None
    assert "json" in response.headers.get("content-type", ""), response.status
    assert "status" in response.json()
