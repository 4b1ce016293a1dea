"""WSGI entry point for benchmarks: the portal, plus a bare Django view on the same server.

    gunicorn bench.bare:application        (scripts/prod-stack.sh: PRODSTACK_WSGI_APP=bench.bare:application)

``/__bench/bare`` is the TechEmpower "single query" shape of a Django test: Django's request
handler and URL resolver, no middleware, one query, a tiny JSON answer. Every other path goes
to the portal's own ``partnerportal.wsgi.application`` unchanged, so both run in the same
gunicorn workers, with the same settings, database connections and process count. The portal's
URLconf is not touched: the bare view has its own URLconf (this module) set per request.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.production")

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from partnerportal.wsgi import application as portal  # noqa: E402  (sets Django up)

PREFIX = "/__bench/"


def bare_view(request):
    """One query (the first offer's id and code), a response of a few bytes."""
    from offers.models import Offer

    row = Offer.objects.order_by("pk").values_list("pk", "code").first()
    return JsonResponse({"id": row[0] if row else None, "code": row[1] if row else None})


urlpatterns = [path("__bench/bare", bare_view)]


class BareHandler(WSGIHandler):
    """Django's handler with no middleware at all and this module as the URLconf."""

    def load_middleware(self, is_async=False):
        with override_settings(MIDDLEWARE=[]):
            super().load_middleware(is_async=is_async)

    def resolve_request(self, request):
        request.urlconf = __name__
        return super().resolve_request(request)


bare = BareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO", "").startswith(PREFIX):
        return bare(environ, start_response)
    return portal(environ, start_response)
