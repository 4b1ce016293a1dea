from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "offers"
    verbose_name = _("Offers and subscriptions")

    def ready(self):
        # Billing announces payments that settle outside the request that started them (a webhook,
        # say); offers owns the orders they pay, so it takes them. See billing.services.settlement.
        from billing.services import settlement

        from .services import order_payment_settled

        settlement.register_handler(order_payment_settled)
