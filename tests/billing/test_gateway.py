"""The payment gateway's public methods against a real localstripe: the interface every caller relies on."""

import dataclasses
import hashlib
import hmac
import json
import time
import typing

import pytest
import stripe

from billing.gateways import (
    CARD_MISSING,
    ChargeRecord,
    ChargeRecordStatus,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentDeclined,
    PaymentGateway,
    RefundOutcome,
    RefundRecord,
    RefundRequest,
    RefundResult,
    WebhookSignatureInvalid,
    get_gateway,
)
from billing.gateways.stripe_gateway import StripeGateway
from billing.gateways.testmode import server_side_card

pytestmark = pytest.mark.django_db

OK_CARD = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"
THREE_DS_CARD = "4000002760003184"


@pytest.fixture
def gateway(stripe_settings):
    return get_gateway()


@pytest.fixture
def customer_id(gateway, org):
    return gateway.create_customer(name=org.name, email="billing@contoso.example", organization_id=org.pk)


_keys = iter(range(1, 10_000))


def _charge(gateway, customer_id, *, number=OK_CARD, amount=47500, metadata=None):
    card = gateway.attach_card(customer_id=customer_id, payment_method_id=server_side_card(number=number))
    return gateway.charge(
        ChargeRequest(
            customer_id=customer_id,
            payment_method_id=card.payment_method_id,
            amount=amount,
            currency="USD",
            idempotency_key="gateway-test-%d" % next(_keys),
            metadata=metadata or {},
        )
    )


def test_the_stripe_gateway_has_every_method_of_the_protocol():
    wanted = {name for name, value in vars(PaymentGateway).items() if callable(value) and not name.startswith("_")}
    assert {"find_intent", "cancel", "list_charges", "list_refunds", "parse_webhook"} <= wanted
    assert not [name for name in wanted if not callable(getattr(StripeGateway, name, None))]


def test_the_protocol_asks_nothing_only_a_test_mode_service_can_do():
    """Making a card from its number is for demo data and tests: a helper, not part of the interface."""
    wanted = {name for name in vars(PaymentGateway) if not name.startswith("_")}
    assert not [name for name in wanted if "test" in name], wanted
    assert not hasattr(StripeGateway, "create_test_card")


def test_a_saved_test_card_is_attached_and_described(gateway, customer_id):
    card = gateway.attach_card(customer_id=customer_id, payment_method_id=server_side_card(number=OK_CARD))
    assert (card.last4, card.exp_month, card.exp_year, card.customer_id) == ("4242", 12, 2035, customer_id)


class TestFindIntent:
    def test_finds_the_intent_whose_metadata_holds_all_the_values(self, gateway, customer_id):
        _charge(gateway, customer_id, metadata={"order_number": "P-00001", "payment_id": 1})
        wanted = _charge(gateway, customer_id, amount=12000, metadata={"order_number": "P-00001", "payment_id": 2})

        found = gateway.find_intent(customer_id=customer_id, metadata={"order_number": "P-00001", "payment_id": 2})

        assert found is not None
        assert found.payment_intent_id == wanted.payment_intent_id
        assert found.status == ChargeStatus.SUCCEEDED

    def test_values_are_compared_as_strings(self, gateway, customer_id):
        wanted = _charge(gateway, customer_id, metadata={"payment_id": 7})
        assert gateway.find_intent(customer_id=customer_id, metadata={"payment_id": "7"}).payment_intent_id == (
            wanted.payment_intent_id
        )

    def test_unknown_metadata_finds_nothing(self, gateway, customer_id):
        _charge(gateway, customer_id, metadata={"order_number": "P-00001", "payment_id": 1})
        unknown = {"order_number": "P-00001", "payment_id": 9}
        assert gateway.find_intent(customer_id=customer_id, metadata=unknown) is None
        assert gateway.find_intent(customer_id=customer_id, metadata={"attempt": "1"}) is None

    def test_another_customers_intent_is_not_found(self, gateway, customer_id, other_org):
        other_customer = gateway.create_customer(name=other_org.name, email="", organization_id=other_org.pk)
        _charge(gateway, other_customer, metadata={"payment_id": 5})
        assert gateway.find_intent(customer_id=customer_id, metadata={"payment_id": 5}) is None
        assert gateway.find_intent(customer_id=other_customer, metadata={"payment_id": 5}) is not None

    def test_a_declined_attempt_is_found_as_failed(self, gateway, customer_id):
        with pytest.raises(PaymentDeclined):
            _charge(gateway, customer_id, number=DECLINED_AT_CHARGE, metadata={"payment_id": 3})
        found = gateway.find_intent(customer_id=customer_id, metadata={"payment_id": 3})
        assert found is not None and found.status == ChargeStatus.FAILED

    def test_stripe_unreachable_is_a_gateway_error(self, gateway, customer_id, localstripe_down):
        with pytest.raises(GatewayError):
            gateway.find_intent(customer_id=customer_id, metadata={"payment_id": 1})


