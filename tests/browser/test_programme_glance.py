"""The staff's admin home in a real browser, in English and in Russian (R23): the figures with their
charts (inline SVG) and the tables for screen readers, and a figure's link landing on the admin list of
exactly that many rows. Screenshots at phone and desktop width go to var/screenshots/ for a person to
look at."""

import pytest

from membership.models import User
from tests.factories.membership import PASSWORD
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.fixtures_infra import REPO_ROOT
from tests.support.test_programme_dashboard import _build_programme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
SHOTS = REPO_ROOT / "var" / "screenshots"
HEADING = {"en": "The programme at a glance", "ru": "Программа с первого взгляда"}
TITLE = {"en": "Subscriptions by state", "ru": "Подписки по состояниям"}


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"programme_glance_{name}.png"), full_page=True)


def _follow(page, base, link):
    """Click a figure's link: its number, and the rows of the admin list it opens."""
    shown = int(link.inner_text())
    link.click()
    page.wait_for_selector("#changelist")
    rows = page.locator("#result_list tbody tr").count()
    page.goto(base + "/admin/")
    return shown, rows


@pytest.mark.parametrize("language", ["en", "ru"])
def test_staff_see_the_figures_and_charts_and_each_link_lists_that_many_rows(live_server, browser_page, language):
    _build_programme()
    staff = User.objects.create_superuser(email="staff@support.example", password=PASSWORD)
    staff.language = language
    staff.save(update_fields=["language"])
    page, base = browser_page, live_server.url

    page.goto(base + "/admin/login/")
    page.fill("#id_username", staff.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#programme-at-a-glance")
    glance = page.locator("#programme-at-a-glance")
    assert glance.locator("h1").inner_text() == HEADING[language]
    assert page.locator("#glance-subscriptions-title").inner_text() == TITLE[language]

    # Every chart is an inline picture hidden from screen readers, beside the table that carries its figures.
    charts = glance.locator("figure.glance-chart")
    assert charts.count() >= 5
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("aria-hidden") == "true"
        assert chart.locator("svg").count() == 1
        assert chart.locator("xpath=ancestor::section[1]").locator("table caption").count() >= 1
    assert glance.locator("script").count() == 0

    # A figure's link lists exactly the rows it counts: subscriptions by state, requests past their deadline.
    subscriptions = page.locator('#glance-subscriptions a[href*="status__exact=active"]')
    assert _follow(page, base, subscriptions) == (5, 5)
    breached = page.locator('#glance-requests a[href*="sla=breached"]')
    assert _follow(page, base, breached) == (1, 1)

    _shot(page, f"{language}_desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/admin/")
    page.wait_for_selector("#programme-at-a-glance")
    # At phone width the charts shrink to the screen rather than push the page sideways.
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('#programme-at-a-glance figure svg')]"
        ".map(svg => svg.getBoundingClientRect().right))"
    )
    assert widest <= 390
    _shot(page, f"{language}_phone")
