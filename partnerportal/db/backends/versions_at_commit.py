"""Database wrappers that write the page cache's pending data versions as a transaction's last statement.

A change inside a transaction only notes which versions it makes old (page_cache.organization_changed);
the wrapper writes them just before COMMIT, in one statement, in sorted order. So the versions change
atomically with the data they describe (a lost cache write can never leave a stale page), and every
transaction takes the version rows' locks last and in the same order: a money path that holds a
subscription's row lock never waits for a version row while another transaction holding that version
row waits for the subscription.
"""

import secrets

# The token column holds a signed 64-bit integer on every database.
TOKEN_BITS = 63


def upsert_sql(table):
    # One statement for both databases: SQLite (3.24+) and PostgreSQL share this upsert syntax.
    return (
        f"INSERT INTO {table} (scope, token) VALUES {{values}} ON CONFLICT (scope) DO UPDATE SET token = excluded.token"
    )


def write_versions(connection, scopes):
    """Give each scope a new random token, in sorted order (the lock order)."""
    from partnerportal.models import DataVersion

    scopes = sorted(scopes)
    if not scopes:
        return
    sql = upsert_sql(connection.ops.quote_name(DataVersion._meta.db_table))
    params = []
    for scope in scopes:
        params += [scope, secrets.randbits(TOKEN_BITS)]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(values=", ".join(["(%s, %s)"] * len(scopes))), params)


def only_test_blocks_open(connection):
    """True when every open atomic block is a test case's (whose end is a rollback, never a commit).

    For a test, the end of the code's own outermost block is the commit: its versions are written then.
    """
    return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class VersionsAtCommitMixin:
    """Mixed into a backend's DatabaseWrapper: ``pending_versions`` are written just before COMMIT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending_versions = set()

    def note_version_change(self, scope):
        """A change to `scope`'s data: written now outside a transaction, at its commit inside one."""
        self.pending_versions.add(scope)
        if not self.in_atomic_block or only_test_blocks_open(self):
            self.write_pending_versions()

    def write_pending_versions(self):
        scopes, self.pending_versions = self.pending_versions, set()
        write_versions(self, scopes)

    def _commit(self):
        if self.pending_versions and self.connection is not None:
            self.write_pending_versions()
        return super()._commit()

    def _rollback(self):
        self.pending_versions = set()
        return super()._rollback()

    def _savepoint_commit(self, sid):
        super()._savepoint_commit(sid)
        if self.pending_versions and only_test_blocks_open(self):
            self.write_pending_versions()

    def close(self):
        self.pending_versions = set()
        return super().close()
