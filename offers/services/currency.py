"""R19: staff change an organisation's billing currency, only while none of its subscriptions is live.

The partner chooses the currency in the billing profile before the first purchase; after it,
billing refuses a change from the partner's form. Billing does not know subscriptions, so the
staff's change comes here first: a live subscription renews at a price in its currency, and an
invoice, a credit note and a refund must stay in the currency that was charged.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing import services as billing
from membership.models import Organization

from ..models import LIVE_STATUSES, Subscription


def billing_currency_change(*, organization: Organization, currency: str, actor):
    """Set the billing profile's currency (staff only); ValidationError while a subscription is live."""
    if actor is None or not actor.is_staff:
        raise PermissionDenied(_("Only Partner Center staff can change the billing currency."))
    with transaction.atomic():
        # The organisation's lock is the one a purchase takes before it charges: no purchase slips in.
        Organization.objects.select_for_update().get(pk=organization.pk)
        if Subscription.objects.filter(organization=organization, status__in=LIVE_STATUSES).exists():
            raise ValidationError(
                _("The billing currency cannot change while the organisation has a live subscription."),
                code="currency_live_subscription",
            )
        return billing.billing_currency_set(organization=organization, currency=currency, actor=actor)
