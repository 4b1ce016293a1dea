"""A tiny WSGI router: /bench/raw/ is a plain function (one query, no Django middleware), the rest is Django.

/bench/bare/ goes to Django's own bare view (bench/urls_bench.py), with every middleware.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

django_application = get_wsgi_application()


def raw(environ, start_response):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/bench/raw/":
        return raw(environ, start_response)
    return django_application(environ, start_response)
