from django.apps import AppConfig
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The staff's side: the admin home with the programme at a glance."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "staff"
    verbose_name = _("Staff")

    def ready(self):
        # Django admin's own index view (and site) stay Django's, so every app may still link to
        # admin:index; only its template changes, and that template reads the dashboard.
        admin.site.index_template = "staff/admin_index.html"
