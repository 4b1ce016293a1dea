"""One page of a long list in one query: the rows and, beside each, how many rows the list has.

Django's Paginator asks the database twice (COUNT, then the page's rows). Here the count comes
with the rows, as a window function over the whole filtered list (``COUNT(*) OVER ()``, in
SQLite since 3.25 and in PostgreSQL), so a page costs one query. The answer is a regular
``django.core.paginator.Page``: templates and tests use it as any other. A page number past the
end (an old link) shows the last page, as ``Paginator.get_page`` does; only then is the count
asked for on its own. ``paged`` does the same for rows read with raw SQL.
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

TOTAL = "paging_total"


def _number(page_number):
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def _total(row):
    return row[TOTAL] if isinstance(row, dict) else getattr(row, TOTAL)


def page_of(queryset, page_number, per_page):
    """Page ``page_number`` (a string from the request, or None) of an ordered queryset, values() or models."""
    counted = queryset.annotate(**{TOTAL: Window(Count("pk"))})
    return paged(lambda offset, limit: list(counted[offset : offset + limit]), page_number, per_page)


def paged(fetch, page_number, per_page):
    """A Page from ``fetch(offset, limit)``, which returns the rows with their ``paging_total`` (raw SQL)."""
    number = _number(page_number)
    rows = fetch((number - 1) * per_page, per_page)
    if rows:
        total = _total(rows[0])
    elif number == 1:
        total = 0
    else:  # past the end: the last page, like Paginator.get_page
        first = fetch(0, 1)
        total = _total(first[0]) if first else 0
        number = max(1, -(-total // per_page))
        rows = fetch((number - 1) * per_page, per_page)
    paginator = Paginator([], per_page)
    paginator.count = total  # a cached_property: the count the query brought
    return Page(rows, number, paginator)
