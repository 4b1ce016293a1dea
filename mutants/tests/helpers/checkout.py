"""Walk the purchase wizard as the browser does (the purchase, billing, webhook and crash tests use it)."""

import urllib.request

from django.urls import reverse

from billing.gateways import get_gateway
from billing.models import PaymentMethod
from offers.models import Order, OrderKind
from tests.factories.billing import OK_CARD, stripe_card


def payment_intent_count():
    return len(get_gateway().client.v1.payment_intents.list(params={"limit": 100}).data)


def step(name, order):
    return reverse("offers:checkout_%s" % name, args=[order.pk])


def start_order(client, offer):
    response = client.post(reverse("offers:subscribe", args=[offer.pk]))
    assert response.status_code == 302, response
    order = Order.objects.filter(offer=offer, kind=OrderKind.PURCHASE).latest("created_at")
    assert response["Location"] == step("terms", order)
    return order


def accept_terms(client, order):
    response = client.post(step("terms", order), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"] == step("payment", order)


def add_card(client, order, number=OK_CARD):
    """Get started! Add a way to pay → the browser's confirmCardSetup → the card id posted back."""
    page = client.get(step("payment", order) + "?add=1")
    assert page.status_code == 200
    assert "data-client-secret" in page.content.decode()
    response = client.post(step("add_card", order), {"payment_method_id": stripe_card(number)})
    assert response.status_code == 302
    return PaymentMethod.objects.filter(organization=order.organization).latest("created_at")


def choose_card(client, order, method):
    response = client.post(step("payment", order), {"payment_method": method.pk})
    assert response.status_code == 302 and response["Location"] == step("review", order), response
    return response


def to_review(client, offer, number=OK_CARD):
    order = start_order(client, offer)
    accept_terms(client, order)
    method = add_card(client, order, number)
    choose_card(client, order, method)
    return order


def buy(client, order):
    return client.post(step("buy", order))


def authenticate_in_browser(localstripe_url, client_secret, success):
    """What localstripe's stripe.js does in confirmCardPayment: the publishable key, from the browser."""
    intent_id = client_secret.split("_secret_")[0]
    body = ('{"key": "pk_test_localstripe", "client_secret": "%s"}' % client_secret).encode()
    request = urllib.request.Request(
        "%s/v1/payment_intents/%s/_authenticate?success=%s" % (localstripe_url, intent_id, str(success).lower()),
        data=body,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []
