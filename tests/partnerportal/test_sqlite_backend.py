"""The SQLite backend (partnerportal/db/backends/sqlite3): Django's, with each query text's placeholders converted once."""

import pytest
from django.db import connection
from django.db.backends.sqlite3 import base as django_sqlite

pytestmark = pytest.mark.django_db

TEXTS = [
    "SELECT %s",
    "SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d IN (%s, %s)",
    "SELECT '%%s', %s",  # a literal %s, written %%s, stays as it is
    "SELECT 1",
]


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backend")


def test_the_cursor_is_ours_and_converts_as_django_does(sqlite):
    with connection.cursor() as cursor:
        ours = cursor.cursor
        assert type(ours).__module__ == "partnerportal.db.backends.sqlite3.base"
        for text in TEXTS:
            for _ in range(2):  # the first conversion and the kept one
                assert ours.convert_query(text) == django_sqlite.SQLiteCursorWrapper.convert_query(ours, text)


def test_queries_with_literal_percent_signs_and_named_parameters_still_run(sqlite):
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute("SELECT %s || 'x%%', '%%s'", ["a"])
            assert cursor.fetchone() == ("ax%", "%s")
            cursor.execute("SELECT %(first)s || %(second)s", {"first": "a", "second": "b"})
            assert cursor.fetchone() == ("ab",)
