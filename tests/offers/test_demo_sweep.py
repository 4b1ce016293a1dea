"""The lifecycle shown on the demo data: the demo data swept a year ahead renews, reminds and expires as the rules say."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from membership.dates import add_months
from offers.models import Order, OrderKind, OrderStatus, Reminder, ReminderKind, Subscription, SubscriptionStatus


def _subscription(org_name):
    return Subscription.objects.select_related("organization").get(organization__name=org_name)


@pytest.mark.django_db(transaction=True)
def test_demo_subscriptions_a_year_ahead(stripe_settings, staff_groups):
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "Demo subscriptions" in out.getvalue()
    fabrikam = _subscription("Fabrikam Solutions")
    anniversary = fabrikam.current_period_end
    assert anniversary == add_months(fabrikam.started_on, 12)
    # Running the demo data again buys nothing more.
    call_command("load_demo_data", stdout=StringIO())
    assert Subscription.objects.count() == 3
    mail.outbox.clear()

    call_command("run_subscription_sweep", "--today", anniversary.isoformat(), stdout=StringIO())

    # R6: auto-renewal on and a good card: charged once, a new 12-month term.
    fabrikam.refresh_from_db()
    assert fabrikam.status == SubscriptionStatus.ACTIVE
    assert fabrikam.current_period_end == add_months(anniversary, 12)
    assert (
        Order.objects.filter(subscription=fabrikam, kind=OrderKind.AUTO_RENEWAL, status=OrderStatus.PAID).count() == 1
    )

    # R7/R9: auto-renewal off: expired on its end date, and told so once.
    northwind = _subscription("Northwind Traders")
    assert northwind.status == SubscriptionStatus.EXPIRED
    assert Reminder.objects.filter(subscription=northwind, kind=ReminderKind.EXPIRED).count() == 1

    # R10: the card on file declines: past due, benefits kept, retried the next day.
    adventure = _subscription("Adventure Works")
    assert adventure.status == SubscriptionStatus.PAST_DUE
    assert adventure.renewal_attempts == 1
    assert adventure.next_renewal_attempt_on is not None and adventure.next_renewal_attempt_on > anniversary

    recipients = {address for message in mail.outbox for address in message.to}
    assert {"global@fabrikam.example", "global@northwind.example", "global@adventure-works.example"} <= recipients

    # The same day swept again changes nothing and charges nothing more.
    call_command("run_subscription_sweep", "--today", anniversary.isoformat(), stdout=StringIO())
    assert (
        Order.objects.filter(subscription=fabrikam, kind=OrderKind.AUTO_RENEWAL, status=OrderStatus.PAID).count() == 1
    )
    adventure.refresh_from_db()
    assert adventure.renewal_attempts == 1
