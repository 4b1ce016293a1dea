from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "membership"
    verbose_name = _("Membership")

    def ready(self):
        # The renderers read Role from the models, which can be imported only once the registry is ready.
        from .activity_text import RENDERERS
        from .activity_verbs import activity_renderers_register

        activity_renderers_register(RENDERERS)
