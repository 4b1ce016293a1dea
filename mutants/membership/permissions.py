"""Who may do what (product.md R2); the single table the server and the templates both read."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import Role


from mutmut.mutation.trampoline import wrap_in_trampoline as _mutmut_mutated, MutantDict


class Action:
    VIEW = "view"
    BUY = "buy"
    RENEW = "renew"
    MANAGE_AUTO_RENEWAL = "manage_auto_renewal"
    MANAGE_PAYMENT_METHODS = "manage_payment_methods"
    VIEW_BILLING = "view_billing"
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
    Action.FILE_SERVICE_REQUEST: frozenset({Role.GLOBAL_ADMIN, Role.ACCOUNT_ADMIN}),
    Action.MANAGE_MEMBERSHIP: frozenset({Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN}),
    Action.ACTIVATE_BENEFITS: frozenset({Role.GLOBAL_ADMIN, Role.MPN_PARTNER_ADMIN}),
    Action.MANAGE_USERS: frozenset({Role.GLOBAL_ADMIN}),
    Action.VIEW_ACTIVITY: frozenset({Role.GLOBAL_ADMIN}),
}
mutants_x_user_can__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_user_can__mutmut)
def user_can(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_orig(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_1(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) and user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_2(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_3(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(None, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_4(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, None, False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_5(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", None) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_6(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr("is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_7(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_8(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", ) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_9(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "XXis_authenticatedXX", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_10(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "IS_AUTHENTICATED", False) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_11(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", True) or user.organization_id is None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_12(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is not None:
        return False
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_13(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return True
    return bool(user.role_set() & ALLOWED_ROLES[action])


def x_user_can__mutmut_14(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(None)


def x_user_can__mutmut_15(user, action):
    """Return whether a signed-in partner user holds a role that allows the action."""
    if not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return False
    return bool(user.role_set() | ALLOWED_ROLES[action])

mutants_x_user_can__mutmut['_mutmut_orig'] = x_user_can__mutmut_orig # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_1'] = x_user_can__mutmut_1 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_2'] = x_user_can__mutmut_2 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_3'] = x_user_can__mutmut_3 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_4'] = x_user_can__mutmut_4 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_5'] = x_user_can__mutmut_5 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_6'] = x_user_can__mutmut_6 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_7'] = x_user_can__mutmut_7 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_8'] = x_user_can__mutmut_8 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_9'] = x_user_can__mutmut_9 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_10'] = x_user_can__mutmut_10 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_11'] = x_user_can__mutmut_11 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_12'] = x_user_can__mutmut_12 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_13'] = x_user_can__mutmut_13 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_14'] = x_user_can__mutmut_14 # type: ignore # mutmut generated
mutants_x_user_can__mutmut['x_user_can__mutmut_15'] = x_user_can__mutmut_15 # type: ignore # mutmut generated
mutants_x_require__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_require__mutmut)
def require(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_orig(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_1(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) and user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_2(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_3(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(None, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_4(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, None) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_5(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_6(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, ) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_7(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id == organization_id:
        raise PermissionDenied(denial_reason(action))


def x_require__mutmut_8(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(None)


def x_require__mutmut_9(user, action, *, organization_id):
    """Refuse with the reason unless the user may take the action in that organisation (services call it)."""
    if not user_can(user, action) or user.organization_id != organization_id:
        raise PermissionDenied(denial_reason(None))

mutants_x_require__mutmut['_mutmut_orig'] = x_require__mutmut_orig # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_1'] = x_require__mutmut_1 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_2'] = x_require__mutmut_2 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_3'] = x_require__mutmut_3 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_4'] = x_require__mutmut_4 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_5'] = x_require__mutmut_5 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_6'] = x_require__mutmut_6 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_7'] = x_require__mutmut_7 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_8'] = x_require__mutmut_8 # type: ignore # mutmut generated
mutants_x_require__mutmut['x_require__mutmut_9'] = x_require__mutmut_9 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_required_roles_label__mutmut)
def required_roles_label(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def x_required_roles_label__mutmut_orig(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def x_required_roles_label__mutmut_1(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = None
    return ", ".join(labels)


def x_required_roles_label__mutmut_2(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(None) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def x_required_roles_label__mutmut_3(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(None).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def x_required_roles_label__mutmut_4(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role not in ALLOWED_ROLES[action]]
    return ", ".join(labels)


def x_required_roles_label__mutmut_5(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return ", ".join(None)


def x_required_roles_label__mutmut_6(action):
    """The roles that may take an action, joined for the 'who can do it' hint."""
    labels = [str(Role(role).label) for role in Role.values if role in ALLOWED_ROLES[action]]
    return "XX, XX".join(labels)

mutants_x_required_roles_label__mutmut['_mutmut_orig'] = x_required_roles_label__mutmut_orig # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_1'] = x_required_roles_label__mutmut_1 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_2'] = x_required_roles_label__mutmut_2 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_3'] = x_required_roles_label__mutmut_3 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_4'] = x_required_roles_label__mutmut_4 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_5'] = x_required_roles_label__mutmut_5 # type: ignore # mutmut generated
mutants_x_required_roles_label__mutmut['x_required_roles_label__mutmut_6'] = x_required_roles_label__mutmut_6 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut: MutantDict = {}  # type: ignore


@_mutmut_mutated(mutants_x_denial_reason__mutmut)
def denial_reason(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_orig(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_1(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") / {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_2(action):
    return _(None) % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_3(action):
    return _("XXOnly a user with one of these roles can do this: %(roles)s.XX") % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_4(action):
    return _("only a user with one of these roles can do this: %(roles)s.") % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_5(action):
    return _("ONLY A USER WITH ONE OF THESE ROLES CAN DO THIS: %(ROLES)S.") % {"roles": required_roles_label(action)}


def x_denial_reason__mutmut_6(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"XXrolesXX": required_roles_label(action)}


def x_denial_reason__mutmut_7(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"ROLES": required_roles_label(action)}


def x_denial_reason__mutmut_8(action):
    return _("Only a user with one of these roles can do this: %(roles)s.") % {"roles": required_roles_label(None)}

mutants_x_denial_reason__mutmut['_mutmut_orig'] = x_denial_reason__mutmut_orig # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_1'] = x_denial_reason__mutmut_1 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_2'] = x_denial_reason__mutmut_2 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_3'] = x_denial_reason__mutmut_3 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_4'] = x_denial_reason__mutmut_4 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_5'] = x_denial_reason__mutmut_5 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_6'] = x_denial_reason__mutmut_6 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_7'] = x_denial_reason__mutmut_7 # type: ignore # mutmut generated
mutants_x_denial_reason__mutmut['x_denial_reason__mutmut_8'] = x_denial_reason__mutmut_8 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__init____mutmut: MutantDict = {}  # type: ignore
mutants_xǁCapabilitiesǁ__getattr____mutmut: MutantDict = {}  # type: ignore


class Capabilities:
    """Template access: ``{% if can.buy %}`` and ``{{ can.reason.buy }}``."""

    @_mutmut_mutated(mutants_xǁCapabilitiesǁ__init____mutmut)
    def __init__(self, user):
        self._user = user

    def xǁCapabilitiesǁ__init____mutmut_orig(self, user):
        self._user = user

    def xǁCapabilitiesǁ__init____mutmut_1(self, user):
        self._user = None

    @_mutmut_mutated(mutants_xǁCapabilitiesǁ__getattr____mutmut)
    def __getattr__(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_orig(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_1(self, action):
        if action.startswith(None):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_2(self, action):
        if action.startswith("XX_XX"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_3(self, action):
        if action.startswith("_"):
            raise AttributeError(None)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_4(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action != "reason":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_5(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "XXreasonXX":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_6(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "REASON":
            return _Reasons()
        return user_can(self._user, action)

    def xǁCapabilitiesǁ__getattr____mutmut_7(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(None, action)

    def xǁCapabilitiesǁ__getattr____mutmut_8(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, None)

    def xǁCapabilitiesǁ__getattr____mutmut_9(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(action)

    def xǁCapabilitiesǁ__getattr____mutmut_10(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        if action == "reason":
            return _Reasons()
        return user_can(self._user, )

mutants_xǁCapabilitiesǁ__init____mutmut['_mutmut_orig'] = Capabilities.xǁCapabilitiesǁ__init____mutmut_orig # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__init____mutmut['xǁCapabilitiesǁ__init____mutmut_1'] = Capabilities.xǁCapabilitiesǁ__init____mutmut_1 # type: ignore # mutmut generated

mutants_xǁCapabilitiesǁ__getattr____mutmut['_mutmut_orig'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_orig # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_1'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_1 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_2'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_2 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_3'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_3 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_4'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_4 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_5'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_5 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_6'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_6 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_7'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_7 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_8'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_8 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_9'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_9 # type: ignore # mutmut generated
mutants_xǁCapabilitiesǁ__getattr____mutmut['xǁCapabilitiesǁ__getattr____mutmut_10'] = Capabilities.xǁCapabilitiesǁ__getattr____mutmut_10 # type: ignore # mutmut generated
mutants_xǁ_Reasonsǁ__getattr____mutmut: MutantDict = {}  # type: ignore


class _Reasons:
    @_mutmut_mutated(mutants_xǁ_Reasonsǁ__getattr____mutmut)
    def __getattr__(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        return denial_reason(action)
    def xǁ_Reasonsǁ__getattr____mutmut_orig(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        return denial_reason(action)
    def xǁ_Reasonsǁ__getattr____mutmut_1(self, action):
        if action.startswith(None):
            raise AttributeError(action)
        return denial_reason(action)
    def xǁ_Reasonsǁ__getattr____mutmut_2(self, action):
        if action.startswith("XX_XX"):
            raise AttributeError(action)
        return denial_reason(action)
    def xǁ_Reasonsǁ__getattr____mutmut_3(self, action):
        if action.startswith("_"):
            raise AttributeError(None)
        return denial_reason(action)
    def xǁ_Reasonsǁ__getattr____mutmut_4(self, action):
        if action.startswith("_"):
            raise AttributeError(action)
        return denial_reason(None)

mutants_xǁ_Reasonsǁ__getattr____mutmut['_mutmut_orig'] = _Reasons.xǁ_Reasonsǁ__getattr____mutmut_orig # type: ignore # mutmut generated
mutants_xǁ_Reasonsǁ__getattr____mutmut['xǁ_Reasonsǁ__getattr____mutmut_1'] = _Reasons.xǁ_Reasonsǁ__getattr____mutmut_1 # type: ignore # mutmut generated
mutants_xǁ_Reasonsǁ__getattr____mutmut['xǁ_Reasonsǁ__getattr____mutmut_2'] = _Reasons.xǁ_Reasonsǁ__getattr____mutmut_2 # type: ignore # mutmut generated
mutants_xǁ_Reasonsǁ__getattr____mutmut['xǁ_Reasonsǁ__getattr____mutmut_3'] = _Reasons.xǁ_Reasonsǁ__getattr____mutmut_3 # type: ignore # mutmut generated
mutants_xǁ_Reasonsǁ__getattr____mutmut['xǁ_Reasonsǁ__getattr____mutmut_4'] = _Reasons.xǁ_Reasonsǁ__getattr____mutmut_4 # type: ignore # mutmut generated
