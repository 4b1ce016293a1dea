"""Card entry for the views that offer it: Billing > Payment methods and the checkout's payment step.

Both pages show the same stripe.js form (billing/_card_entry.html) and save the card the browser
confirmed the same way; these two helpers are that way, so the pages differ only in where they go next.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import services
from .forms import NewCardForm


def card_entry_context(request, *, organization):
    """What billing/_card_entry.html needs. With ``?add=1`` a SetupIntent is started for stripe.js
    ("Get started! Add a way to pay"); when it cannot be, the page says why and shows no form."""
    setup = None
    if request.GET.get("add"):
        try:
            setup = services.payment_method_setup_start(organization=organization, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:  # may view billing, may not add cards: say why
            messages.error(request, str(exc))
    return {
        "setup": setup,
        "card_form": NewCardForm(),
        "STRIPE_JS_URL": settings.STRIPE_JS_URL,
        "STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
    }


def card_save(request, *, then=None):
    """Save the card the browser confirmed for the user's organisation, then call ``then(card)`` in the
    same try (the checkout chooses it for the order). Returns the card, or None when the partner was
    told why it was not saved."""
    form = NewCardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The card could not be saved. Please enter it again."))
        return None
    try:
        method = services.payment_method_add(
            organization=request.user.organization,
            stripe_payment_method_id=form.cleaned_data["payment_method_id"],
            actor=request.user,
        )
        if then is not None:
            then(method)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    if method.already_saved:
        messages.info(request, _("This card is already saved."))
    else:
        messages.success(request, _("Your card ••%(last4)s is saved.") % {"last4": method.last4})
    return method
