"""Who may do what (product.md R2); the single table the server and the templates both read."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import Role


class Action:
    VIEW = "view"
    BUY = "buy"
    RENEW = "renew"
    MANAGE_AUTO_RENEWAL = "manage_auto_renewal"
    MANAGE_PAYMENT_METHODS = "manage_payment_methods"
    VIEW_BILLING = "view_billing"
    EDIT_BILLING_PROFILE = "edit_billing_profile"
    FILE_SERVICE_REQUEST = "file_service_request"
    MANAGE_MEMBERSHIP = "manage_membership"
    ACTIVATE_BENEFITS = "activate_benefits"
    MANAGE_USERS = "manage_users"
    VIEW_ACTIVITY = "view_activity"


ALL_ROLES = frozenset(Role.values)
BILLING_ROLES = frozenset({Role.GLOBAL_ADMIN, Role.BILLING_ADMIN})

ALLOWED_ROLES = {
    Action.VIEW: ALL_ROLES,
    Action.BUY: BILLING_ROLES,
    Action.RENEW: BILLING_ROLES,
    Action.MANAGE_AUTO_RENEWAL: BILLING_ROLES,
    Action.MANAGE_PAYMENT_METHODS: BILLING_ROLES,
    Action.VIEW_BILLING: BILLING_ROLES,
    # R2 names no role for the billing profile: it goes with payment methods and billing history.
    Action.EDIT_BILLING_PROFILE: BILLING_ROLES,
    Action.FILE_SERVICE_REQUEST: frozenset({Role.GLOBAL_ADMIN, Role.ACCOUNT_ADMIN}),
    Action.MANAGE_MEMBERSHIP: frozenset({Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN}),
    Action.ACTIVATE_BENEFITS: frozenset({Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.GLOBAL_ADMIN}),
    Action.VIEW_ACTIVITY: frozenset({Role.GLOBAL_ADMIN}),
}


def user_can(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def require(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def required_roles_label(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def denial_reason(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"roles": required_roles_label(action)}


class Capabilities:
    """Template access: ``{% if can.buy %}`` and ``{{ can.reason.buy }}``."""

    def __init__(self, user):
        self._user = user

    def __getattr__(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)


class _Reasons:
    def __getattr__(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        return denial_reason(action)
