from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from membership.activity_verbs import activity_renderers_register, activity_verbs_register

# Labels of the activity-log verbs support records.
ACTIVITY_VERBS = {
    "service_request.filed": _("Service request filed"),
    "service_request.replied": _("Reply added to a service request"),
    "service_request.status_changed": _("Service request status changed"),
    "service_request.assigned": _("Service request assigned"),
}


class SupportConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "support"
    verbose_name = _("Support")

    def ready(self):
        activity_verbs_register(ACTIVITY_VERBS)
        # The renderers read the status labels from the models, importable only once the registry is ready.
        from .activity_text import RENDERERS

        activity_renderers_register(RENDERERS)

        # Offers shows "Cancel subscription" but cannot name support's pages; support tells it where
        # a cancellation is requested. See offers.cancellation_page.
        from offers import cancellation_page

        cancellation_page.register("support:new_cancellation")

        # The staff's admin home shows the programme at a glance (support.programme). Django admin's
        # own index view and site stay Django's, so every app may still link to admin:index; only
        # its template changes, and that template reads the dashboard.
        from django.contrib import admin

        admin.site.index_template = "admin/programme_index.html"
