"""One page of a long list in one query: the rows and, beside each, how many rows the list has.

Django's Paginator asks the database twice (COUNT, then the page's rows). Here the page's query
brings the count beside each row as ``paging_total``, an uncorrelated scalar subquery
(``(SELECT COUNT(*) FROM … WHERE <the list's filter>)``), which SQLite and PostgreSQL evaluate
once. (A window function, ``COUNT(*) OVER ()``, gave the same in one query but made the database
read and sort every row of the list instead of stopping after the page: 0.43 ms against 0.09 ms
for 300 service requests.) The answer is a regular ``django.core.paginator.Page``: templates and
tests use it as any other. A page number past the end (an old link) shows the last page, as
``Paginator.get_page`` does.
"""

from django.core.paginator import Page, Paginator

TOTAL = "paging_total"


def _number(page_number):
    try:
        number = int(page_number)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def _total(row):
    return row[TOTAL] if isinstance(row, dict) else getattr(row, TOTAL)


def paged(fetch, page_number, per_page):
    """A Page from ``fetch(offset, limit)``, which returns the rows, each with the list's ``paging_total``."""
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
