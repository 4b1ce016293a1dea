"""The layout (product.md, "Layout"): a header and a left navigation grouped as Partner Center groups it.

The browser checks (narrow screens, axe, screenshots) are in tests/browser/test_layout.py; these
read the server's HTML.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from partnerportal import navigation as navigation_module
from partnerportal.navigation import Link, navigation
from tests.factories.membership import OrganizationFactory, UserFactory

MENU_EN = [
    "Dashboard",
    "Partnership",
    "Offers",
    "Membership",
    "Benefits",
    "Billing",
    "Payment methods",
    "Billing history",
    "Support",
    "Report problems with Partner Center",
    "Service requests",
    "Settings",
    "Users",
    "Activity log",
]
MENU_RU = [
    "Панель мониторинга",
    "Партнерство",
    "Предложения",
    "Членство",
    "Преимущества",
    "Выставление счетов",
    "Способы оплаты",
    "Журнал выставления счетов",
    "Поддержка",
    "Сообщить о проблемах с Центром партнеров",
    "Запросы на обслуживание",
    "Параметры",
    "Пользователи",
    "Журнал действий",
]


def _nav(html):
    match = re.search(r'<nav class="menu" id="portal-menu"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no left navigation in the page"
    return match.group(1)


def _labels(nav_html):
    """The menu's link texts in order, the Billing profile left out (it comes with the billing profile page)."""
    labels = [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<a [^>]*>(.*?)</a>", nav_html, re.S)]
    return [label for label in labels if label not in ("Billing profile", "Профиль выставления счетов")]


def _current(nav_html):
    return re.findall(r'<a href="([^"]+)" aria-current="(page|true)">', nav_html)


@pytest.fixture
def partner(client, org):
    user = UserFactory(organization=org, roles=["global_admin"])
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_menu_groups_pages_as_partner_center_does_in_english_and_in_russian(client, partner):
    page = client.get(reverse("offers:offer_list")).content.decode()
    assert _labels(_nav(page)) == MENU_EN

    partner.language = "ru"
    partner.save(update_fields=["language"])
    page = client.get(reverse("offers:offer_list")).content.decode()
    assert _labels(_nav(page)) == MENU_RU


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, marked, how",
    [
        ("dashboard:index", "dashboard:index", "page"),
        ("offers:offer_list", "offers:offer_list", "page"),
        ("dashboard:overview", "dashboard:overview", "page"),
        ("benefits:list", "benefits:list", "page"),
        ("billing:payment_methods", "billing:payment_methods", "page"),
        ("billing:history", "billing:history", "page"),
        ("support:report", "support:report", "page"),
        ("support:request_new", "support:report", "true"),
        ("support:request_list", "support:request_list", "page"),
        ("membership:users", "membership:users", "page"),
        ("membership:invite", "membership:users", "true"),
        ("membership:activity", "membership:activity", "page"),
    ],
)
def test_the_current_page_is_marked_once(client, partner, url_name, marked, how):
    response = client.get(reverse(url_name))
    assert response.status_code == 200

    assert _current(_nav(response.content.decode())) == [(reverse(marked), how)]


def test_a_page_under_an_entry_marks_the_entry_but_not_as_the_page():
    assert Link("Offers", "offers:offer_list", also=("offers:", "subscriptions:")).current("subscriptions:detail") == (
        "true"
    )
    assert Link("Offers", "offers:offer_list").current("offers:offer_list") == "page"
    assert Link("Offers", "offers:offer_list").current("benefits:list") is None
    assert Link("Offers", "offers:offer_list").current(None) is None


def test_a_page_the_code_does_not_have_is_left_out_of_the_menu(monkeypatch):
    monkeypatch.setattr(
        navigation_module,
        "MENU",
        (
            Link("Dashboard", "dashboard:index"),
            Link("Nowhere", "billing:no_such_page"),
            navigation_module.Group("Gone", "billing:no_such_page", (Link("Offers", "offers:offer_list"),)),
        ),
    )

    assert [entry.label for entry in navigation("dashboard:index")] == ["Dashboard"]


def test_the_billing_group_links_the_billing_profile_when_the_page_exists(monkeypatch):
    real_url = navigation_module._url
    monkeypatch.setattr(
        navigation_module, "_url", lambda name: "/billing/profile/" if name == "billing:profile" else real_url(name)
    )
    with translation.override("en"):  # the labels are lazy: read them in English, whatever a test left active
        billing = next(entry for entry in navigation("billing:profile") if entry.label == "Billing")
        first_link = [(str(link.label), link.url, link.current) for link in billing.links][0]

    assert first_link == (
        "Billing profile",
        "/billing/profile/",
        "page",
    )
    assert billing.open


@pytest.mark.django_db
def test_the_header_names_the_portal_the_organisation_and_holds_the_user_menu(client, partner):
    page = client.get(reverse("dashboard:index")).content.decode()
    header = re.search(r'<header class="topbar">(.*?)</header>', page, re.S).group(1)

    assert "Partner Center" in header and "Contoso" in header and partner.display_name in header
    assert 'id="language-select"' in header and "Sign out" in header
    # The narrow-screen menu button names the navigation it opens and says whether it is open.
    assert re.search(
        r'<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="portal-menu">', header
    )
    assert '<main id="main"' in page and 'href="#main"' in page


@pytest.mark.django_db
def test_a_visitor_gets_the_header_without_menu(client):
    page = client.get(reverse("login")).content.decode()

    assert '<header class="topbar">' in page and 'id="language-select"' in page
    assert 'id="portal-menu"' not in page and "menu-toggle" not in page


@pytest.mark.django_db
def test_the_headers_reader_values_are_escaped(client, org):
    # The header is drawn once and the reader's values are put in per request: they are escaped there.
    org.name = '<b>Evil & "Co"</b>'
    org.save()
    user = UserFactory(organization=org, first_name="<i>Ann</i>", last_name="O'Neil")
    client.force_login(user)
    page = client.get(reverse("dashboard:index") + "?a=1&b='x'").content.decode()
    header = re.search(r'<header class="topbar">(.*?)</header>', page, re.S).group(1)
    assert "&lt;b&gt;Evil &amp; &quot;Co&quot;&lt;/b&gt;" in header and "<b>" not in header
    assert "&lt;i&gt;Ann&lt;/i&gt; O&#x27;Neil" in header and "<i>" not in header
    assert 'name="next" value="/membership/dashboard/?a=1&amp;b=&#x27;x&#x27;"' in header
    other = UserFactory(organization=OrganizationFactory(name="Fabrikam"))
    client.force_login(other)
    header = client.get(reverse("dashboard:index")).content.decode()
    assert "Fabrikam" in header and "Evil" not in header
