"""The portal's URLs plus bench/bare/: one query and a tiny response through the whole Django stack."""

from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("partnerportal.urls")),
]
