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


def _login(page, url, email, submit):
    page.goto(url)
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click(submit)
    page.wait_for_load_state()


def test_clock_through_waiting_on_partner_canned_reply_in_russian_and_warning(live_server, browser_page, settings):
    # Business hours all day, every day, no holidays: the clock runs whenever the test does.
    settings.SLA_BUSINESS_WEEKDAYS = list(range(7))
    settings.SLA_BUSINESS_HOURS = ("00:00", "23:59")
    settings.SLA_HOLIDAYS_COUNTRY = ""
    page = browser_page
    base = live_server.url
    org = OrganizationFactory(name="Контосо")
    partner = UserFactory(
        organization=org,
        roles=[Role.GLOBAL_ADMIN],
        email="partner@contoso.example",
        language="ru",
        first_name="Иван",
        last_name="Петров",
    )
    staff = User.objects.create_superuser(email="staff@support.example", password=PASSWORD)
    staff.language = "ru"
    staff.save(update_fields=["language"])
    CannedReply.objects.create(
        title="Need the invoice",
        body_en="Hello {contact_name}, please send the invoice number of {partner_name}.",
        body_ru="Здравствуйте, {contact_name}! Пришлите, пожалуйста, номер счёта {partner_name}.",
    )
    service_request = ServiceRequestFactory(user=partner, severity=Severity.CRITICAL, title="Счёт не сходится")

    # Staff, in Russian: the queue shows the time left of the one-hour first-response target.
    _login(page, base + "/admin/login/", staff.email, "input[type=submit]")
    page.goto(base + "/admin/support/servicerequest/")
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert "осталось 0 ч 5" in row.locator(".sla-left").inner_text()
    _shot(page, "1_queue")

    # The request: choose the canned reply; it arrives in the partner's language, staff edit and send it
    # while putting the request in "waiting on partner".
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-first_response")
    assert "Идёт" in page.inner_text("#sla-first_response")
    page.select_option("#canned-reply", label="Need the invoice")
    page.click("#canned-reply-form button[type=submit]")
    page.wait_for_selector("#canned-reply-language")
    body = page.locator("#id_messages-0-body")
    assert body.input_value() == "Здравствуйте, Иван Петров! Пришлите, пожалуйста, номер счёта Контосо."
    body.fill(body.input_value() + " Спасибо!")
    page.select_option("#id_status", "waiting_on_partner")
    _shot(page, "2_canned_reply")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    sent = RequestMessage.objects.get(request=service_request)
    assert sent.body.endswith("номер счёта Контосо. Спасибо!")
    assert any(m.to == [partner.email] and "Спасибо!" in m.body for m in mail.outbox)

    # Waiting on the partner: the clock is paused.
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert row.locator(".sla-paused").inner_text() == "Приостановлено"
    _shot(page, "3_paused")

    # The partner answers on the portal: the clock runs again.
    context = page.context.browser.new_context(locale="ru-RU")
    partner_page = context.new_page()
    _login(partner_page, base + "/accounts/login/", partner.email, "main button[type=submit]")
    partner_page.goto(base + service_request.get_absolute_url())
    partner_page.fill("#reply-form textarea", "Номер счёта INV-000042.")
    partner_page.click("#reply-form button[type=submit]")
    partner_page.wait_for_load_state()
    context.close()

    page.reload()
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert "осталось" in row.locator(".sla-left").inner_text()
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-resolution")
    assert "Остановлен" in page.inner_text("#sla-first_response")  # answered with the canned reply
    assert "Идёт" in page.inner_text("#sla-resolution")
    history = page.inner_text("#clock_events-group")
    for label in ("Отсчёт начат", "Первый ответ отправлен", "Отсчёт приостановлен", "Отсчёт возобновлён"):
        assert label in history

    # Later the resolution target passes 80 %: the beat's run writes the warning and mails staff in Russian.
    mail.outbox.clear()
    assert services.sla_warnings_send(now=timezone.now() + datetime.timedelta(hours=8)) == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "израсходовал 80 %" in mail.outbox[0].subject and "Решение" in mail.outbox[0].subject
    page.reload()
    assert "Предупреждение о нарушении срока отправлено" in page.inner_text("#clock_events-group")
    assert service_request.clock_events.filter(kind=ClockEventKind.WARNING_SENT).count() == 1
    _shot(page, "4_warned")


