"""Nightly reconciliation: local payments and refunds against Stripe's charges and refunds.

Stripe is the record of money moved; our tables are the record of what we think moved. They can
part ways: a worker that dies between the charge and the database write, a refund made in Stripe's
dashboard, a duplicate charge that was never refunded, an amount edited by hand. The nightly task
lists Stripe's charges and refunds, compares them with the Payment and Refund rows, and tells staff
(an e-mail to every active staff user, plus a log line) about every difference. It changes nothing:
deciding what to do with money is a person's job.

Objects younger than ``grace_seconds`` (on either side) are left for the next run, so a payment in
flight while the task runs is not reported.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext

from partnerportal.notifications import notify, render_notification

from .gateways import ChargeRecord, ChargeRecordStatus, GatewayError, RefundOutcome, get_gateway
from .models import Payment, PaymentStatus, Refund, RefundStatus

logger = logging.getLogger(__name__)

TASK_NAME = "billing.reconciliation.reconcile_payments"
DEFAULT_GRACE_SECONDS = 15 * 60
PAGE_SIZE = 100
TEMPLATE_DIR = "billing/emails"


class Kind:
    MISSING_AT_STRIPE = "missing_at_stripe"
    MISSING_LOCALLY = "missing_locally"
    AMOUNT_MISMATCH = "amount_mismatch"
    STATUS_MISMATCH = "status_mismatch"
    PAYMENT_MISMATCH = "payment_mismatch"


@dataclass(frozen=True)
class Difference:
    """One disagreement between a local row and Stripe; empty fields are the side that is missing."""

    kind: str
    object_type: str  # payment | refund
    stripe_id: str = ""
    local_id: int | None = None
    local_reference: str = ""  # order number and attempt, for a person to find the row
    stripe_amount: int | None = None
    stripe_currency: str = ""
    stripe_status: str = ""
    local_amount: int | None = None
    local_currency: str = ""
    local_status: str = ""

    @property
    def label(self):
        """The kind, in the active language (read while rendering, under translation.override)."""
        labels = {
            Kind.MISSING_AT_STRIPE: gettext("Recorded here, missing at Stripe"),
            Kind.MISSING_LOCALLY: gettext("At Stripe, not recorded here"),
            Kind.AMOUNT_MISMATCH: gettext("Amounts differ"),
            Kind.STATUS_MISMATCH: gettext("Statuses differ"),
            Kind.PAYMENT_MISMATCH: gettext("Refund of another payment"),
        }
        return labels[self.kind]

    @property
    def object_label(self):
        return gettext("Payment") if self.object_type == "payment" else gettext("Refund")

    def as_log(self):
        return "%s %s stripe=%s local=%s stripe_amount=%s %s stripe_status=%s local_amount=%s %s local_status=%s" % (
            self.kind,
            self.object_type,
            self.stripe_id or "-",
            self.local_reference or "-",
            self.stripe_amount,
            self.stripe_currency,
            self.stripe_status or "-",
            self.local_amount,
            self.local_currency,
            self.local_status or "-",
        )


@dataclass
class ReconciliationReport:
    checked_at: datetime
    payments_checked: int = 0
    refunds_checked: int = 0
    stripe_charges: int = 0
    stripe_refunds: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def clean(self):
        return not self.differences


# --- Reading Stripe -----------------------------------------------------------------------------


def _stripe_objects(gateway):
    """(charges, refunds) as the gateway lists them, every page; GatewayError when Stripe cannot be read."""
    return gateway.list_charges(page_size=PAGE_SIZE), gateway.list_refunds(page_size=PAGE_SIZE)


# --- Comparing ----------------------------------------------------------------------------------


def _payment_reference(payment):
    return "%s #%s" % (payment.reference, payment.attempt)


def reconcile(*, gateway=None, grace_seconds: int = DEFAULT_GRACE_SECONDS, now=None) -> ReconciliationReport:
    """Compare every local Payment and Refund with Stripe's charges and refunds; read only."""
    gateway = gateway or get_gateway()
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=grace_seconds)
    charges, stripe_refunds = _stripe_objects(gateway)
    report = ReconciliationReport(checked_at=now, stripe_charges=len(charges), stripe_refunds=len(stripe_refunds))
    diff = report.differences.append
    succeeded = ChargeRecordStatus.SUCCEEDED

    # A PaymentIntent can have several charges (a failed one, then a successful retry): keep the
    # successful one, else the latest.
    charge_by_intent: dict[str, ChargeRecord] = {}
    for charge in charges:
        if not charge.payment_intent_id:
            continue
        kept = charge_by_intent.get(charge.payment_intent_id)
        if kept is None or charge.status == succeeded or (kept.status != succeeded and charge.created >= kept.created):
            charge_by_intent[charge.payment_intent_id] = charge
    intent_by_charge = {c.charge_id: c.payment_intent_id for c in charges}

    payments = list(Payment.objects.order_by("pk"))
    payment_by_intent = {p.stripe_payment_intent_id: p for p in payments if p.stripe_payment_intent_id}

    # Local successful payments must be successful charges of the same amount at Stripe.
    for payment in payments:
        if payment.status != PaymentStatus.SUCCEEDED or payment.created_at > cutoff:
            continue
        report.payments_checked += 1
        local = {
            "local_id": payment.pk,
            "local_reference": _payment_reference(payment),
            "local_amount": payment.amount,
            "local_currency": payment.currency.upper(),
            "local_status": payment.status,
        }
        charge = charge_by_intent.get(payment.stripe_payment_intent_id or "")
        if charge is None:
            diff(
                Difference(Kind.MISSING_AT_STRIPE, "payment", stripe_id=payment.stripe_payment_intent_id or "", **local)
            )
            continue
        stripe_side = _charge_side(payment.stripe_payment_intent_id, charge)
        if charge.status != succeeded:
            diff(Difference(Kind.STATUS_MISMATCH, "payment", **stripe_side, **local))
        elif (charge.amount, charge.currency) != (payment.amount, payment.currency.upper()):
            diff(Difference(Kind.AMOUNT_MISMATCH, "payment", **stripe_side, **local))

    # Stripe's successful charges must be successful payments here, unless the money went back
    # in full (a duplicate charge that staff refunded).
    for intent_id, charge in charge_by_intent.items():
        if charge.status != succeeded or charge.created > cutoff:
            continue
        payment = payment_by_intent.get(intent_id)
        if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
            continue  # compared above
        if charge.refunded or charge.amount_refunded >= charge.amount:
            continue
        stripe_side = _charge_side(intent_id, charge)
        if payment is None:
            diff(Difference(Kind.MISSING_LOCALLY, "payment", **stripe_side))
        else:
            diff(
                Difference(
                    Kind.STATUS_MISMATCH,
                    "payment",
                    local_id=payment.pk,
                    local_reference=_payment_reference(payment),
                    local_amount=payment.amount,
                    local_currency=payment.currency.upper(),
                    local_status=payment.status,
                    **stripe_side,
                )
            )

    refunds = list(Refund.objects.select_related("payment").order_by("pk"))
    stripe_refund_by_id = {r.refund_id: r for r in stripe_refunds}
    local_refund_ids = {r.stripe_refund_id for r in refunds if r.stripe_refund_id}

    for refund in refunds:
        if refund.created_at > cutoff:
            continue
        stripe_refund = stripe_refund_by_id.get(refund.stripe_refund_id or "")
        if refund.status != RefundStatus.SUCCEEDED and not (
            stripe_refund is not None and stripe_refund.status == RefundOutcome.SUCCEEDED
        ):
            continue  # pending or failed on both sides (or not sent): nothing moved
        report.refunds_checked += 1
        local = {
            "local_id": refund.pk,
            "local_reference": "%s (%s)" % (_payment_reference(refund.payment), refund.pk),
            "local_amount": refund.amount,
            "local_currency": refund.currency.upper(),
            "local_status": refund.status,
        }
        if stripe_refund is None:
            diff(Difference(Kind.MISSING_AT_STRIPE, "refund", stripe_id=refund.stripe_refund_id or "", **local))
            continue
        stripe_side = _refund_side(stripe_refund)
        refund_intent = stripe_refund.payment_intent_id or intent_by_charge.get(stripe_refund.charge_id, "")
        # Stripe's refund statuses and ours share their values for the states both have.
        if stripe_refund.status.value != refund.status:
            diff(Difference(Kind.STATUS_MISMATCH, "refund", **stripe_side, **local))
        elif (stripe_refund.amount, stripe_refund.currency) != (refund.amount, refund.currency.upper()):
            diff(Difference(Kind.AMOUNT_MISMATCH, "refund", **stripe_side, **local))
        elif refund_intent and refund_intent != refund.payment.stripe_payment_intent_id:
            diff(Difference(Kind.PAYMENT_MISMATCH, "refund", **stripe_side, **local))

    for stripe_refund in stripe_refunds:
        if (
            stripe_refund.refund_id in local_refund_ids
            or stripe_refund.status != RefundOutcome.SUCCEEDED
            or stripe_refund.created > cutoff
        ):
            continue
        diff(Difference(Kind.MISSING_LOCALLY, "refund", **_refund_side(stripe_refund)))
    return report


