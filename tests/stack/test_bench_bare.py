"""bench/bare.py: the bare view of the throughput ratio is one query, a tiny answer, no middleware."""

import json
import sys
from io import BytesIO

import pytest

from tests.stack.tools import ROOT

sys.path.insert(0, str(ROOT))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _portal_urlconf_afterwards():
    """bench/bare.py points the thread's URLconf at itself for its paths; the tests after these
    reverse the portal's URLs in the same thread, outside any request, so put it back."""
    from django.urls import set_urlconf

    yield
    set_urlconf(None)


def _call(app, path):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.input": BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    # As Django's test client does: the request signals must not close the test's connection
    # (it holds the test's transaction).
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(app(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


def test_the_bare_view_runs_one_query_without_middleware():
    from django.db import connection

    from bench.bare import application
    from offers.demo_catalogue import load_demo_catalogue

    offer = load_demo_catalogue()
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # Counted at the cursor: the handler's request_started signal resets connection.queries.
    with connection.execute_wrapper(count):
        status, headers, body = _call(application, "/__bench/bare")
    assert len(executed) == 1, executed
    assert status == "200 OK"
    assert json.loads(body) == {"id": offer.pk, "code": offer.code}
    assert len(body) < 64
    # No middleware: none of the headers the portal's middleware adds, no cookie.
    assert "X-Frame-Options" not in headers and "Vary" not in headers and "Set-Cookie" not in headers


def test_every_other_path_is_the_portal_with_its_middleware():
    from bench.bare import application

    status, headers, _body = _call(application, "/accounts/login/")
    assert status == "200 OK"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_same_view_through_middleware_and_the_plain_wsgi_function_give_the_same_answer():
    from bench.bare import application
    from offers.demo_catalogue import load_demo_catalogue

    offer = load_demo_catalogue()
    expected = {"id": offer.pk, "code": offer.code}
    status, headers, body = _call(application, "/__bench/bare-mw")
    assert status == "200 OK" and json.loads(body) == expected
    assert headers["X-Frame-Options"] == "DENY"  # the portal's middleware ran
    status, headers, body = _call(application, "/__bench/raw")
    assert status == "200 OK" and json.loads(body) == expected
    assert "X-Frame-Options" not in headers
