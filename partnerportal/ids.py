"""Object ids from the request, parsed once and the same way everywhere.

An id is 1–18 ASCII digits: it always fits a 64-bit integer column (SQLite and PostgreSQL
bigint), and Unicode digits ('٣', '²'), signs, spaces and huge numbers never reach a query.
The ``id`` path converter applies the rule to URLs (``<id:pk>``), ``parse_id`` to query strings
and form fields.
"""

import re

from django.urls import register_converter

ID_PATTERN = "[0-9]{1,18}"
_ID = re.compile(ID_PATTERN)


class IdConverter:
    """``<id:pk>``: like ``<int:pk>`` but bounded, so a 20-digit id is a 404, not an overflow."""

    regex = ID_PATTERN

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))


def parse_id(value) -> int | None:
    """The id in ``value`` (a string from the request), or None when it is not a valid id."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    return int(value)


register_converter(IdConverter, "id")
