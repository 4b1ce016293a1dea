"""Update the card and pay now (R20): a past-due renewal paid at once, exactly once, through the renewal's own path."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.urls import reverse
from django.utils import translation

from billing.models import PaymentMethod, PaymentStatus
from billing.services import billing_profile_save, decline_message
from membership.models import Role
from offers.models import OrderStatus, Subscription, SubscriptionStatus
from offers.services import (
    OutcomeStatus,
    subscription_pay_now,
    subscription_pay_now_confirm,
    subscription_renew,
    subscriptions_sweep,
)
from tests.factories.billing import DECLINED_CARD, OK_CARD, THREE_DS_CARD, CardFactory, stripe_card
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import SubscriptionFactory
from tests.helpers.checkout import authenticate_in_browser, messages_of
from tests.helpers.lifecycle import at, auto_orders, committed, intents, mails_with, payments

D = datetime.date.fromisoformat
DUE = D("2027-11-25")
NEXT_END = D("2028-11-25")


def renewal_key(subscription, attempt):
    return "order-AR-%06d-%s-attempt-%d" % (subscription.pk, DUE.strftime("%Y%m%d"), attempt)


def past_due(organization):
    """An Action Pack whose automatic renewal on DUE was declined: past due, retried on DUE + 1."""
    subscription = SubscriptionFactory(
        organization=organization,
        start="2026-11-25",
        payment_method=CardFactory(organization=organization, number=DECLINED_CARD),
    )
    with at(DUE):
        assert committed(subscription_renew, subscription_id=subscription.pk, today=DUE).outcome == "failed"
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    return subscription


def state(subscription):
    subscription = Subscription.objects.get(pk=subscription.pk)
    return (
        subscription.status,
        subscription.current_period_start,
        subscription.current_period_end,
        subscription.renewal_attempts,
        subscription.next_renewal_attempt_on,
        subscription.payment_method_id,
    )


@pytest.fixture
def billing_admin(org):
    return UserFactory(organization=org, roles=[Role.BILLING_ADMIN])


@pytest.fixture
def subscription(org, billing_admin, stripe_settings):
    return past_due(org)


def pay_now_url(subscription, suffix=""):
    return reverse("subscriptions:pay_now%s" % suffix, args=[subscription.pk])


@pytest.mark.django_db
class TestThePayment:
    def test_past_due_then_pay_now_is_active_for_the_new_term_with_one_charge(
        self, subscription, billing_admin, localstripe_process
    ):
        card = CardFactory(organization=subscription.organization)
        mail.outbox.clear()
        with at(DUE + datetime.timedelta(hours=5)):
            outcome = committed(
                subscription_pay_now, subscription_id=subscription.pk, payment_method_id=card.pk, actor=billing_admin
            )
        assert outcome.status == OutcomeStatus.PAID
        assert state(subscription) == (SubscriptionStatus.ACTIVE, DUE, NEXT_END, 0, None, card.pk)
        # The renewal's own order for the term, its second attempt: the retries' key sequence continued.
        order = auto_orders(subscription).get()
        assert order.status == OrderStatus.PAID and order.number == "AR-%06d-20271125" % subscription.pk
        assert [(p.status, p.idempotency_key) for p in payments(subscription)] == [
            (PaymentStatus.FAILED, renewal_key(subscription, 1)),
            (PaymentStatus.SUCCEEDED, renewal_key(subscription, 2)),
        ]
        assert [i["status"] for i in intents(localstripe_process)].count("succeeded") == 1
        told = [address for m in mails_with("has been renewed") for address in m.to]
        assert billing_admin.email in told and len(told) == len(set(told))  # each admin once

    def test_the_retries_stop(self, subscription, billing_admin, localstripe_process):
        card = CardFactory(organization=subscription.organization)
        with at(DUE):
            subscription_pay_now(subscription_id=subscription.pk, payment_method_id=card.pk, actor=billing_admin)
        paid = state(subscription)
        for offset in (1, 3, 7):
            day = DUE + datetime.timedelta(days=offset)
            with at(day):
                enqueued = []
                subscriptions_sweep(today=day, enqueue=lambda *args, into=enqueued: into.append(args))
                assert enqueued == []
                assert subscription_renew(subscription_id=subscription.pk, today=day).outcome == "not_due"
        assert state(subscription) == paid
        assert payments(subscription).count() == 2
        assert [i["status"] for i in intents(localstripe_process)].count("succeeded") == 1

    def test_a_decline_says_why_in_the_readers_language_and_changes_nothing(self, subscription, billing_admin):
        declining = CardFactory(organization=subscription.organization, number=DECLINED_CARD)
        before = state(subscription)
        with at(DUE), translation.override("ru"):
            outcome = subscription_pay_now(
                subscription_id=subscription.pk, payment_method_id=declining.pk, actor=billing_admin
            )
            expected = decline_message("card_declined")
        assert outcome.status == OutcomeStatus.DECLINED
        assert outcome.message == expected and "отклонена" in expected
        assert state(subscription) == before
        assert auto_orders(subscription).get().status == OrderStatus.FAILED

    def test_a_decline_then_another_card_pays(self, subscription, billing_admin, localstripe_process):
        declining = CardFactory(organization=subscription.organization, number=DECLINED_CARD)
        card = CardFactory(organization=subscription.organization)
        with at(DUE):
            first = subscription_pay_now(
                subscription_id=subscription.pk, payment_method_id=declining.pk, actor=billing_admin
            )
            second = subscription_pay_now(
                subscription_id=subscription.pk, payment_method_id=card.pk, actor=billing_admin
            )
        assert (first.status, second.status) == (OutcomeStatus.DECLINED, OutcomeStatus.PAID)
        assert state(subscription)[:3] == (SubscriptionStatus.ACTIVE, DUE, NEXT_END)
        assert auto_orders(subscription).count() == 1

    def test_3d_secure_is_confirmed_in_the_browser_then_paid(self, subscription, billing_admin, localstripe_process):
        card = CardFactory(organization=subscription.organization, number=THREE_DS_CARD)
        with at(DUE):
            outcome = subscription_pay_now(
                subscription_id=subscription.pk, payment_method_id=card.pk, actor=billing_admin
            )
            assert outcome.status == OutcomeStatus.REQUIRES_ACTION and outcome.client_secret
            assert state(subscription)[0] == SubscriptionStatus.PAST_DUE  # nothing until it is confirmed
            authenticate_in_browser(localstripe_process.url, outcome.client_secret, success=True)
            confirmed = committed(subscription_pay_now_confirm, subscription_id=subscription.pk, actor=billing_admin)
        assert confirmed.status == OutcomeStatus.PAID
        assert state(subscription)[:5] == (SubscriptionStatus.ACTIVE, DUE, NEXT_END, 0, None)
        assert [i["status"] for i in intents(localstripe_process)].count("succeeded") == 1

    def test_3d_secure_left_unconfirmed_then_another_card_pays_once(
        self, subscription, billing_admin, localstripe_process
    ):
        auth = CardFactory(organization=subscription.organization, number=THREE_DS_CARD)
        card = CardFactory(organization=subscription.organization)
        with at(DUE):
            pending = subscription_pay_now(
                subscription_id=subscription.pk, payment_method_id=auth.pk, actor=billing_admin
            )
            assert pending.status == OutcomeStatus.REQUIRES_ACTION
            # Committed, as a request's would be: the pending PaymentIntent is cancelled at Stripe then.
            paid = committed(
                subscription_pay_now, subscription_id=subscription.pk, payment_method_id=card.pk, actor=billing_admin
            )
        assert paid.status == OutcomeStatus.PAID
        assert state(subscription)[:3] == (SubscriptionStatus.ACTIVE, DUE, NEXT_END)
        statuses = [i["status"] for i in intents(localstripe_process)]
        assert statuses.count("succeeded") == 1 and "requires_action" not in statuses

    def test_not_past_due_is_refused_with_a_message(self, org, billing_admin, stripe_settings):
        card = CardFactory(organization=org)
        active = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=card)
        with pytest.raises(ValidationError, match="not past due"):
            subscription_pay_now(subscription_id=active.pk, payment_method_id=card.pk, actor=billing_admin)
        assert payments(active).count() == 0

    def test_a_card_of_another_organisation_is_refused(self, subscription, billing_admin):
        foreign = CardFactory(organization=OrganizationFactory())
        before = state(subscription)
        with at(DUE), pytest.raises(ValidationError):
            subscription_pay_now(subscription_id=subscription.pk, payment_method_id=foreign.pk, actor=billing_admin)
        assert state(subscription) == before

    @pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN])
    def test_a_role_without_billing_is_refused(self, subscription, role):
        user = UserFactory(organization=subscription.organization, roles=[role])
        card = CardFactory(organization=subscription.organization)
        before = state(subscription)
        with at(DUE), pytest.raises(PermissionDenied):
            subscription_pay_now(subscription_id=subscription.pk, payment_method_id=card.pk, actor=user)
        assert state(subscription) == before and payments(subscription).count() == 1


@pytest.mark.django_db
class TestThePages:
    def test_details_and_dashboard_lead_a_billing_admin_to_pay_now(self, subscription, billing_admin, client_for):
        client = client_for(billing_admin)
        url = pay_now_url(subscription)
        assert 'href="%s"' % url in client.get(subscription.get_absolute_url()).content.decode()
        assert 'href="%s"' % url in client.get(reverse("dashboard:index")).content.decode()
        page = client.get(url)
        assert page.status_code == 200 and 'id="pay-now-form"' in page.content.decode()

    def test_post_pays_and_a_second_post_charges_nothing(
        self, subscription, billing_admin, client_for, localstripe_process
    ):
        card = CardFactory(organization=subscription.organization)
        with at(DUE):
            client = client_for(billing_admin)
            first = client.post(pay_now_url(subscription), {"payment_method": card.pk}, follow=True)
            second = client.post(pay_now_url(subscription), {"payment_method": card.pk}, follow=True)
        assert first.redirect_chain[-1][0] == subscription.get_absolute_url()
        assert any("Payment received" in m for m in messages_of(first))
        assert any("not past due" in m for m in messages_of(second))
        assert state(subscription)[:3] == (SubscriptionStatus.ACTIVE, DUE, NEXT_END)
        assert [i["status"] for i in intents(localstripe_process)].count("succeeded") == 1
        assert payments(subscription).count() == 2

    def test_a_decline_is_shown_in_russian_and_nothing_changes(self, subscription, billing_admin, client_for):
        billing_admin.language = "ru"
        billing_admin.save(update_fields=["language"])
        declining = CardFactory(organization=subscription.organization, number=DECLINED_CARD)
        before = state(subscription)
        with at(DUE):
            client = client_for(billing_admin)
            response = client.post(pay_now_url(subscription), {"payment_method": declining.pk}, follow=True)
        assert response.redirect_chain[-1][0] == pay_now_url(subscription)
        with translation.override("ru"):
            expected = decline_message("card_declined")
        assert expected in messages_of(response)
        assert state(subscription) == before

    def test_a_card_added_on_the_page_is_offered_for_paying(self, subscription, billing_admin, client_for):
        client = client_for(billing_admin)
        page = client.get(pay_now_url(subscription) + "?add=1")
        assert "data-client-secret" in page.content.decode()
        response = client.post(pay_now_url(subscription, "_add_card"), {"payment_method_id": stripe_card(OK_CARD)})
        card = PaymentMethod.objects.filter(organization=subscription.organization).latest("created_at")
        assert response["Location"] == "%s?card=%d" % (pay_now_url(subscription), card.pk)
        radio = client.get(response["Location"]).content.decode().split('value="%d"' % card.pk)[1].split(">")[0]
        assert "checked" in radio

    def test_another_organisations_subscription_is_404(self, subscription, client_for, stripe_settings):
        stranger = UserFactory(organization=OrganizationFactory(), roles=[Role.GLOBAL_ADMIN])
        client = client_for(stranger)
        assert client.get(pay_now_url(subscription)).status_code == 404
        assert client.post(pay_now_url(subscription), {"payment_method": 1}).status_code == 404
        assert client.post(pay_now_url(subscription, "_confirm")).status_code == 404

    @pytest.mark.parametrize("role", [Role.ACCOUNT_ADMIN, Role.MPN_PARTNER_ADMIN])
    def test_a_role_without_billing_sees_the_control_disabled_with_the_reason_and_gets_403(
        self, subscription, client_for, role
    ):
        user = UserFactory(organization=subscription.organization, roles=[role])
        client = client_for(user)
        for page in (subscription.get_absolute_url(), reverse("dashboard:index")):
            body = client.get(page).content.decode()
            assert 'disabled aria-describedby="pay-now-reason" data-testid="pay-now"' in body
            assert "Billing admin" in body.split('id="pay-now-reason"')[1][:300]
            assert 'href="%s"' % pay_now_url(subscription) not in body
        card = CardFactory(organization=subscription.organization)
        assert client.post(pay_now_url(subscription), {"payment_method": card.pk}).status_code == 403
        assert client.get(pay_now_url(subscription)).status_code == 403
        assert state(subscription)[0] == SubscriptionStatus.PAST_DUE

    def test_not_past_due_page_says_so(self, org, billing_admin, client_for, stripe_settings):
        active = SubscriptionFactory(organization=org, start="2026-11-25", payment_method=CardFactory(organization=org))
        response = client_for(billing_admin).get(pay_now_url(active), follow=True)
        assert response.redirect_chain[-1][0] == active.get_absolute_url()
        assert any("not past due" in m for m in messages_of(response))
        assert 'data-testid="pay-now"' not in response.content.decode()


@pytest.mark.django_db
def test_the_failure_email_leads_users_to_pay_now_and_the_billing_contact_to_no_link(
    org, billing_admin, stripe_settings
):
    subscription = SubscriptionFactory(
        organization=org, start="2026-11-25", payment_method=CardFactory(organization=org, number=DECLINED_CARD)
    )
    billing_profile_save(
        organization=org,
        actor=billing_admin,
        legal_name="Contoso Ltd",
        street="1 Main St",
        city="Dublin",
        postal_code="",
        country="IE",
        tax_id="",
        billing_contact_email="finance@contoso.example",
    )
    mail.outbox.clear()
    with at(DUE):
        committed(subscription_renew, subscription_id=subscription.pk, today=DUE)
    failed = mails_with("automatic renewal")
    url = pay_now_url(subscription)
    to_user = [m for m in failed if m.to == [billing_admin.email]]
    assert to_user and url in to_user[0].body and url in to_user[0].alternatives[0][0]
    # The billing contact cannot sign in: no portal link at all.
    to_contact = [m for m in failed if m.to == ["finance@contoso.example"]]
    assert to_contact and url not in to_contact[0].body and url not in to_contact[0].alternatives[0][0]


@pytest.mark.locking
@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_tries_charge_once(stripe_settings, localstripe_process):
    """Ten Pay now at once, as ten tabs would: one charge, whatever the database (PostgreSQL's advisory
    lock or SQLite's file lock is the renewal's claim; the order's row lock and status stand behind it)."""
    organization = OrganizationFactory()
    admin = UserFactory(organization=organization, roles=[Role.BILLING_ADMIN])
    subscription = past_due(organization)
    card = CardFactory(organization=organization)
    barrier = threading.Barrier(10)
    outcomes, errors = [], []

    def one_try():
        try:
            barrier.wait(timeout=10)
            outcomes.append(
                subscription_pay_now(subscription_id=subscription.pk, payment_method_id=card.pk, actor=admin).status
            )
        except ValidationError as exc:  # arrived after the payment: "not past due"
            outcomes.append(" ".join(exc.messages))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    with at(DUE):
        threads = [threading.Thread(target=one_try) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert outcomes.count(OutcomeStatus.PAID) == 1, outcomes
    assert all(
        o in (OutcomeStatus.PAID, OutcomeStatus.IN_PROGRESS, OutcomeStatus.ALREADY_PAID) or "not past due" in o
        for o in outcomes
    ), outcomes
    assert state(subscription)[:5] == (SubscriptionStatus.ACTIVE, DUE, NEXT_END, 0, None)
    assert auto_orders(subscription).count() == 1
    assert [p.status for p in payments(subscription)] == [PaymentStatus.FAILED, PaymentStatus.SUCCEEDED]
    assert [i["status"] for i in intents(localstripe_process)].count("succeeded") == 1
