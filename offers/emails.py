"""Lifecycle e-mails (R9, R10) and the order confirmation, each recipient in their own language (R14)."""

import datetime
import logging

from celery import shared_task
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from billing import selectors as billing_selectors
from billing.emails import document_attachments, with_billing_contact
from membership.permissions import BILLING_ROLES
from membership.selectors import organization_users_with_roles
from partnerportal.notifications import notify, render_notification, site_url

from .models import Order, OrderStatus, Subscription
from .selectors import lifecycle_email_recipients
from .selectors.lifecycle import renewal_card, renewal_charge
from .terms import renewal_window

logger = logging.getLogger(__name__)

TEMPLATE_DIR = "offers/emails/lifecycle"
TEMPLATES = (
    "upcoming_renewal",
    "expiry_reminder",
    "card_expires",
    "renewal_succeeded",
    "renewal_failed",
    "expired",
)
# The reminders about money: the billing contact receives them too (billing.emails).
MONEY_TEMPLATES = ("upcoming_renewal", "card_expires", "renewal_succeeded", "renewal_failed")


# Why an automatic renewal failed; lazy, so each e-mail shows it in its recipient's language.
FAILURE_REASONS = {
    "declined": _("The card was declined."),
    "authentication_required": _("The card requires authentication, which an automatic renewal cannot provide."),
    "no_card": _("There is no card on file for the automatic renewal."),
    "card_missing": _("The card on file can no longer be charged. Add a new one."),
}


def _context(subscription: Subscription, extra: dict) -> dict:
    order = None
    if extra.get("order_id"):
        order = Order.objects.filter(pk=extra["order_id"], subscription=subscription).first()
    next_attempt_on = extra.get("next_attempt_on")
    invoice = billing_selectors.invoice_for_reference(reference=order.number) if order is not None else None
    charge = renewal_charge(subscription) if order is None else None
    return {
        "invoice": invoice,
        "invoice_url": site_url(invoice.get_pdf_url()) if invoice else "",
        "subscription": subscription,
        "organization": subscription.organization,
        "card": renewal_card(subscription),
        "order": order,
        # R19: an e-mail about an order says its total; the others what the renewal charges (price and tax of its day).
        "amount": order.amount if order is not None else charge[0],
        "currency": order.currency if order is not None else charge[1],
        "period_end": subscription.current_period_end,
        "renew_until": renewal_window(subscription.current_period_end)[1],
        "days_left": extra.get("days_left"),
        "message": FAILURE_REASONS.get(extra.get("reason"), ""),
        "attempt": extra.get("attempt"),
        "final": bool(extra.get("final")),
        "next_attempt_on": datetime.date.fromisoformat(next_attempt_on) if next_attempt_on else None,
        "details_url": site_url(subscription.get_absolute_url()),
        "pay_now_url": site_url(reverse("subscriptions:pay_now", args=[subscription.pk])),
        "offers_url": site_url(reverse("offers:offer_list")),
    }


def _offer_name(subscription_or_order):
    # Read under each recipient's language (partnerportal.notifications runs it so).
    return lambda recipient: {"offer_name": subscription_or_order.offer.localized("name")}


def render_lifecycle_email(*, template: str, subscription: Subscription, user, extra: dict | None = None):
    """(subject, text, html) for one recipient, rendered in the user's language."""
    if template not in TEMPLATES:
        raise ValueError("unknown lifecycle e-mail %r" % template)
    return render_notification(
        template=f"{TEMPLATE_DIR}/{template}",
        recipient=user,
        context=_context(subscription, extra or {}),
        context_for=_offer_name(subscription),
    )


def send_lifecycle_email(*, template: str, subscription_id: int, extra: dict | None = None) -> int:
    """Send one lifecycle e-mail to the organisation's Global and Billing admins; returns the count sent."""
    if template not in TEMPLATES:
        raise ValueError("unknown lifecycle e-mail %r" % template)
    subscription = (
        Subscription.objects.select_related("offer", "organization", "payment_method")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return 0
    recipients = list(lifecycle_email_recipients(organization=subscription.organization))
    if template in MONEY_TEMPLATES:
        recipients = with_billing_contact(recipients, organization_id=subscription.organization_id)
    if not recipients:
        logger.warning("No Global or Billing admin to tell about subscription %s (%s)", subscription_id, template)
        return 0
    context = _context(subscription, extra or {})
    return notify(
        template=f"{TEMPLATE_DIR}/{template}",
        recipients=recipients,
        context=context,
        context_for=_offer_name(subscription),
        attachments_for=document_attachments(context["invoice"]),
    )


# --- "Your order is confirmed." -------------------------------------------------------------------


def _order_recipients(order: Order):
    if order.created_by_id and order.created_by.is_active:
        return [order.created_by]
    # Automatic renewals have no person behind them: tell the organisation's billing users.
    return list(organization_users_with_roles(organization_id=order.organization_id, roles=BILLING_ROLES))


# A Celery task here rather than in offers.tasks: the charging service enqueues it, and the tasks
# module imports the services. Its registered name is the one messages already queued carry, and
# they carry the order id as a positional argument.
@shared_task(name="offers.tasks.send_order_confirmation", soft_time_limit=30, time_limit=60)
def order_confirmation_send(order_id: int) -> int:
    """Send "Your order is confirmed." for a paid order; returns the number of e-mails sent."""
    order = (
        Order.objects.select_related("offer", "organization", "payment_method", "subscription", "created_by")
        .filter(pk=order_id, status=OrderStatus.PAID)
        .first()
    )
    if order is None:
        return 0
    invoice = billing_selectors.invoice_for_reference(reference=order.number)
    return notify(
        template="offers/emails/order_confirmed",
        recipients=with_billing_contact(_order_recipients(order), organization_id=order.organization_id),
        attachments_for=document_attachments(invoice),
        event="order:%d:confirmed" % order.pk,  # a task run twice, or redelivered, tells once
        context={
            "order": order,
            "invoice": invoice,
            "invoice_url": site_url(invoice.get_pdf_url()) if invoice else "",
        },
        context_for=_offer_name(order),
    )
