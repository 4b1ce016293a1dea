"""The partner's refund quote before filing a cancellation (R21), kept on the request, and the reason.

The quote comes from staff's own eligibility (R11): the partner's page, the facts kept on the request
and staff's "Process cancellation" page must say the same thing on the same day, across the 30-day
edge, with and without an activated benefit; when days pass between filing and processing, staff
see why the two differ.
"""

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation

from membership.models import Role
from offers.services import benefit_activate
from partnerportal.money import format_money
from support import services
from support.models import CancellationReason, ProblemType, QuoteKind, RefundKind, ServiceRequest, Severity
from tests.factories.membership import UserFactory
from tests.factories.offers import paid_subscription
from tests.factories.support import ServiceRequestFactory, StaffFactory
from tests.fixtures_infra import *  # noqa: F401,F403

PRICE = 47500


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def bought(stripe_settings, org, global_admin):
    """A subscription bought now (12:00 UTC, so whole days later stay on their date), and its payment."""
    noon = datetime.datetime.combine(timezone.localdate(), datetime.time(12), tzinfo=datetime.UTC)
    with time_machine.travel(noon, tick=False):
        return paid_subscription(org, user=global_admin)


def _day(subscription, n):
    """Noon on day ``n`` after the purchase."""
    start = subscription.current_period_start
    return datetime.datetime.combine(start + datetime.timedelta(days=n), datetime.time(12), tzinfo=datetime.UTC)


def _activate_a_benefit(subscription, user):
    tools = subscription.offer.benefits.get(code="developer-tools")
    benefit_activate(actor=user, subscription=subscription, benefit=tools)