def test_clock_through_waiting_on_partner_canned_reply_in_english_and_warning(live_server, browser_page, settings):
    """The English counterpart of the Russian journey above: staff and partner both work in English."""
    settings.SLA_BUSINESS_WEEKDAYS = list(range(7))
    settings.SLA_BUSINESS_HOURS = ("00:00", "23:59")
    settings.SLA_HOLIDAYS_COUNTRY = ""
    page = browser_page
    base = live_server.url
    org = OrganizationFactory(name="Contoso")
    partner = UserFactory(
        organization=org,
        roles=[Role.GLOBAL_ADMIN],
        email="partner@contoso.example",
        language="en",
        first_name="John",
        last_name="Smith",
    )
    staff = User.objects.create_superuser(email="staff@support.example", password=PASSWORD)
    staff.language = "en"
    staff.save(update_fields=["language"])
    CannedReply.objects.create(
        title="Need the invoice",
        body_en="Hello {contact_name}, please send the invoice number of {partner_name}.",
        body_ru="Здравствуйте, {contact_name}! Пришлите, пожалуйста, номер счёта {partner_name}.",
    )
    service_request = ServiceRequestFactory(
        user=partner, severity=Severity.CRITICAL, title="The invoice does not add up"
    )

    # Staff, in English: the queue shows the time left of the one-hour first-response target.
    _login(page, base + "/admin/login/", staff.email, "input[type=submit]")
    page.goto(base + "/admin/support/servicerequest/")
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert "0 h 5" in row.locator(".sla-left").inner_text() and "left" in row.locator(".sla-left").inner_text()
    _shot(page, "en_1_queue")

    # The request: choose the canned reply; it arrives in the partner's language (English), staff edit
    # and send it while putting the request in "waiting on partner".
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-first_response")
    assert "Running" in page.inner_text("#sla-first_response")
    page.select_option("#canned-reply", label="Need the invoice")
    page.click("#canned-reply-form button[type=submit]")
    page.wait_for_selector("#canned-reply-language")
    body = page.locator("#id_messages-0-body")
    assert body.input_value() == "Hello John Smith, please send the invoice number of Contoso."
    body.fill(body.input_value() + " Thank you!")
    page.select_option("#id_status", "waiting_on_partner")
    _shot(page, "en_2_canned_reply")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    sent = RequestMessage.objects.get(request=service_request)
    assert sent.body.endswith("invoice number of Contoso. Thank you!")
    assert any(m.to == [partner.email] and "Thank you!" in m.body for m in mail.outbox)

    # Waiting on the partner: the clock is paused.
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert row.locator(".sla-paused").inner_text() == "Paused"
    _shot(page, "en_3_paused")

    # The partner answers on the portal: the clock runs again.
    context = page.context.browser.new_context(locale="en-GB")
    partner_page = context.new_page()
    _login(partner_page, base + "/accounts/login/", partner.email, "main button[type=submit]")
    partner_page.goto(base + service_request.get_absolute_url())
    partner_page.fill("#reply-form textarea", "The invoice number is INV-000042.")
    partner_page.click("#reply-form button[type=submit]")
    partner_page.wait_for_load_state()
    context.close()

    page.reload()
    row = page.locator("#result_list tbody tr", has_text=service_request.number)
    assert "left" in row.locator(".sla-left").inner_text()
    row.locator(f"text={service_request.number}").click()
    page.wait_for_selector("#sla-resolution")
    assert "Stopped" in page.inner_text("#sla-first_response")  # answered with the canned reply
    assert "Running" in page.inner_text("#sla-resolution")
    history = page.inner_text("#clock_events-group")
    for label in ("Clock started", "First response sent", "Clock paused", "Clock resumed"):
        assert label in history

    # Later the resolution target passes 80 %: the beat's run writes the warning and mails staff in English.
    mail.outbox.clear()
    assert services.sla_warnings_send(now=timezone.now() + datetime.timedelta(hours=8)) == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "has used 80 %" in mail.outbox[0].subject and "Resolution" in mail.outbox[0].subject
    page.reload()
    assert "Breach warning sent" in page.inner_text("#clock_events-group")
    assert service_request.clock_events.filter(kind=ClockEventKind.WARNING_SENT).count() == 1
    _shot(page, "en_4_warned")
