"""Billing e-mails, rendered in each recipient's language (R14), as HTML and plain text."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from membership.models import User
from membership.permissions import BILLING_ROLES

from .models import Order, OrderStatus


def _recipients(order: Order):
    if order.created_by_id and order.created_by.is_active:
        return [order.created_by]
    # Automatic renewals have no person behind them: tell the organisation's billing users.
    return list(
        User.objects.filter(organization_id=order.organization_id, is_active=True, roles__role__in=BILLING_ROLES)
        .distinct()
        .order_by("email")
    )


def order_confirmation_send(*, order_id: int) -> int:
    """Send "Your order is confirmed." for a paid order; returns the number of e-mails sent."""
    order = (
        Order.objects.select_related("offer", "organization", "payment_method", "subscription", "created_by")
        .filter(pk=order_id, status=OrderStatus.PAID)
        .first()
    )
    if order is None:
        return 0
    sent = 0
    for user in _recipients(order):
        with translation.override(user.language or settings.LANGUAGE_CODE):
            context = {
                "order": order,
                "user": user,
                "offer_name": order.offer.localized("name"),
                "PORTAL_NAME": settings.PORTAL_NAME,
            }
            subject = render_to_string("billing/emails/order_confirmed_subject.txt", context).strip()
            text = render_to_string("billing/emails/order_confirmed.txt", context)
            html = render_to_string("billing/emails/order_confirmed.html", context)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        sent += 1
    return sent
