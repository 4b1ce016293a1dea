"""Django's SQLite backend, writing the page cache's data versions at commit (see versions_at_commit), and
converting each query text's placeholders once.

Django's SQLite cursor turns ``%s`` into ``?`` with a regular expression on every execute: 18 µs for
the session query's 1,100 characters on the bench machine, 40–50 µs a page over its few queries. The
result depends only on the text, so it is kept per text (a bounded memo: the ORM's and the selectors'
query texts are few). Named parameters (``%(name)s``) still go through Django's conversion.
"""

from functools import lru_cache

from django.db.backends.sqlite3 import base

from ..versions_at_commit import VersionsAtCommitMixin


@lru_cache(maxsize=4096)
def _qmark_style(query):
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark_style(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(VersionsAtCommitMixin, base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
