"""What every billing service shares: the role check and the messages a partner reads."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from membership.permissions import denial_reason, user_can

from ..gateways import CARD_MISSING

# The failure code of an attempt the payment service never answered.
UNAVAILABLE_CODE = "gateway_unavailable"


def require_any(user, *actions) -> None:
    """R2 in the service too, so no view can forget it; ``None`` is the system (renewals, webhooks)."""
    if user is None:
        return
    if not any(user_can(user, action) for action in actions):
        raise PermissionDenied(denial_reason(actions[0]))


def unavailable_message() -> str:
    return _("The payment service is unavailable; you were not charged. Please try again in a few minutes.")


def decline_message(code: str = "") -> str:
    """A translated explanation for a Stripe failure code (Stripe's own text is English)."""
    if code in ("payment_intent_authentication_failure", "authentication_required"):
        return _("The card's authentication failed; you were not charged. Try again or use another card.")
    if code == CARD_MISSING:
        return _("The card on file can no longer be charged. Add a new one.")
    if code == "expired_card":
        return _("Your card has expired; you were not charged. Use another card.")
    if code == "insufficient_funds":
        return _("Your card has insufficient funds; you were not charged. Use another card.")
    return _("Your card was declined; you were not charged. Use another card.")
