from django.apps import AppConfig


class PartnerPortalConfig(AppConfig):
    """The project's own bottom layer: template tags and the data-version signals of the page cache."""

    name = "partnerportal"

    def ready(self):
        from .page_cache import connect_version_signals

        connect_version_signals()
