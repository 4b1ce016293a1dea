"""Sessions in the database, read on every request in one query with their user, roles and data versions.

Who may see or do what comes from current data (product.md R18). A request's session row is read
together with its user, the user's organisation, a flag per role and the page cache's data versions
(partnerportal.page_cache); the authentication backend (membership.backends) takes that user instead
of querying again, and Django's own check of the session's password hash then runs on it. A session
deleted (sign-out, sign-out everywhere, deactivation) or a user switched off is refused at the very
next request on every server: nothing about either is kept in a cache.
"""

import contextvars
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from partnerportal import page_cache, sql
from partnerportal.models import DataVersion

from .models import Organization, Role, User, UserRole, UserSession

# Role.values builds its list on every access; the query reads the roles in this order.
ROLES = tuple(Role.values)

# The user read with this request's session, handed to the authentication backend (which is given
# only an id). Set by each session load, taken once.
_user_loaded_with_session = contextvars.ContextVar("user_loaded_with_session", default=None)


def signed_in_user(user_id):
    """The user with organisation, read now; None if there is none. Without a session load to take the
    user from (a user id from elsewhere): the roles and data versions are then read when first asked."""
    return User.objects.select_related("organization").filter(pk=user_id).first()


def take_user_loaded_with_session(user_id):
    """The user the current request's session load read, if it is `user_id`'s (once)."""
    user = _user_loaded_with_session.get()
    _user_loaded_with_session.set(None)
    return user if user is not None and user.pk == user_id else None


def _user_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SignedInSessionQuery:
    """The session row with its user, organisation, roles and data versions: one SQL statement.

    Written out once per database connection rather than built by the ORM on every request: the
    queryset with its joins and seven subqueries cost about 2 ms of Python to compile, ten times
    what the database takes to run it. The user and organisation are made as the ORM makes them
    (partnerportal.sql.from_row: its converters, then ``from_db``).
    """

    def __init__(self, connection):
        quote = connection.ops.quote_name
        self.connection = connection
        self.user_fields = User._meta.concrete_fields
        self.organization_fields = Organization._meta.concrete_fields
        columns = ["s.%s" % quote("session_data")]
        columns += ["u.%s" % quote(field.column) for field in self.user_fields]
        columns += ["o.%s" % quote(field.column) for field in self.organization_fields]
        role_table, version_table = quote(UserRole._meta.db_table), quote(DataVersion._meta.db_table)
        columns += [
            "EXISTS (SELECT 1 FROM %s r WHERE r.%s = u.%s AND r.%s = %%s)"
            % (role_table, quote("user_id"), quote("id"), quote("role"))
        ] * len(ROLES)
        columns.append(
            "(SELECT v.%s FROM %s v WHERE v.%s = %%s || CAST(u.%s AS TEXT))"
            % (quote("token"), version_table, quote("scope"), quote("organization_id"))
        )
        columns.append("(SELECT v.%s FROM %s v WHERE v.%s = %%s)" % (quote("token"), version_table, quote("scope")))
        self.sql = (
            "SELECT %s FROM %s s LEFT JOIN %s u ON u.%s = s.%s LEFT JOIN %s o ON o.%s = u.%s "
            "WHERE s.%s = %%s AND s.%s > %%s"
            % (
                ", ".join(columns),
                quote(UserSession._meta.db_table),
                quote(User._meta.db_table),
                quote("id"),
                quote("user_id"),
                quote(Organization._meta.db_table),
                quote("id"),
                quote("organization_id"),
                quote("session_key"),
                quote("expire_date"),
            )
        )
        self.fixed_params = [*ROLES, page_cache.ORGANIZATION_SCOPE, page_cache.CATALOGUE]

    def run(self, session_key):
        """(session data, user with roles and data versions or None), or None when there is no such session."""
        expires_after = self.connection.ops.adapt_datetimefield_value(timezone.now())
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, [*self.fixed_params, session_key, expires_after])
            row = cursor.fetchone()
        if row is None:
            return None
        session_data, rest = row[0], row[1:]
        user_values, rest = rest[: len(self.user_fields)], rest[len(self.user_fields) :]
        organization_values, rest = rest[: len(self.organization_fields)], rest[len(self.organization_fields) :]
        roles, (organization_version, catalogue_version) = rest[: len(ROLES)], rest[len(ROLES) :]
        if user_values[0] is None:  # a session without a user (signed out, or never signed in)
            return session_data, None
        user = sql.from_row(User, user_values, self.connection)
        if organization_values[0] is not None:
            user.organization = sql.from_row(Organization, organization_values, self.connection)
        user._role_cache = frozenset(role for role, held in zip(ROLES, roles, strict=True) if held)
        user.data_versions = (organization_version, catalogue_version)
        return session_data, user


def _signed_in_session_query():
    # Kept on this thread's connection itself, not through the ``django.db.connection`` proxy: each
    # attribute read through the proxy is a thread-local lookup.
    db = connections[DEFAULT_DB_ALIAS]
    query = getattr(db, "signed_in_session_query", None)
    if query is None:
        query = db.signed_in_session_query = SignedInSessionQuery(db)
    return query


class SessionStore(DatabaseSessionStore):
    """Django's database sessions on ``UserSession``, read with their user in the same query."""

    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session

    def load(self):
        page_cache.write_pending_versions()
        _user_loaded_with_session.set(None)
        found = None
        if self.session_key is not None:
            found = _signed_in_session_query().run(self.session_key)
        if found is None:
            self._session_key = None
            return {}
        session_data, user = found
        if user is not None:
            _user_loaded_with_session.set(user)
        return self.decode(session_data)

    def decode(self, session_data):
        # The row is read on every request (above); only checking its signature is kept: the same text
        # passes the same check, and a changed row is another text. The payload is parsed afresh each
        # time, so a request that changes its session changes its own copy.
        try:
            keys = (settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
            return self.serializer().loads(_checked_payload(session_data, self.key_salt, keys))
        except Exception:
            return super().decode(session_data)  # Django's answer (and its warning) for a bad one


class _Payload:
    """``signing``'s serializer that hands back the checked payload as it is (bytes)."""

    def loads(self, data):
        return data


@lru_cache(maxsize=4096)
def _checked_payload(session_data, salt, keys):
    # Base64, HMAC and zlib: about 12 µs a request. Raises for a bad signature (not kept). The keys
    # are in the memo's key: a text checked under a key since replaced is checked again.
    return signing.loads(session_data, salt=salt, serializer=_Payload)