def _form(subscription, **overrides):
    data = {
        "problem_type": ProblemType.INVOICE_PAYMENT,
        "subscription": subscription.pk,
        "wants_cancellation": "on",
        "order": "",
        "severity": Severity.MODERATE,
        "title": "Cancel our Action Pack",
        "description": "We no longer need the subscription.",
        "cancellation_reason": CancellationReason.NOT_USING_BENEFITS,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _cancel_page(client, subscription):
    response = client.get(reverse("support:new_cancellation") + f"?subscription={subscription.pk}")
    assert response.status_code == 200
    return response.content.decode()


def _quote_on_page(html, subscription):
    match = re.search(rf'<p class="refund-quote" id="refund-quote-{subscription.pk}"[^>]*>(.*?)</p>', html, re.S)
    assert match, "the cancellation page shows the subscription's refund quote"
    return re.sub(r"<[^>]+>", "", match.group(1))


def _process_page(client, service_request):
    return client.get(reverse("admin:support_servicerequest_process_cancellation", args=[service_request.pk]))


def _date(value):
    return formats.date_format(value, "DATE_FORMAT")


# --- The quote is staff's eligibility, the same day, across the 30-day edge ----------------------


@pytest.mark.django_db
class TestQuoteMatchesStaff:
    @pytest.mark.parametrize("day", [29, 30, 31])
    @pytest.mark.parametrize("activated", [False, True], ids=["no-benefit", "benefit-activated"])
    def test_the_partner_is_quoted_what_staff_see_on_day(self, client, bought, global_admin, day, activated):
        subscription, payment = bought
        if activated:
            with time_machine.travel(_day(subscription, 3), tick=False):
                _activate_a_benefit(subscription, global_admin)
        with time_machine.travel(_day(subscription, day), tick=False):
            client.force_login(global_admin)
            quoted = _quote_on_page(_cancel_page(client, subscription), subscription)
            response = client.post(reverse("support:request_new"), _form(subscription))
            assert response.status_code == 302
            service_request = ServiceRequest.objects.get()
            staff_quote = services.cancellation_quote(service_request=service_request)
            prorated = format_money(staff_quote.amount_for(RefundKind.PRORATED), "USD")
            full = format_money(staff_quote.amount_for(RefundKind.FULL), "USD")
            eligible = day <= 30 and not activated
            # What the partner read before Submit.
            if eligible:
                assert f"Day {day} of 30, no benefit activated: full refund of US$475.00, tax included." in quoted
                assert full == "US$475.00"
            elif activated:
                on = _date(subscription.current_period_start + datetime.timedelta(days=3))
                assert (
                    f"Benefits were activated on {on}: staff decide between a prorated refund ({prorated}) "
                    "and no refund." in quoted
                )
            else:
                assert (
                    "Day 31 of 30: the 30-day window for a full refund has passed; staff decide between a "
                    f"prorated refund ({prorated}) and no refund." in quoted
                )
            # What the request keeps: facts, the same as staff's eligibility that day.
            assert staff_quote.full_eligible is eligible
            assert service_request.quote_kind == (QuoteKind.FULL if eligible else QuoteKind.STAFF_DECIDE)
            assert service_request.quote_amount == staff_quote.amount_for(
                RefundKind.FULL if eligible else RefundKind.PRORATED
            )
            assert (service_request.quote_currency, service_request.quote_day) == ("USD", day)
            assert service_request.quote_paid_on == staff_quote.paid_on == subscription.current_period_start
            assert service_request.quote_window_days == 30
            assert service_request.quote_benefits_activated is activated
            assert service_request.quote_benefits_activated_on == (
                subscription.current_period_start + datetime.timedelta(days=3) if activated else None
            )
            assert service_request.quote_computed_at == timezone.now()
            # What staff see the same day: the same verdict and no difference to explain.
            client.force_login(StaffFactory())
            page = _process_page(client, service_request).content.decode()
            verdict = re.search(r'<strong id="eligibility-verdict">(.*?)</strong>', page).group(1)
            assert verdict == (
                "Eligible for a full refund."
                if eligible
                else "Not eligible for an automatic full refund: choose no refund, prorated or full."
            )
            assert "Today's eligibility is the same as the quote." in page
            assert 'id="quote-changes"' not in page
            # The partner's request page shows the quote that was kept.
            client.force_login(global_admin)
            detail = client.get(service_request.get_absolute_url()).content.decode()
            assert f"Refund quoted on {_date(_day(subscription, day).date())}:" in detail
            assert (f"full refund of {full}" if eligible else f"a prorated refund ({prorated})") in detail

    def test_the_quote_is_in_russian_for_a_russian_reader(self, client, bought, org):
        subscription, _ = bought
        russian = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
        with time_machine.travel(_day(subscription, 12), tick=False):
            client.force_login(russian)
            html = _cancel_page(client, subscription)
            quoted = _quote_on_page(html, subscription)
            assert (
                "День 12 из 30, ни одно преимущество не активировано: полный возврат 475,00\xa0$ с учётом налога."
                in quoted
            )
            assert "Почему вы хотите отменить подписку?" in html and "Слишком дорого" in html
            client.post(reverse("support:request_new"), _form(subscription))
            detail = client.get(ServiceRequest.objects.get().get_absolute_url()).content.decode()
            assert "Причина отмены: Мы не пользуемся преимуществами" in detail
            assert "полный возврат 475,00\xa0$" in detail


# --- A quote that differs from today's eligibility is explained ---------------------------------


@pytest.mark.django_db
class TestDifferenceExplained:
    def _file_on(self, client, subscription, user, day):
        with time_machine.travel(_day(subscription, day), tick=False):
            client.force_login(user)
            assert client.post(reverse("support:request_new"), _form(subscription)).status_code == 302
        return ServiceRequest.objects.get()

    def test_the_30_day_window_passed_since_the_quote(self, client, bought, global_admin):
        subscription, _ = bought
        service_request = self._file_on(client, subscription, global_admin, 12)
        assert service_request.quote_kind == QuoteKind.FULL
        with time_machine.travel(_day(subscription, 31), tick=False):
            client.force_login(StaffFactory())
            page = _process_page(client, service_request).content.decode()
            prorated = format_money(
                services.cancellation_quote(service_request=service_request).amount_for(RefundKind.PRORATED), "USD"
            )
        quoted_on = _date(_day(subscription, 12).date())
        assert (
            f"Quoted on {quoted_on}: full refund of US$475.00 (day 12 of 30); "
            f"today: prorated ({prorated}) or none (day 31 of 30)." in page
        )
        assert "the 30-day window has passed since (today is day 31)." in page
        assert "Not eligible for an automatic full refund" in page

    def test_the_explanation_in_russian_for_russian_staff(self, client, bought, global_admin):
        subscription, _ = bought
        service_request = self._file_on(client, subscription, global_admin, 12)
        staff = StaffFactory()
        staff.language = "ru"
        staff.save(update_fields=["language"])
        with time_machine.travel(_day(subscription, 31), tick=False):
            client.force_login(staff)
            page = _process_page(client, service_request).content.decode()
        assert "полный возврат 475,00\xa0$ (день 12 из 30); сегодня: пропорциональный (" in page
        assert "или никакого (день 31 из 30)." in page
        assert "с тех пор истек срок в 30 дн. (сегодня день 31)." in page

    def test_benefits_activated_after_the_quote(self, client, bought, global_admin):
        subscription, _ = bought
        service_request = self._file_on(client, subscription, global_admin, 5)
        with time_machine.travel(_day(subscription, 8), tick=False):
            _activate_a_benefit(subscription, global_admin)
        with time_machine.travel(_day(subscription, 10), tick=False):
            client.force_login(StaffFactory())
            page = _process_page(client, service_request).content.decode()
        assert f"benefits were activated on {_date(_day(subscription, 8).date())}, after the quote." in page
        assert "the 30-day window has passed" not in page
        assert "(day 10 of 30, benefits activated)" in page

    def test_days_used_shrink_the_prorated_amount(self, client, bought, global_admin):
        subscription, _ = bought
        service_request = self._file_on(client, subscription, global_admin, 40)
        assert service_request.quote_kind == QuoteKind.STAFF_DECIDE
        with time_machine.travel(_day(subscription, 45), tick=False):
            client.force_login(StaffFactory())
            page = _process_page(client, service_request).content.decode()
        assert "5 days of the term were used since: the prorated amount is smaller." in page

    def test_the_rules_on_facts(self):
        """quote_changes over facts alone: each rule, and no explanation when nothing changed."""
        at = datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)
        paid = datetime.date(2026, 11, 21)
        quoted = services.RefundQuote(QuoteKind.FULL, PRICE, "USD", paid, 12, 30, False, None, at)
        same = services.RefundQuote(QuoteKind.FULL, PRICE, "USD", paid, 13, 30, False, None, at)
        assert services.quote_changes(recorded=quoted, current=same) == []
        renewed_on = datetime.date(2027, 11, 21)
        renewed = services.RefundQuote(QuoteKind.FULL, PRICE, "USD", renewed_on, 1, 30, False, None, at)
        assert [c.code for c in services.quote_changes(recorded=quoted, current=renewed)] == []  # still full
        after_renewal = services.RefundQuote(QuoteKind.STAFF_DECIDE, 100, "USD", renewed_on, 40, 30, False, None, at)
        assert [c.code for c in services.quote_changes(recorded=quoted, current=after_renewal)] == ["paid_since"]
        both = services.RefundQuote(
            QuoteKind.STAFF_DECIDE, 100, "USD", paid, 31, 30, True, datetime.date(2026, 12, 20), at
        )
        assert [c.code for c in services.quote_changes(recorded=quoted, current=both)] == [
            "benefits_activated",
            "window_passed",
        ]


