#!/usr/bin/env python3
"""Run against the production-like stack's own settings and database (tests/stack/tools.Stack.ctl).

    stackctl.py buyers N TAG   create N enrolled organisations with a Global admin; print their e-mails
    stackctl.py audit          print the orders' consistency and the reconciliation with localstripe

Prints one JSON document on its last line.
"""

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def audit():
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from billing.models import Payment, PaymentStatus
    from billing.reconciliation import reconcile
    from offers.models import Order, OrderKind, OrderStatus

    def attempts(status):
        # Billing keys a payment by its order's number: count an order's attempts in one status.
        counted = (
            Payment.objects.filter(reference=OuterRef("number"), status=status)
            .order_by()
            .values("reference")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    orders = Order.objects.annotate(
        succeeded=attempts(PaymentStatus.SUCCEEDED), pending=attempts(PaymentStatus.PENDING)
    )
    problems = []
    for order in orders:
        if order.status == OrderStatus.PAID:
            if order.succeeded != 1:
                problems.append("%s paid with %d succeeded payments" % (order.number, order.succeeded))
            if order.paid_at is None or order.subscription_id is None:
                problems.append("%s paid without paid_at or subscription" % order.number)
        elif order.succeeded:
            problems.append("%s %s but has a succeeded payment" % (order.number, order.status))
        if order.status == OrderStatus.PROCESSING and not order.pending:
            problems.append("%s processing without a pending attempt" % order.number)
        if order.status in (OrderStatus.DRAFT, OrderStatus.FAILED) and order.pending:
            problems.append("%s %s with a pending attempt" % (order.number, order.status))
    purchases = Order.objects.filter(kind=OrderKind.PURCHASE)
    report = reconcile(grace_seconds=0)
    # A charge Stripe made that we did not record is acceptable only as a visible trace: its order
    # still processing with the pending attempt (and the reconciliation reporting it to staff).
    # Anything else is a lost or half-written order.
    from billing.gateways import get_gateway

    client = get_gateway().client
    unsettled, lost = [], []
    for difference in report.differences:
        order = None
        if difference.kind == "missing_locally" and difference.object_type == "payment":
            metadata = client.v1.payment_intents.retrieve(difference.stripe_id).to_dict().get("metadata") or {}
            order = orders.filter(pk=metadata.get("order_id") or 0).first()
        if order is not None and order.status == OrderStatus.PROCESSING and order.pending:
            unsettled.append(order.number)
        else:
            lost.append(difference.as_log())
    return {
        "orders": dict(Counter(o.status for o in orders)),
        "purchase_orders": purchases.count(),
        "problems": problems,
        "processing": list(orders.filter(status=OrderStatus.PROCESSING).values_list("number", flat=True)),
        "reconciliation": [d.as_log() for d in report.differences],
        "unsettled": unsettled,
        "lost": lost,
        "stripe_charges": report.stripe_charges,
    }


def main(argv):
    import load

    load.setup_django({})
    if argv[0] == "buyers":
        print(json.dumps(load.prepare_buyers(int(argv[1]), argv[2])))
    elif argv[0] == "audit":
        print(json.dumps(audit()))
    else:
        raise SystemExit("unknown command %r" % argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
