"""WSGI entry point for benchmarks: the portal, plus a bare Django view on the same server.

    gunicorn bench.bare:application        (scripts/prod-stack.sh: PRODSTACK_WSGI_APP=bench.bare:application)

``/__bench/bare`` is the TechEmpower "single query" shape of a Django test: Django's request
handler and URL resolver, no middleware, one query, a tiny JSON answer. ``/__bench/bare-mw`` is
the same view through every middleware of the portal (what the middleware costs), and
``/__bench/raw`` a plain WSGI function running the same query without Django's handler (the
ceiling of this server on this machine; bench/pages_wrk.py compares all three). Every other path goes
to the portal's own ``partnerportal.wsgi.application`` unchanged, so both run in the same
gunicorn workers, with the same settings, database connections and process count. The portal's
URLconf is not touched: the bare view has its own URLconf (this module) set per request.
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnerportal.settings.production")

from django.apps import apps  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import path  # noqa: E402

from partnerportal.wsgi import application as portal  # noqa: E402  (sets Django up)

PREFIX = "/__bench/"
OFFER_TABLE = apps.get_model("offers", "Offer")._meta.db_table


def bare_view(request):
    """One query (the first offer's id and code), a response of a few bytes."""
    Offer = apps.get_model("offers", "Offer")
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


class ThroughMiddlewareHandler(WSGIHandler):
    """Django's handler with the portal's whole middleware chain, and this module as the URLconf."""

    def resolve_request(self, request):
        request.urlconf = __name__
        return super().resolve_request(request)


bare = BareHandler()
bare_through_middleware = ThroughMiddlewareHandler()


def raw(environ, start_response):
    """The bare view's query and answer with no Django handler: no request object, no URL resolver."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, code FROM %s ORDER BY id LIMIT 1" % OFFER_TABLE)
        row = cursor.fetchone()
    body = json.dumps({"id": row[0] if row else None, "code": row[1] if row else None}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path_info = environ.get("PATH_INFO", "")
    if path_info == PREFIX + "raw":
        return raw(environ, start_response)
    if path_info == PREFIX + "bare-mw":
        environ["PATH_INFO"] = PREFIX + "bare"
        return bare_through_middleware(environ, start_response)
    if path_info.startswith(PREFIX):
        return bare(environ, start_response)
    return portal(environ, start_response)
