"""No doubled full stop after a date or a time, in English or Russian.

Sentences end with a formatted date or time ("Your term ends on {{ date }}."); Django's Russian
date ends in "г." and its English time in "p.m.", which read "31 октября 2027 г.." and
"5:13 p.m..". partnerportal.formats removes the trailing stop from every format, once.
"""

import datetime
import re
from pathlib import Path

import polib
import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation

from offers.services import order_start_renewal
from support import services as support_services
from tests.factories.offers import SubscriptionFactory
from tests.factories.support import ServiceRequestFactory, StaffFactory

FORMAT_NAMES = [
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
]
# Two stops after a word ("г..", "p.m.."), not an ellipsis or a relative path.
DOUBLED = re.compile(r"\w\.\.(?![./])")
WHEN = datetime.datetime(2027, 10, 31, 17, 13, tzinfo=datetime.UTC)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("name", FORMAT_NAMES)
def test_no_date_or_time_format_ends_with_a_full_stop(language, name):
    with translation.override(language):
        text = formats.date_format(WHEN, name)
    assert not text.endswith("."), (language, name, text)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_refused_renewal_message_ending_with_a_date_has_one_stop(global_admin, language):
    subscription = SubscriptionFactory(organization=global_admin.organization)
    with translation.override(language), pytest.raises(ValidationError) as refused:
        order_start_renewal(organization=global_admin.organization, subscription=subscription, user=global_admin)
    message = " ".join(refused.value.messages)
    assert message.endswith(".")
    assert not DOUBLED.search(message), message


@pytest.mark.parametrize("language", ["en", "ru"])
def test_pages_with_sentences_ending_in_a_date_have_one_stop(client, global_admin, language):
    global_admin.language = language
    global_admin.save(update_fields=["language"])
    subscription = SubscriptionFactory(organization=global_admin.organization)
    client.force_login(global_admin)
    for url in (reverse("dashboard:index"), reverse("subscriptions:detail", args=[subscription.pk])):
        page = client.get(url).content.decode()
        assert not DOUBLED.search(page), (url, DOUBLED.search(page))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_processed_cancellation_time_has_one_stop(client, global_admin, language):
    subscription = SubscriptionFactory(organization=global_admin.organization)
    service_request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
    staff = StaffFactory(superuser=True)
    support_services.cancellation_process(service_request=service_request, refund_kind="none", actor=staff)
    staff.language = language
    staff.save(update_fields=["language"])
    client.force_login(staff)
    page = client.get(
        reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk])
    ).content.decode()
    done = re.search(r'id="decision-done">(.*?)</p>', page, re.S).group(1)
    assert done.endswith(".")
    assert not DOUBLED.search(done), done


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("template", ["expired", "renewal_failed", "renewal_succeeded", "card_expires"])
def test_lifecycle_e_mails_ending_in_a_date_have_one_stop(global_admin, language, template):
    today = timezone.localdate()
    context = {
        "user": global_admin,
        "offer_name": "Action Pack",
        "period_end": today,
        "renew_until": today,
        "next_attempt_on": today,
        "subscription": SubscriptionFactory(organization=global_admin.organization),
        "details_url": "http://testserver/",
        "amount": 47500,
        "currency": "USD",
        "card": None,
        "final": False,
    }
    with translation.override(language):
        for suffix in ("txt", "html"):
            text = render_to_string(f"offers/emails/lifecycle/{template}.{suffix}", context)
            assert not DOUBLED.search(text), (template, suffix, text)


CATALOGUES = sorted(Path(__file__).resolve().parents[2].glob("*/locale/ru/LC_MESSAGES/django.po")) + [
    Path(__file__).resolve().parents[2] / "locale/ru/LC_MESSAGES/django.po"
]


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: str(path.parent.parent.parent.parent.name))
def test_a_russian_sentence_keeps_its_full_stop(catalogue):
    """Translations that dropped the stop after a date (to avoid "г..") get it back, now that no date ends in one."""
    missing = []
    for entry in polib.pofile(str(catalogue)):
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        missing += [msgid for msgid, text in pairs if msgid.endswith(".") and text and not text.endswith(".")]
    assert missing == []
