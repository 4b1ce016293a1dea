"""Staff's decision on a cancellation (R11) and the approvals a refund needs (R23), then processing it.

A decision is approved by one member of finance staff (``REFUND_PERMISSION``), or by two different
ones when its refund is above ``settings.REFUND_SECOND_APPROVAL_ABOVE``. Only the approval that
completes it goes ahead: ``cancellation_process`` refunds (once per decision, through
billing.refunds), cancels the subscription, resolves the request and tells the partner, in that order.
Every step runs under the request's row lock, and the partial unique constraints on decisions and
approvals are the backstop: a double submit or two approvers at once make one decision and one refund.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.refunds import RefundError, refund_create
from offers.models import LIVE_STATUSES, Subscription, TimelineKind
from offers.services import subscription_cancel, timeline_add
from partnerportal import page_cache
from partnerportal.money import format_money

from ..models import (
    CancellationDecision,
    DecisionStatus,
    RefundApproval,
    RefundKind,
    RequestMessage,
    ServiceRequest,
)
from .cancellation import cancellation_quote
from .requests import REFUND_PERMISSION, S, request_change_status, request_email_on_commit, request_locked

logger = logging.getLogger(__name__)

# A decision "processing" this long is taken to be a crashed attempt and may be started again.
STALE_PENDING = datetime.timedelta(minutes=10)


class CancellationError(Exception):
    """Processing stopped; the message is for staff. The request stays open and can be retried."""


def approvals_needed(amount: int) -> int:
    """R23: two approvals from different staff above the threshold (minor units of the charge's currency)."""
    return 2 if amount > settings.REFUND_SECOND_APPROVAL_ABOVE else 1


def check_refund_permission(actor) -> None:
    """Only finance staff (and superusers) decide refunds; the admin hides the action, this refuses it."""
    if not actor.has_perm(REFUND_PERMISSION):
        raise PermissionDenied(_("Only staff with the billing permission can process cancellations and refunds."))


def _decision_for(*, locked, refund_kind, amount, quote, actor):
    """The decision this approval is for: the one waiting, a failed one to retry, or a new one."""
    awaiting = locked.decisions.filter(status=DecisionStatus.AWAITING_APPROVAL).first()
    payment = quote.payment if refund_kind != RefundKind.NONE else None
    if awaiting is not None:
        if (awaiting.refund_kind, awaiting.amount, awaiting.payment_id) != (
            refund_kind,
            amount,
            payment.pk if payment else None,
        ):
            raise CancellationError(
                _(
                    "Another decision is waiting for its second approval (%(kind)s, %(amount)s). "
                    "Approve that one, or reject it before deciding otherwise."
                )
                % {
                    "kind": awaiting.get_refund_kind_display(),
                    "amount": format_money(awaiting.amount, awaiting.currency),
                }
            )
        return awaiting
    # A retry of the same decision reuses its key, so the gateway sees the same idempotency key.
    failed = (
        locked.decisions.filter(status=DecisionStatus.FAILED, refund_kind=refund_kind, amount=amount, payment=payment)
        .order_by("-decided_at")
        .first()
    )
    if failed is not None:
        # Approvals already given stay given; a threshold lowered since may ask for one more.
        failed.approvals_required = max(failed.approvals_required, approvals_needed(amount))
        failed.decided_by = actor
        return failed
    return CancellationDecision(
        request=locked,
        subscription_id=locked.subscription_id,
        payment=payment,
        refund_kind=refund_kind,
        amount=amount,
        currency=quote.currency,
        decided_by=actor,
        approvals_required=approvals_needed(amount),
    )


def _start_decision(*, service_request, refund_kind, expected_amount, actor, today):
    """Lock the request and record this approval; returns (request, decision, what happens next).

    Next is "done" (already completed: a repeat is a no-op), "waiting" (the approval is recorded and
    the decision waits for a second, different approver) or "go" (approved enough: process it now).
    """
    with transaction.atomic():
        locked = request_locked(service_request)
        completed = locked.decisions.filter(status=DecisionStatus.COMPLETED).first()
        if completed is not None:
            return locked, completed, "done"
        if locked.status == S.CLOSED:
            raise CancellationError(_("This request is closed."))
        pending = locked.decisions.filter(status=DecisionStatus.PENDING).first()
        if pending is not None:
            if timezone.now() - pending.decided_at <= STALE_PENDING:
                raise CancellationError(_("This cancellation is already being processed."))
            pending.status = DecisionStatus.FAILED
            pending.failure_message = "Abandoned: no answer within 10 minutes."
            pending.save(update_fields=["status", "failure_message"])
        quote = cancellation_quote(service_request=locked, today=today)
        amount = quote.amount_for(refund_kind)
        if expected_amount is not None and amount != expected_amount:
            raise CancellationError(_("The amount has changed since you reviewed it. Review the decision again."))
        if refund_kind != RefundKind.NONE:
            if quote.payment is None:
                raise CancellationError(_("There is no succeeded payment for this subscription to refund."))
            if amount <= 0:
                raise CancellationError(_("Nothing is left of the term to refund; choose no refund."))
        if Subscription.objects.get(pk=locked.subscription_id).status not in LIVE_STATUSES:
            raise CancellationError(_("Only a live subscription can be cancelled."))
        decision = _decision_for(locked=locked, refund_kind=refund_kind, amount=amount, quote=quote, actor=actor)
        given = list(decision.approvals.all()) if decision.pk else []
        approve = len(given) < decision.approvals_required
        if approve and any(approval.approver_id == actor.pk for approval in given):
            raise CancellationError(
                _(
                    "You have already approved this refund. A second approval must come from another "
                    "member of finance staff."
                )
            )
        ready = len(given) + (1 if approve else 0) >= decision.approvals_required
        decision.status = DecisionStatus.PENDING if ready else DecisionStatus.AWAITING_APPROVAL
        decision.failure_message = ""
        if ready:
            decision.decided_at = timezone.now()  # what the stale-pending check above measures from
        decision.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                decision.save()
                if approve:
                    RefundApproval.objects.create(
                        decision=decision,
                        step=len(given) + 1,
                        approver=actor,
                        refund_kind=decision.refund_kind,
                        amount=decision.amount,
                        currency=decision.currency,
                    )
        except IntegrityError:
            # Another staff member's decision or approval got in first (a unique constraint said no).
            raise CancellationError(_("This cancellation is already being processed.")) from None
        return locked, decision, "go" if ready else "waiting"


def _fail_decision(decision, message, actor):
    with transaction.atomic():
        CancellationDecision.objects.filter(pk=decision.pk).update(
            status=DecisionStatus.FAILED, failure_message=message[:500]
        )
        page_cache.row_changed(decision)  # update() sends no post_save
        RequestMessage.objects.create(
            request_id=decision.request_id,
            author=actor,
            is_internal=True,
            body=f"Cancellation not completed: {message}",
        )


def _post_outcome_reply(*, service_request, decision, refund, actor):
    """Tell the partner in the conversation too, in their language (the e-mail says the same)."""
    with translation.override(service_request.requester.language or settings.LANGUAGE_CODE):
        body = _("“%(offer)s” is cancelled.") % {"offer": decision.subscription.offer.localized("name")}
        if refund is not None:
            body += " " + _("We refunded %(amount)s to the card you paid with.") % {
                "amount": format_money(refund.amount, refund.currency)
            }
        else:
            body += " " + _("No refund was made.")
    RequestMessage.objects.create(request=service_request, author=actor, body=body, is_internal=False)


def cancellation_process(
    *,
    service_request: ServiceRequest,
    refund_kind: str,
    actor,
    expected_amount: int | None = None,
    today: datetime.date | None = None,
) -> CancellationDecision:
    """Approve the decision; once approved enough, refund, cancel, resolve and e-mail, in that order.

    A decision whose refund is above the threshold comes back AWAITING_APPROVAL after its first
    approval, and a second call by another member of finance staff processes it. Exactly once: a
    completed decision makes a repeat a no-op, a pending one refuses a concurrent start, and the refund
    is keyed by the decision. A refund failure leaves the subscription and the request as they were
    and raises CancellationError; running it again retries (the approvals given stay given).
    """
    check_refund_permission(actor)
    refund_kind = RefundKind(refund_kind)
    service_request, decision, next_step = _start_decision(
        service_request=service_request,
        refund_kind=refund_kind,
        expected_amount=expected_amount,
        actor=actor,
        today=today,
    )
    if next_step != "go":
        return decision

    refund = None
    if decision.refund_kind != RefundKind.NONE:
        try:
            refund = refund_create(
                payment=decision.payment,
                amount=decision.amount,
                decision_key=decision.key,
                actor=actor,
                reason=f"Cancellation {service_request.number}",
            )
        except RefundError as exc:
            _fail_decision(decision, str(exc), actor)
            raise CancellationError(str(exc)) from exc

    try:
        with transaction.atomic():
            locked = request_locked(service_request)
            decision = CancellationDecision.objects.select_for_update().get(pk=decision.pk)
            subscription = subscription_cancel(
                subscription=decision.subscription,
                actor=actor,
                facts={"request": locked.number, "refund": decision.refund_kind},
            )
            if refund is not None:
                timeline_add(
                    subscription=subscription,
                    kind=TimelineKind.REFUNDED,
                    actor=actor,
                    # The order number, which the partner knows, not the payment's internal id.
                    data={
                        "amount": refund.amount,
                        "currency": refund.currency,
                        "refund": decision.refund_kind,
                        "request": locked.number,
                        "order": refund.payment.reference,
                    },
                )
            decision.refund = refund
            decision.status = DecisionStatus.COMPLETED
            decision.completed_at = timezone.now()
            decision.save(update_fields=["refund", "status", "completed_at"])
            if locked.status != S.RESOLVED:
                request_change_status(
                    service_request=locked,
                    to_status=S.RESOLVED,
                    actor=actor,
                    note=f"Subscription cancelled ({decision.refund_kind})",
                    notify=False,
                )
            _post_outcome_reply(service_request=locked, decision=decision, refund=refund, actor=actor)
            request_email_on_commit(locked.pk, "cancelled", decision_id=decision.pk)
    except ValidationError as exc:
        # The refund (if any) is made and recorded under this decision's key; a retry reuses it.
        message = "; ".join(exc.messages)
        _fail_decision(decision, message, actor)
        raise CancellationError(message) from exc
    return decision


@transaction.atomic
def cancellation_reject(*, service_request: ServiceRequest, actor) -> CancellationDecision:
    """Reject the decision waiting for its second approval; nothing was refunded, staff may decide anew."""
    check_refund_permission(actor)
    locked = request_locked(service_request)
    awaiting = locked.decisions.select_for_update().filter(status=DecisionStatus.AWAITING_APPROVAL).first()
    if awaiting is None:
        raise CancellationError(_("No decision is waiting for a second approval."))
    awaiting.status = DecisionStatus.REJECTED
    awaiting.rejected_by = actor
    awaiting.rejected_at = timezone.now()
    awaiting.save(update_fields=["status", "rejected_by", "rejected_at"])
    return awaiting
