"""Authentication backend: the signed-in user, with organisation and roles, from the cache on a warm path.

Every portal page needs all three (scoping, the header, what the user may do). The first request
loads them in two queries and keeps a snapshot under the organisation's data version
(partnerportal.page_cache); later requests take the snapshot while that version holds, with no
query at all. Any save of the user, their roles or their organisation replaces the version, so a
changed role, a deactivation or a new name is seen on the very next request.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from partnerportal import page_cache

from .models import User


def snapshot_key(user_id):
    return "user-snapshot:%d" % user_id


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = self._cached_user(user_id) or self._load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _cached_user(self, user_id):
        snapshot = cache.get(snapshot_key(user_id))
        if snapshot is None:
            return None
        version, user = snapshot
        return user if page_cache.organization_version(user.organization_id) == version else None

    def _load_user(self, user_id):
        found = User._default_manager.filter(pk=user_id).values_list("organization_id", flat=True)
        if not found:
            return None
        if found[0] is None:
            # Staff without an organisation are not cached: the admin is not a hot path.
            return User._default_manager.filter(pk=user_id).first()
        # The version is read before the data it guards (see partnerportal.page_cache).
        version = page_cache.organization_version(found[0])
        user = User._default_manager.select_related("organization").get(pk=user_id)
        user.role_set()  # loaded now, so the snapshot carries the roles
        cache.set(snapshot_key(user_id), (version, user), settings.PAGE_CACHE_SECONDS)
        return user