class TestChargeOnWhatStripeDoesNotKnow:
    """Stripe 404 resource_missing on a charge: the card must be replaced, the service is not down."""

    def _request(self, customer_id, payment_method_id):
        return ChargeRequest(
            customer_id=customer_id,
            payment_method_id=payment_method_id,
            amount=47500,
            currency="USD",
            idempotency_key="gateway-test-%d" % next(_keys),
            off_session=True,
        )

    def test_an_unknown_customer_and_card_is_a_decline_not_an_outage(self, gateway):
        with pytest.raises(PaymentDeclined) as declined:
            gateway.charge(self._request("cus_unknown000001", "pm_unknown000001"))
        assert declined.value.code == CARD_MISSING
        assert "can no longer be charged" in str(declined.value)

    def test_an_unknown_card_of_a_known_customer_is_a_decline(self, gateway, customer_id):
        with pytest.raises(PaymentDeclined) as declined:
            gateway.charge(self._request(customer_id, "pm_unknown000002"))
        assert declined.value.code == CARD_MISSING

    def test_a_card_forgotten_by_the_service_is_a_decline(self, gateway, customer_id, localstripe_process):
        card = gateway.attach_card(customer_id=customer_id, payment_method_id=server_side_card(number=OK_CARD))
        localstripe_process.reset()  # what a localstripe restarted without its state knows
        with pytest.raises(PaymentDeclined) as declined:
            gateway.charge(self._request(customer_id, card.payment_method_id))
        assert declined.value.code == CARD_MISSING

    def test_stripes_own_answer_400_resource_missing_is_a_decline(self, gateway, monkeypatch):
        # Real Stripe names a missing customer or card given as a parameter with 400 and code
        # resource_missing (localstripe answers 404 without a code): the same decline.
        def no_such_customer(*args, **kwargs):
            raise stripe.InvalidRequestError(
                "No such customer: 'cus_gone'", "customer", code="resource_missing", http_status=400
            )

        monkeypatch.setattr(gateway.client.v1.payment_intents, "create", no_such_customer)
        with pytest.raises(PaymentDeclined) as declined:
            gateway.charge(self._request("cus_gone", "pm_gone"))
        assert declined.value.code == CARD_MISSING

    def test_other_invalid_requests_stay_gateway_errors(self, gateway, customer_id):
        card = gateway.attach_card(customer_id=customer_id, payment_method_id=server_side_card(number=OK_CARD))
        request = dataclasses.replace(self._request(customer_id, card.payment_method_id), amount=-1)
        with pytest.raises(GatewayError):
            gateway.charge(request)

    def test_stripe_unreachable_is_still_a_gateway_error(self, gateway, localstripe_down):
        with pytest.raises(GatewayError):
            gateway.charge(self._request("cus_unknown000003", "pm_unknown000003"))


class TestCancel:
    def test_an_intent_waiting_for_authentication_is_cancelled(self, gateway, customer_id, localstripe_process):
        result = _charge(gateway, customer_id, number=THREE_DS_CARD)
        assert result.status == ChargeStatus.REQUIRES_ACTION

        gateway.cancel(payment_intent_id=result.payment_intent_id)

        raw = localstripe_process.request("GET", "/v1/payment_intents/%s" % result.payment_intent_id)
        assert raw["status"] == "canceled"
        assert gateway.retrieve(payment_intent_id=result.payment_intent_id).status == ChargeStatus.FAILED

    def test_an_unknown_intent_is_a_gateway_error(self, gateway):
        with pytest.raises(GatewayError):
            gateway.cancel(payment_intent_id="pi_doesnotexist0001")


