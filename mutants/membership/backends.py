"""Authentication backend that loads the user's organisation with the user, in one query.

Every portal page needs both (scoping, the header); ModelBackend would fetch them separately.
"""

from django.contrib.auth.backends import ModelBackend

from .models import User


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
