from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from membership.activity_verbs import activity_verbs_register

# Labels of the activity-log verbs billing records.
ACTIVITY_VERBS = {
    "payment_method.added": _("Card added"),
    "payment_method.made_default": _("Default card changed"),
    "payment_method.removed": _("Card removed"),
    "billing_profile.saved": _("Billing profile saved"),
}


class BillingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        activity_verbs_register(ACTIVITY_VERBS)
