"""Django's SQLite backend, writing the page cache's data versions at commit (see versions_at_commit)."""

from django.db.backends.sqlite3 import base

from ..versions_at_commit import VersionsAtCommitMixin


class DatabaseWrapper(VersionsAtCommitMixin, base.DatabaseWrapper):
    pass
