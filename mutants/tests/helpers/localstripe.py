"""Read what localstripe holds, to check what the payment service actually did there."""


def localstripe_refunds(localstripe_process, payment_intent_id):
    """The refunds localstripe holds for a PaymentIntent."""
    answer = localstripe_process.request("GET", "/v1/refunds?limit=100")
    return [refund for refund in answer["data"] if refund.get("payment_intent") == payment_intent_id]
