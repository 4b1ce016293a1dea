"""Authentication backend: the signed-in user, with organisation and roles, from the database on every request.

The user read with the request's session (membership.sessions: one query for the session, the user,
the organisation, the roles and the page cache's data versions) is taken as it is; without one (a
user id from elsewhere) it is read now, its roles when first asked. Nothing is kept between requests:
a role taken away or a deactivation is seen at the very next request, whatever a cache does (R18).
"""

from django.contrib.auth.backends import ModelBackend

from .sessions import signed_in_user, take_user_loaded_with_session


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        user = take_user_loaded_with_session(user_id) or signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