# --- The reason -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestReason:
    def test_a_cancellation_without_a_reason_is_refused_and_nothing_typed_is_lost(
        self, client_for, global_admin, bought
    ):
        subscription, _ = bought
        response = client_for(global_admin).post(
            reverse("support:request_new"),
            _form(subscription, cancellation_reason=None, title="Please stop it", description="Details kept here."),
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert "Choose why you want to cancel." in html
        assert 'value="Please stop it"' in html and "Details kept here." in html
        assert re.search(rf'<option value="{subscription.pk}" selected>', html)
        assert re.search(r'name="wants_cancellation"[^>]*checked', html)
        assert _quote_on_page(html, subscription)  # the quote is still there
        assert not ServiceRequest.objects.exists()

    def test_an_unknown_reason_is_a_form_error_not_a_500(self, client_for, global_admin, bought):
        subscription, _ = bought
        response = client_for(global_admin).post(
            reverse("support:request_new"), _form(subscription, cancellation_reason="cheaper-elsewhere")
        )
        assert response.status_code == 200
        assert "cancellation_reason" in response.context["form"].errors
        assert not ServiceRequest.objects.exists()

    def test_other_needs_text_and_keeps_it(self, client_for, global_admin, bought):
        subscription, _ = bought
        client = client_for(global_admin)
        response = client.post(
            reverse("support:request_new"),
            _form(subscription, cancellation_reason=CancellationReason.OTHER, cancellation_reason_other="  "),
        )
        assert response.status_code == 200
        assert "Tell us why you want to cancel." in response.content.decode()
        assert re.search(r'value="other"[^>]*checked', response.content.decode())
        assert not ServiceRequest.objects.exists()
        response = client.post(
            reverse("support:request_new"),
            _form(subscription, cancellation_reason=CancellationReason.OTHER, cancellation_reason_other="We merged"),
        )
        assert response.status_code == 302
        stored = ServiceRequest.objects.values("cancellation_reason", "cancellation_reason_other").get()
        assert stored == {"cancellation_reason": "other", "cancellation_reason_other": "We merged"}

    def test_the_stored_value_is_the_choice_and_text_is_kept_only_for_other(self, client_for, global_admin, bought):
        subscription, _ = bought
        response = client_for(global_admin).post(
            reverse("support:request_new"),
            _form(
                subscription,
                cancellation_reason=CancellationReason.BOUGHT_BY_MISTAKE,
                cancellation_reason_other="ignored",
            ),
        )
        assert response.status_code == 302
        stored = ServiceRequest.objects.values_list("cancellation_reason", "cancellation_reason_other").get()
        assert stored == ("bought_by_mistake", "")

    def test_a_request_that_is_no_cancellation_keeps_no_reason_and_no_quote(self, client_for, global_admin, bought):
        subscription, _ = bought
        response = client_for(global_admin).post(
            reverse("support:request_new"), _form(subscription, wants_cancellation=None)
        )
        assert response.status_code == 302
        service_request = ServiceRequest.objects.get()
        assert not service_request.wants_cancellation
        assert (service_request.cancellation_reason, service_request.quote_kind) == ("", "")

    def test_the_service_refuses_a_cancellation_without_a_reason(self, global_admin, bought):
        subscription, _ = bought
        fields = {
            "user": global_admin,
            "subscription": subscription,
            "problem_type": ProblemType.INVOICE_PAYMENT,
            "title": "Cancel",
            "description": "Please.",
            "severity": Severity.MODERATE,
        }
        with pytest.raises(ValidationError) as refused:
            services.cancellation_request_file(cancellation_reason="", **fields)
        assert "cancellation_reason" in refused.value.error_dict
        with pytest.raises(ValidationError) as refused:
            services.request_file(wants_cancellation=True, **fields)
        assert "cancellation_reason" in refused.value.error_dict
        assert not ServiceRequest.objects.exists()

    def test_the_reason_in_russian_and_its_error(self, client, bought, org):
        subscription, _ = bought
        russian = UserFactory(organization=org, roles=[Role.GLOBAL_ADMIN], language="ru")
        client.force_login(russian)
        response = client.post(reverse("support:request_new"), _form(subscription, cancellation_reason=None))
        html = response.content.decode()
        assert "Выберите, почему вы хотите отменить подписку." in html
        for label in ("Слишком дорого", "Мы не пользуемся преимуществами", "Мы переходим в другую программу"):
            assert label in html
        assert "Куплено по ошибке" in html and "Другое" in html

    def test_staff_see_the_reason_on_the_request_and_the_partner_on_its_page(self, client, bought, global_admin):
        subscription, _ = bought
        service_request = ServiceRequestFactory(
            user=global_admin,
            subscription=subscription,
            wants_cancellation=True,
            cancellation_reason=CancellationReason.OTHER,
            cancellation_reason_other="Budget <cut>",
        )
        client.force_login(StaffFactory())
        change = client.get(reverse("admin:support_servicerequest_change", args=[service_request.pk]))
        html = change.content.decode()
        assert "Other — <q>Budget &lt;cut&gt;</q>" in html
        assert "Day 0 of 30, no benefit activated: full refund of US$475.00, tax included." in html
        process = _process_page(client, service_request).content.decode()
        assert "Reason for cancelling: Other — <q>Budget &lt;cut&gt;</q>" in process
        queue = client.get(reverse("admin:support_servicerequest_changelist") + "?cancellation_reason=other")
        assert queue.status_code == 200 and service_request.number in queue.content.decode()
        queue = client.get(reverse("admin:support_servicerequest_changelist") + "?cancellation_reason=too_expensive")
        assert service_request.number not in queue.content.decode()
        client.force_login(global_admin)
        detail = client.get(service_request.get_absolute_url()).content.decode()
        assert "Reason for cancelling: Other — <q>Budget &lt;cut&gt;</q>" in detail


# --- Isolation --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestIsolation:
    def test_another_organisations_subscription_is_refused_and_never_quoted(
        self, client_for, global_admin, bought, other_org
    ):
        subscription, _ = bought
        foreign, _ = paid_subscription(other_org)
        client = client_for(global_admin)
        response = client.post(reverse("support:request_new"), _form(foreign))
        assert response.status_code == 200 and "subscription" in response.context["form"].errors
        html = response.content.decode()
        assert f'id="refund-quote-{foreign.pk}"' not in html and f'id="refund-quote-{subscription.pk}"' in html
        assert not ServiceRequest.objects.exists()
        assert client.get(reverse("support:new_cancellation") + f"?subscription={foreign.pk}").status_code == 404

    def test_the_service_refuses_another_organisations_subscription(self, global_admin, bought, other_org):
        foreign, _ = paid_subscription(other_org)
        with pytest.raises(ValidationError):
            services.cancellation_request_file(
                user=global_admin,
                subscription=foreign,
                cancellation_reason=CancellationReason.TOO_EXPENSIVE,
                problem_type=ProblemType.INVOICE_PAYMENT,
                title="Cancel theirs",
                description="No.",
                severity=Severity.MODERATE,
            )
        assert not ServiceRequest.objects.exists()


# --- Requests filed before quotes and reasons were kept ------------------------------------------


@pytest.mark.django_db
def test_an_old_request_without_quote_or_reason_renders_everywhere(client, bought, global_admin):
    subscription, _ = bought
    service_request = ServiceRequestFactory(user=global_admin, subscription=subscription, wants_cancellation=True)
    # As the migration leaves the rows filed before it: no reason, no quote.
    ServiceRequest.objects.filter(pk=service_request.pk).update(
        cancellation_reason="",
        quote_kind="",
        quote_amount=None,
        quote_currency="",
        quote_paid_on=None,
        quote_day=None,
        quote_window_days=None,
        quote_benefits_activated=None,
        quote_benefits_activated_on=None,
        quote_computed_at=None,
    )
    client.force_login(global_admin)
    detail = client.get(service_request.get_absolute_url())
    assert detail.status_code == 200
    assert 'id="refund-quote"' not in detail.content.decode()
    assert 'id="cancellation-reason"' not in detail.content.decode()
    client.force_login(StaffFactory())
    assert client.get(reverse("admin:support_servicerequest_change", args=[service_request.pk])).status_code == 200
    process = _process_page(client, service_request)
    assert process.status_code == 200
    assert "No quote was recorded: this request was filed before quotes were kept." in process.content.decode()
    assert "Eligible for a full refund." in process.content.decode()
    with translation.override("en"):
        assert services.recorded_quote(ServiceRequest.objects.get(pk=service_request.pk)) is None
