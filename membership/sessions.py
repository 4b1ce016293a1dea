"""Sessions in the database, read on every request in one query with their user, roles and data versions.

Who may see or do what comes from current data (product.md R18). A request's session row is read
together with its user, the user's organisation, a flag per role and the page cache's data versions
(partnerportal.page_cache); the authentication backend (membership.backends) takes that user instead
of querying again, and Django's own check of the session's password hash then runs on it. A session
deleted (sign-out, sign-out everywhere, deactivation) or a user switched off is refused at the very
next request on every server: nothing about either is kept in a cache.
"""

import contextvars
import logging

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.db.models import Exists, OuterRef
from django.utils import timezone

from partnerportal import page_cache

from .models import Role, User, UserRole, UserSession

ROLE_FLAG = "holds_%s"

# The user read with this request's session, handed to the authentication backend (which is given
# only an id). Set by each session load, taken once.
_user_loaded_with_session = contextvars.ContextVar("user_loaded_with_session", default=None)


def signed_in_user_annotations(prefix=""):
    """A flag per role and the data versions, for a query whose rows reach the user through `prefix`."""
    annotations = {
        ROLE_FLAG % role: Exists(UserRole.objects.filter(user_id=OuterRef(prefix + "pk"), role=role))
        for role in Role.values
    }
    annotations.update(page_cache.version_annotations(prefix + "organization_id"))
    return annotations


def _with_annotations(user, row):
    """The user with its roles and data versions taken from the annotated `row`."""
    user._role_cache = frozenset(role for role in Role.values if getattr(row, ROLE_FLAG % role))
    user.data_versions = (row.organization_version, row.catalogue_version)
    return user


def signed_in_user(user_id):
    """The user with organisation, roles and data versions, in one query; None if there is none."""
    page_cache.write_pending_versions()
    row = (
        User.objects.select_related("organization").annotate(**signed_in_user_annotations()).filter(pk=user_id).first()
    )
    return None if row is None else _with_annotations(row, row)


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


class SessionStore(DatabaseSessionStore):
    """Django's database sessions on ``UserSession``, read with their user in the same query."""

    @classmethod
    def get_model_class(cls):
        return UserSession

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self):
        page_cache.write_pending_versions()
        _user_loaded_with_session.set(None)
        try:
            session = (
                UserSession.objects.select_related("user__organization")
                .annotate(**signed_in_user_annotations("user__"))
                .get(session_key=self.session_key, expire_date__gt=timezone.now())
            )
        except (UserSession.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logging.getLogger("django.security.%s" % error.__class__.__name__).warning(str(error))
            self._session_key = None
            return None
        if session.user is not None:
            _user_loaded_with_session.set(_with_annotations(session.user, session))
        return session
