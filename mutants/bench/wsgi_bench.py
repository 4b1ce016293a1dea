"""The bench server: the portal plus three one-query reference endpoints on the same gunicorn.

/bench/bare/      the bare Django view as in the TechEmpower Django test: Django's handler and URL
                  resolution, one query, a tiny response, and no middleware at all (the ratio's base)
/bench/bare-mw/   the same view through every middleware of the portal (what middleware costs)
/bench/raw/       a plain WSGI function doing the same query, no Django (the machine's ceiling)
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

django_application = get_wsgi_application()

# A handler loads its middleware chain once, when it is built: build one with none.
with override_settings(MIDDLEWARE=[]):
    bare_django_application = WSGIHandler()


def raw(environ, start_response):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/bench/raw/":
        return raw(environ, start_response)
    if path == "/bench/bare/":
        return bare_django_application(environ, start_response)
    if path == "/bench/bare-mw/":
        environ["PATH_INFO"] = "/bench/bare/"
    return django_application(environ, start_response)
