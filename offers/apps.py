from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from membership.activity_verbs import activity_renderers_register, activity_verbs_register

# Labels of the activity-log verbs the benefit services record.
BENEFIT_ACTIVITY_VERBS = {
    "benefit.activated": _("Benefit activated"),
    "benefit.license_issued": _("License key issued"),
    "benefit.seat_assigned": _("Seat assigned"),
    "benefit.seat_released": _("Seat released"),
}


class OffersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "offers"
    verbose_name = _("Offers and subscriptions")

    def ready(self):
        # A subscription's facts are activity entries about it, logged as "subscription.<kind>" (its
        # timeline reads them back); membership's registry is the one that labels and renders them.
        # The kinds' module reads billing's models, importable only once the registry is ready.
        from .timeline import ACTIVITY_RENDERERS, TimelineKind

        activity_verbs_register({kind.verb: kind.label for kind in TimelineKind})
        activity_verbs_register(BENEFIT_ACTIVITY_VERBS)
        # ...and read in the reader's language from the facts they keep (R16).
        activity_renderers_register(ACTIVITY_RENDERERS)

        # Billing announces payments that settle outside the request that started them (a webhook,
        # say); offers owns the orders they pay, so it takes them. See billing.services.settlement.
        from billing.services import settlement

        from .services import order_payment_settled

        settlement.register_handler(order_payment_settled)

        # Billing's pages (history, receipts, the reconciliation file) say what each payment paid
        # for; offers owns the orders, so it tells billing how to read them. See billing.order_lines.
        from billing import order_lines

        from .selectors import order_line_sql

        order_lines.register(order_line_sql())
