"""Authentication backend: the signed-in user, with organisation and roles, without a query on a warm path.

Every portal page needs all three (scoping, the header, what the user may do). The first request a
process serves for a user loads them (the organisation id, then the user with organisation, then
the roles) and keeps a pickled snapshot in the process's memory under the organisation's data
version (partnerportal.page_cache); later requests unpickle it while that version holds: one read
of the shared cache, no query. Any save of the user, their roles or their organisation replaces
the version, in every process at once, so a changed role, a deactivation or a new name is seen
on the very next request. Each request gets its own copy: nothing a view does to request.user
reaches another request.
"""

import pickle
import threading

from django.contrib.auth.backends import ModelBackend

from partnerportal import page_cache

from .models import User

# Users kept per process. Dropping the oldest costs that user a reload, never a stale answer.
MAX_SNAPSHOTS = 4096


class PortalBackend(ModelBackend):
    snapshots = {}  # user id -> (organisation id, version, pickled user)
    snapshots_lock = threading.Lock()

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = self._user_from_snapshot(user_id) or self._load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _user_from_snapshot(self, user_id):
        snapshot = self.snapshots.get(user_id)
        if snapshot is None:
            return None
        organization_id, version, pickled = snapshot
        if page_cache.organization_version(organization_id) != version:
            return None
        return pickle.loads(pickled)

    def _load_user(self, user_id):
        found = User._default_manager.filter(pk=user_id).values_list("organization_id", flat=True)
        if not found:
            return None
        if found[0] is None:
            # Staff without an organisation are not kept: the admin is not a hot path.
            return User._default_manager.filter(pk=user_id).first()
        # The version is read before the data it guards (see partnerportal.page_cache).
        version = page_cache.organization_version(found[0])
        user = User._default_manager.select_related("organization").get(pk=user_id)
        user.role_set()  # loaded now, so the snapshot carries the roles
        self._keep(user, version)
        return user

    @classmethod
    def _keep(cls, user, version):
        with cls.snapshots_lock:
            cls.snapshots.pop(user.pk, None)
            while len(cls.snapshots) >= MAX_SNAPSHOTS:
                cls.snapshots.pop(next(iter(cls.snapshots)))
            cls.snapshots[user.pk] = (user.organization_id, version, pickle.dumps(user, pickle.HIGHEST_PROTOCOL))

    @classmethod
    def forget_all(cls):
        """Empty this process's snapshots (tests start each from nothing)."""
        with cls.snapshots_lock:
            cls.snapshots.clear()
