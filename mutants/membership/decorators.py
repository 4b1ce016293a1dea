"""View guards: a partner must belong to an organisation and hold the right role."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .permissions import denial_reason, user_can


def partner_required(view):
    """Let in only signed-in users who belong to an organisation."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.organization_id is None:
            raise PermissionDenied("This page is for partner users.")
        return view(request, *args, **kwargs)

    return wrapped


def role_required(action):
    """Refuse with 403 and the reason when the user's roles do not allow the action."""

    def decorator(view):
        @partner_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_can(request.user, action):
                raise PermissionDenied(denial_reason(action))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