class TestListChargesAndRefunds:
    def test_charges_and_refunds_are_listed_as_records(self, gateway, customer_id):
        paid = _charge(gateway, customer_id, metadata={"payment_id": 1})
        other = _charge(gateway, customer_id, amount=12000)
        with pytest.raises(PaymentDeclined):
            _charge(gateway, customer_id, number=DECLINED_AT_CHARGE)
        refund = gateway.refund(
            RefundRequest(payment_intent_id=paid.payment_intent_id, amount=10000, idempotency_key="refund-1")
        )
        assert refund.status == RefundOutcome.SUCCEEDED and refund.amount == 10000

        charges = {c.payment_intent_id: c for c in gateway.list_charges()}
        refunds = gateway.list_refunds()

        assert len(charges) == 3
        first = charges[paid.payment_intent_id]
        assert (first.amount, first.currency, first.status) == (47500, "USD", ChargeRecordStatus.SUCCEEDED)
        assert first.charge_id.startswith("ch_")  # (localstripe does not copy the intent's metadata to its charge)
        assert first.created.tzinfo is not None
        assert (charges[other.payment_intent_id].amount, charges[other.payment_intent_id].status) == (
            12000,
            ChargeRecordStatus.SUCCEEDED,
        )
        ours = (paid.payment_intent_id, other.payment_intent_id)
        declined = [c for c in charges.values() if c.payment_intent_id not in ours]
        assert [c.status for c in declined] == [ChargeRecordStatus.FAILED]

        assert len(refunds) == 1
        (listed,) = refunds
        assert listed.refund_id == refund.refund_id
        assert (listed.amount, listed.currency, listed.status) == (10000, "USD", RefundOutcome.SUCCEEDED)
        intent_by_charge = {c.charge_id: c.payment_intent_id for c in charges.values()}
        assert paid.payment_intent_id in (listed.payment_intent_id, intent_by_charge.get(listed.charge_id))

    def test_every_page_is_read(self, gateway, customer_id):
        made = {_charge(gateway, customer_id, amount=1000 + n).payment_intent_id for n in range(5)}
        for n, intent_id in enumerate(sorted(made)[:3]):
            gateway.refund(RefundRequest(payment_intent_id=intent_id, amount=100, idempotency_key="page-%d" % n))

        assert {c.payment_intent_id for c in gateway.list_charges(page_size=2)} == made
        assert len(gateway.list_refunds(page_size=2)) == 3

    def test_stripe_unreachable_is_a_gateway_error(self, gateway, localstripe_down):
        with pytest.raises(GatewayError):
            gateway.list_charges()
        with pytest.raises(GatewayError):
            gateway.list_refunds()


def _signature(payload: bytes, secret: str, timestamp=None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), b"%d." % timestamp + payload, hashlib.sha256).hexdigest()
    return "t=%d,v1=%s" % (timestamp, digest)


class TestParseWebhook:
    EVENT = {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}}

    def test_a_correctly_signed_event_comes_back_as_a_plain_dict(self, gateway, settings):
        payload = json.dumps(self.EVENT).encode()
        event = gateway.parse_webhook(payload=payload, signature=_signature(payload, settings.STRIPE_WEBHOOK_SECRET))
        assert type(event) is dict and event == self.EVENT
        assert type(event["data"]["object"]) is dict

    @pytest.mark.parametrize(
        "signature",
        [
            lambda payload, secret: _signature(payload, "whsec_wrong"),
            lambda payload, secret: _signature(payload + b" ", secret),  # signed another body
            lambda payload, secret: _signature(payload, secret, timestamp=int(time.time()) - 3600),  # replayed
            lambda payload, secret: "",
            lambda payload, secret: "garbage",
        ],
        ids=["wrong-secret", "other-body", "too-old", "missing", "garbage"],
    )
    def test_a_wrong_signature_is_refused(self, gateway, settings, signature):
        payload = json.dumps(self.EVENT).encode()
        with pytest.raises(WebhookSignatureInvalid):
            gateway.parse_webhook(payload=payload, signature=signature(payload, settings.STRIPE_WEBHOOK_SECRET))

    def test_a_signed_body_that_is_not_json_is_refused(self, gateway, settings):
        payload = b"not json"
        with pytest.raises(WebhookSignatureInvalid):
            gateway.parse_webhook(payload=payload, signature=_signature(payload, settings.STRIPE_WEBHOOK_SECRET))


class TestDemoHelpers:
    def test_ping_answers_when_stripe_is_up_and_raises_when_down(self, gateway, localstripe_process):
        gateway.ping()
        localstripe_process.stop()
        try:
            with pytest.raises(GatewayError):
                gateway.ping()
        finally:
            localstripe_process.start()

    def test_customer_exists(self, gateway, customer_id):
        assert gateway.customer_exists(customer_id=customer_id) is True
        assert gateway.customer_exists(customer_id="cus_doesnotexist0001") is False


def test_gateway_results_use_enums_not_strings():
    hints = typing.get_type_hints
    assert hints(ChargeResult)["status"] is ChargeStatus
    assert hints(RefundResult)["status"] is RefundOutcome
    assert hints(ChargeRecord)["status"] is ChargeRecordStatus
    assert hints(RefundRecord)["status"] is RefundOutcome
