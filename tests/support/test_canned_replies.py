"""Canned replies: placeholders filled safely from the request, in the partner's language, put in the
admin's reply form, edited and sent; a placeholder the request has no value for is never sent."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from membership.models import Role
from support.canned_replies import canned_reply_fill, fill, unfilled_placeholders
from support.models import CannedReply, RequestMessage
from tests.factories.membership import UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def reply(db):
    return CannedReply.objects.create(
        title="Cancellation received",
        body_en="Hello {contact_name}, {partner_name}'s request {request_number} about {subscription} "
        "(term ends {subscription_end}) is with us. Refund: {refund_amount}. Today is {today}.",
        body_ru="Здравствуйте, {contact_name}! Запрос {request_number} организации {partner_name} о подписке "
        "{subscription} (срок до {subscription_end}) у нас. Возврат: {refund_amount}. Сегодня {today}.",
    )


@pytest.fixture
def russian(org):
    return UserFactory(
        organization=org, roles=[Role.GLOBAL_ADMIN], language="ru", first_name="Иван", last_name="Петров"
    )


class TestFill:
    def test_known_placeholders_are_replaced(self):
        assert fill("Hi {partner_name}, {today}.", {"partner_name": "Contoso", "today": "Mar 2"}) == (
            "Hi Contoso, Mar 2.",
            (),
        )

    def test_a_placeholder_without_a_value_stays_and_is_reported_once(self):
        text, missing = fill("{subscription} and {subscription}", {})
        assert text == "{subscription} and {subscription}" and missing == ("subscription",)

    def test_no_attribute_index_or_format_spec_is_evaluated(self):
        values = {"partner_name": "Contoso", "today": "Mar 2"}
        template = "{partner_name.__class__} {partner_name[0]} {today:%Y} {{partner_name}} {unknown} {0}"
        text, missing = fill(template, values)
        # Only the exact {partner_name} inside the doubled braces is a placeholder; nothing else is read.
        assert text == "{partner_name.__class__} {partner_name[0]} {today:%Y} {Contoso} {unknown} {0}"
        assert missing == ()

    def test_values_are_inserted_once_never_expanded_again(self):
        values = {"partner_name": "{refund_amount} {{ settings.SECRET_KEY }}", "refund_amount": "US$1"}
        assert fill("{partner_name}", values)[0] == "{refund_amount} {{ settings.SECRET_KEY }}"

    def test_unfilled_placeholders_are_found(self):
        assert unfilled_placeholders("{subscription} {nope} {today}") == ["subscription", "today"]


@pytest.mark.django_db
class TestFilledForTheRequest:
    def test_english_without_a_subscription_reports_what_is_missing(self, reply, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        filled = canned_reply_fill(canned_reply=reply, service_request=service_request, today=TODAY)
        assert filled.language == "en"
        assert filled.text.startswith(
            "Hello Test User, Contoso's request %s about {subscription}" % service_request.number
        )
        assert "Today is March 2, 2026." in filled.text
        assert filled.missing == ("subscription", "subscription_end", "refund_amount")

    def test_russian_with_the_subscription_and_the_refund_quote(self, reply, stripe_settings, org, russian):
        subscription = paid_subscription(org, user=russian)[0]
        service_request = ServiceRequestFactory(user=russian, subscription=subscription, wants_cancellation=True)
        filled = canned_reply_fill(canned_reply=reply, service_request=service_request, today=TODAY)
        assert filled.language == "ru" and filled.missing == ()
        assert filled.text.startswith(
            "Здравствуйте, Иван Петров! Запрос %s организации Contoso" % service_request.number
        )
        with translation.override("ru"):
            assert "о подписке %s (" % subscription.offer.localized("name") in filled.text
        end = subscription.current_period_end
        assert "срок до %d " % end.day in filled.text and "Сегодня 2 марта 2026" in filled.text
        # Bought today, no benefit used: the quote offers the full amount, written the Russian way.
        assert "Возврат: 475,00\xa0$" in filled.text


def _change_url(service_request):
    return reverse("admin:support_servicerequest_change", args=[service_request.pk])


def _post_data(response, body):
    data = {
        "problem_type": response.context["original"].problem_type,
        "severity": response.context["original"].severity,
        "status": response.context["original"].status,
        "_save": "Save",
    }
    for inline in response.context["inline_admin_formsets"]:
        for bound in inline.formset.management_form:
            data[bound.html_name] = bound.value()
    data["messages-0-body"] = body
    return data


@pytest.mark.django_db
class TestInTheAdmin:
    def test_the_chosen_reply_fills_the_reply_form_in_the_partners_language(self, client, reply, russian):
        service_request = ServiceRequestFactory(user=russian)
        client.force_login(StaffFactory())
        page = client.get(_change_url(service_request))
        assert 'id="canned-reply-form"' in page.content.decode() and "Cancellation received" in page.content.decode()
        response = client.get(_change_url(service_request), {"canned_reply": reply.pk})
        body = response.context["inline_admin_formsets"][0].formset.forms[0].initial["body"]
        assert body.startswith("Здравствуйте, Иван Петров! Запрос %s" % service_request.number)
        html = response.content.decode()
        assert 'id="canned-reply-language"' in html
        # No subscription on this request: staff are told which placeholders stay.
        assert "{subscription}, {subscription_end}, {refund_amount}" in html

    def test_a_reply_with_an_unfilled_placeholder_is_refused_then_sent_once_edited(
        self, client, reply, russian, django_capture_on_commit_callbacks
    ):
        service_request = ServiceRequestFactory(user=russian)
        client.force_login(StaffFactory())
        url = _change_url(service_request)
        response = client.get(url, {"canned_reply": reply.pk})
        body = response.context["inline_admin_formsets"][0].formset.forms[0].initial["body"]
        refused = client.post(url, _post_data(response, body))
        assert refused.status_code == 200
        assert "Replace or remove these placeholders before sending" in refused.content.decode()
        assert RequestMessage.objects.count() == 0
        edited = (
            body.replace("{subscription_end}", "—")
            .replace("{subscription}", "Action Pack")
            .replace("{refund_amount}", "нет")
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, _post_data(response, edited)).status_code == 302
        message = RequestMessage.objects.get()
        assert message.body == edited and not message.is_internal
        sent = [m for m in mail.outbox if m.to == [russian.email]]
        assert len(sent) == 1 and "Здравствуйте, Иван Петров!" in sent[0].body and "Action Pack" in sent[0].body

    def test_an_internal_note_may_keep_placeholders(self, client, reply, global_admin):
        service_request = ServiceRequestFactory(user=global_admin)
        client.force_login(StaffFactory())
        response = client.get(_change_url(service_request))
        data = _post_data(response, "Ask for {subscription} later")
        data["messages-0-is_internal"] = "on"
        assert client.post(_change_url(service_request), data).status_code == 302
        assert RequestMessage.objects.get().is_internal

    def test_an_inactive_or_unknown_reply_is_not_offered(self, client, reply, global_admin):
        reply.is_active = False
        reply.save()
        service_request = ServiceRequestFactory(user=global_admin)
        client.force_login(StaffFactory())
        for value in (str(reply.pk), "999999", "x"):
            response = client.get(_change_url(service_request), {"canned_reply": value})
            assert response.status_code == 200
            assert response.context["inline_admin_formsets"][0].formset.forms[0].initial.get("body") is None
        assert 'id="canned-reply-form"' not in response.content.decode()

    def test_staff_edit_canned_replies_in_both_languages(self, client):
        client.force_login(StaffFactory(superuser=True))
        add = reverse("admin:support_cannedreply_add")
        page = client.get(add).content.decode()
        assert "{partner_name}" in page and "{refund_amount}" in page
        response = client.post(
            add, {"title": "Hello", "body_en": "Hello {partner_name}", "body_ru": "Здравствуйте, {partner_name}"}
        )
        assert response.status_code == 302
        assert CannedReply.objects.get().body_for("ru") == "Здравствуйте, {partner_name}"
        assert client.post(add, {"title": "Hello", "body_en": "x", "body_ru": ""}).status_code == 200