def _charge_side(intent_id, charge: ChargeRecord):
    return {
        "stripe_id": intent_id or charge.charge_id,
        "stripe_amount": charge.amount,
        "stripe_currency": charge.currency,
        "stripe_status": charge.status.value,
    }


def _refund_side(stripe_refund):
    return {
        "stripe_id": stripe_refund.refund_id,
        "stripe_amount": stripe_refund.amount,
        "stripe_currency": stripe_refund.currency,
        "stripe_status": stripe_refund.status.value,
    }


# --- Telling staff ------------------------------------------------------------------------------


def staff_recipients():
    return get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="").order_by("pk")


def render_report_email(*, report: ReconciliationReport, user):
    """(subject, text, html) for one staff user, in their language."""
    return render_notification(template=f"{TEMPLATE_DIR}/reconciliation", recipient=user, context={"report": report})


def reconciliation_notify(*, report: ReconciliationReport) -> int:
    """Log the outcome; e-mail every active staff user when there is a difference. Returns e-mails sent."""
    if report.clean:
        logger.info(
            "Reconciliation clean: %d payments and %d refunds match Stripe's %d charges and %d refunds",
            report.payments_checked,
            report.refunds_checked,
            report.stripe_charges,
            report.stripe_refunds,
        )
        return 0
    logger.warning(
        "Reconciliation found %d difference(s) with Stripe: %s",
        len(report.differences),
        "; ".join(d.as_log() for d in report.differences),
    )
    recipients = list(staff_recipients())
    if not recipients:
        logger.error("Reconciliation found differences but there is no active staff user with an e-mail address")
        return 0
    return notify(template=f"{TEMPLATE_DIR}/reconciliation", recipients=recipients, context={"report": report})


def reconciliation_run(*, grace_seconds: int = DEFAULT_GRACE_SECONDS, now=None) -> ReconciliationReport:
    report = reconcile(grace_seconds=grace_seconds, now=now)
    reconciliation_notify(report=report)
    return report


@shared_task(
    name=TASK_NAME,
    bind=True,
    ignore_result=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=360,
)
def reconcile_payments(self):
    """Nightly (beat): compare with Stripe and tell staff; retried while Stripe cannot be read."""
    try:
        report = reconciliation_run()
    except GatewayError as exc:
        # Below the broker's visibility timeout; the next night runs anyway.
        logger.error("Reconciliation could not read Stripe (attempt %d): %s", self.request.retries + 1, exc)
        raise self.retry(exc=exc, countdown=600) from exc
    return {"differences": len(report.differences), "checked_at": report.checked_at.astimezone(UTC).isoformat()}
