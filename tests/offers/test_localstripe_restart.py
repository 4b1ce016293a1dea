"""A restart of the embedded default (localstripe beside the SQLite database) keeps renewals working.

`make run` keeps localstripe's state in var/localstripe.pickle; here each test has its own
localstripe with a state file in a temporary folder (localstripe_with_state). Start, buy, stop,
start, sweep a year ahead: renewed. A localstripe that lost its state answers 404 for the card:
past due with "the card on file can no longer be charged", not "the payment service is unavailable".
"""

import datetime

import pytest
from django.utils import translation

from billing.models import PaymentStatus
from billing.services import decline_message
from membership.models import Role
from offers import services
from offers.models import OrderStatus, SubscriptionStatus, TimelineKind
from offers.selectors import current_terms, subscription_timeline
from tests.factories.billing import CardFactory
from tests.factories.membership import OrganizationFactory, UserFactory
from tests.factories.offers import action_pack
from tests.helpers.lifecycle import at, auto_orders, intents, mails_with, payments, sweep

D = datetime.date.fromisoformat
BOUGHT_ON = D("2026-11-25")
RENEWAL_DAY = D("2027-11-25")
CARD_MISSING_TEXT = "The card on file can no longer be charged. Add a new one."
pytestmark = pytest.mark.django_db


def _buy_through_the_services():
    """A Global admin buys the Action Pack with a saved card, as the purchase wizard does."""
    organization = OrganizationFactory(name="Contoso")
    admin = UserFactory(organization=organization, roles=[Role.GLOBAL_ADMIN])
    card = CardFactory(organization=organization, added_by=admin)
    offer = action_pack()
    with at(BOUGHT_ON):
        order = services.order_start_purchase(organization=organization, offer=offer, user=admin)
        order = services.order_accept_terms(
            order=order, terms=current_terms(offer=offer), user=admin, ip_address="127.0.0.1"
        )
        order = services.order_set_payment_method(order=order, payment_method=card, user=admin)
        outcome = services.order_charge(order_id=order.pk, actor=admin)
    assert outcome.status == "paid", outcome
    order.refresh_from_db()
    return order.subscription


def test_start_buy_stop_start_then_the_sweep_a_year_ahead_renews(localstripe_with_state):
    subscription = _buy_through_the_services()
    assert subscription.current_period_end == RENEWAL_DAY
    assert localstripe_with_state.state_file.exists()

    localstripe_with_state.restart()  # `make run` stopped and started again: same port, same state file

    with at(RENEWAL_DAY):
        sweep()
    subscription.refresh_from_db()
    assert (subscription.status, subscription.current_period_start, subscription.current_period_end) == (
        SubscriptionStatus.ACTIVE,
        RENEWAL_DAY,
        D("2028-11-25"),
    )
    assert subscription.renewal_attempts == 0
    renewal = auto_orders(subscription).get()
    assert renewal.status == OrderStatus.PAID
    assert [p.status for p in payments(subscription).filter(reference=renewal.number)] == [PaymentStatus.SUCCEEDED]
    charged = intents(localstripe_with_state)
    assert [i["status"] for i in charged] == ["succeeded", "succeeded"]  # the purchase and the renewal
    assert mails_with("has been renewed")  # one per recipient


def test_a_localstripe_that_lost_its_state_makes_the_renewal_past_due_with_a_new_card_asked(
    localstripe_with_state,
):
    subscription = _buy_through_the_services()

    # Started without its state (the file removed, the database kept): it knows no customer or card.
    localstripe_with_state.stop()
    localstripe_with_state.state_file.unlink()
    localstripe_with_state.start()

    with at(RENEWAL_DAY):
        sweep()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert (subscription.renewal_attempts, subscription.next_renewal_attempt_on) == (
        1,
        RENEWAL_DAY + datetime.timedelta(days=1),
    )
    renewal = auto_orders(subscription).get()
    assert renewal.status == OrderStatus.FAILED
    assert renewal.failure_message == CARD_MISSING_TEXT
    assert "unavailable" not in renewal.failure_message
    assert [(p.status, p.failure_code) for p in payments(subscription).filter(reference=renewal.number)] == [
        (PaymentStatus.FAILED, "card_missing")
    ]
    failed = subscription_timeline(subscription=subscription).filter(verb=TimelineKind.RENEWAL_FAILED.verb).get()
    assert CARD_MISSING_TEXT in failed.detail
    emails = mails_with("failed")
    assert emails and all(CARD_MISSING_TEXT in email.body for email in emails)  # one per recipient
    assert intents(localstripe_with_state) == []  # nothing was charged

    # The next day's retry asks again (and fails the same way) instead of waiting for a service that is up.
    with at(RENEWAL_DAY + datetime.timedelta(days=1)):
        sweep()
    subscription.refresh_from_db()
    assert subscription.renewal_attempts == 2


def test_the_reason_is_translated():
    with translation.override("ru"):
        assert decline_message("card_missing") == (
            "Сохранённую карту больше нельзя использовать для оплаты. Добавьте новую."
        )
