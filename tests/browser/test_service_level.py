"""A request's service-level clock in a real browser, staff working in Russian, then in English: the
queue's time left, a canned reply put in, edited and sent in the partner's language while the request
waits on the partner (clock paused), the partner's reply (clock running again), and the breach
warning e-mail."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from membership.models import Role, User
from support import services
from support.models import CannedReply, ClockEventKind, RequestMessage, Severity
from tests.factories.membership import PASSWORD, OrganizationFactory, UserFactory
from tests.factories.support import ServiceRequestFactory
from tests.fixtures_infra import *  # noqa: F401,F403
from tests.fixtures_infra import SCREENSHOT_DIR

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def _shot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"service_level_{name}.png"), full_page=True)


# What each language's staff and partner see and write, one journey per language.
JOURNEYS = {
    "ru": {
        "organization": "Контосо",
        "partner": ("Иван", "Петров"),
        "title": "Счёт не сходится",
        "shots": "",
        "queue_left": ("осталось 0 ч 5",),
        "running": "Идёт",
        "canned": "Здравствуйте, Иван Петров! Пришлите, пожалуйста, номер счёта Контосо.",
        "added": " Спасибо!",
        "sent_ends": "номер счёта Контосо. Спасибо!",
        "paused": "Приостановлено",
        "browser_locale": "ru-RU",
        "partner_reply": "Номер счёта INV-000042.",
        "left": "осталось",
        "stopped": "Остановлен",
        "history": ("Отсчёт начат", "Первый ответ отправлен", "Отсчёт приостановлен", "Отсчёт возобновлён"),
        "warning_subject": ("израсходовал 80 %", "Решение"),
        "warned": "Предупреждение о нарушении срока отправлено",
    },
    "en": {
        "organization": "Contoso",
        "partner": ("John", "Smith"),
        "title": "The invoice does not add up",
        "shots": "en_",
        "queue_left": ("0 h 5", "left"),
        "running": "Running",
        "canned": "Hello John Smith, please send the invoice number of Contoso.",
        "added": " Thank you!",
        "sent_ends": "invoice number of Contoso. Thank you!",
        "paused": "Paused",
        "browser_locale": "en-GB",
        "partner_reply": "The invoice number is INV-000042.",
        "left": "left",
        "stopped": "Stopped",
        "history": ("Clock started", "First response sent", "Clock paused", "Clock resumed"),
        "warning_subject": ("has used 80 %", "Resolution"),
        "warned": "Breach warning sent",
    },
}


def _login(page, url, email, submit):
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click(submit)
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_clock_through_waiting_on_partner_canned_reply_and_warning(live_server, browser_page, settings, language):
    words = JOURNEYS[language]
    # Business hours all day, every day, no holidays: the clock runs whenever the test does.
    settings.SLA_BUSINESS_WEEKDAYS = list(range(7))
    settings.SLA_BUSINESS_HOURS = ("00:00", "23:59")
    settings.SLA_HOLIDAYS_COUNTRY = ""
    page = browser_page
    base = live_server.url
    org = OrganizationFactory(name=words["organization"])
    first_name, last_name = words["partner"]
    partner = UserFactory(
        organization=org,
        roles=[Role.GLOBAL_ADMIN],
        email="partner@contoso.example",
        language=language,
        first_name=first_name,
        last_name=last_name,
    )
    staff = User.objects.create_superuser(email="staff@support.example", password=PASSWORD)
    staff.language = language
    staff.save(update_fields=["language"])
    CannedReply.objects.create(
        title="Need the invoice",
        body_en="Hello {contact_name}, please send the invoice number of {partner_name}.",
        body_ru="Здравствуйте, {contact_name}! Пришлите, пожалуйста, номер счёта {partner_name}.",
    )
    service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title=words["title"])

    # Staff, in the language: the queue shows the time left of the one-hour first-response target.
    _login(page, base + "/admin/login/", staff.email, "input[type=submit]")
    page.goto(base + "/admin/support/servicerequest/")
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    for fragment in words["queue_left"]:
        assert fragment in row.locator(".sla-left").inner_text()
    _shot(page, words["shots"] + "1_queue")

    # The request: choose the canned reply; it arrives in the partner's language, staff edit and send it
    # while putting the request in "waiting on partner".
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-first_response")
    assert words["running"] in page.inner_text("#sla-first_response")
    page.select_option("#canned-reply", label="Need the invoice")
    page.click("#canned-reply-form button[type=submit]")
    page.wait_for_selector("#canned-reply-language")
    body = page.locator("#id_messages-0-body")
    assert body.input_value() == words["canned"]
    body.fill(body.input_value() + words["added"])
    page.select_option("#id_status", "waiting_on_partner")
    _shot(page, words["shots"] + "2_canned_reply")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    sent = RequestMessage.objects.get(request=service_request)
    assert sent.body.endswith(words["sent_ends"])
    assert any(m.to == [partner.email] and words["added"].strip() in m.body for m in mail.outbox)

    # Waiting on the partner: the clock is paused.
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert row.locator(".sla-paused").inner_text() == words["paused"]
    _shot(page, words["shots"] + "3_paused")

    # The partner answers on the portal: the clock runs again.
    context = page.context.browser.new_context(locale=words["browser_locale"])
    partner_page = context.new_page()
    _login(partner_page, base + "/accounts/login/", partner.email, "main button[type=submit]")
    partner_page.goto(base + service_request.get_absolute_url())
    partner_page.fill("#reply-form textarea", words["partner_reply"])
    partner_page.click("#reply-form button[type=submit]")
    partner_page.wait_for_load_state()
    context.close()

    page.reload()
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert words["left"] in row.locator(".sla-left").inner_text()
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-resolution")
    assert words["stopped"] in page.inner_text("#sla-first_response")  # answered with the canned reply
    assert words["running"] in page.inner_text("#sla-resolution")
    history = page.inner_text("#clock_events-group")
    for label in words["history"]:
        assert label in history

    # Later the resolution target passes 80 %: the beat's run writes the warning and mails staff in the language.
    mail.outbox.clear()
    assert services.sla_warnings_send(now=timezone.now() + datetime.timedelta(hours=8)) == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert all(fragment in mail.outbox[0].subject for fragment in words["warning_subject"])
    page.reload()
    assert words["warned"] in page.inner_text("#clock_events-group")
    assert service_request.clock_events.filter(kind=ClockEventKind.WARNING_SENT).count() == 1
    _shot(page, words["shots"] + "4_warned")
