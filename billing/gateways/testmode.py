"""Cards made on the server from a test card number, as only a test-mode Stripe (or localstripe) allows.

A test double's helper, kept out of ``PaymentGateway``: production never makes a card on the server
(the browser does, through stripe.js), so the interface every caller sees offers no such thing. The
demo data and the tests are its only users.
"""

from .stripe_gateway import StripeGateway


def server_side_card(*, number: str, exp_month: int = 12, exp_year: int = 2035, cvc: str = "123") -> str:
    """A card PaymentMethod id made from a test card number; raises GatewayError or PaymentDeclined as the gateway does."""
    gateway = StripeGateway()
    card = {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}
    return gateway._call(gateway.client.v1.payment_methods.create, params={"type": "card", "card": card}).id
