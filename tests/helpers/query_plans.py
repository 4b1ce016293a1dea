"""What SQLite plans for a page's list query: the index it walks, and whether it sorts the whole list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_query_plan(get, marker="paging_total"):
    """SQLite's EXPLAIN QUERY PLAN of the query ``get()`` runs whose SQL has ``marker`` (a page's list), one line.

    Skips on other databases: PostgreSQL's plans depend on its statistics, not only on the indexes.
    """
    if connection.vendor != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    with CaptureQueriesContext(connection) as queries:
        get()
    page_query = next(q["sql"] for q in queries.captured_queries if marker in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_query)
        return " | ".join(row[-1] for row in cursor.fetchall())
