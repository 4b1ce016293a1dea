"""Writes of membership, one module per job, re-exported here."""

from .activity import activity_entry_build, activity_record  # noqa: F401
from .competencies import (  # noqa: F401
    COMPETENCY_REMINDER_DAYS,
    competencies_expire_lapsed,
    competencies_send_expiry_reminders,
    competency_expire,
    competency_grant,
    competency_renew,
)
from .invitations import (  # noqa: F401
    INVITATION_MAX_AGE,
    INVITATION_SALT,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_revoke,
    invitation_token,
    invitation_url,
)
from .organizations import NETWORK_AGREEMENT_VERSION, organization_enrol, organization_sign_up  # noqa: F401
from .users import (  # noqa: F401
    member_deactivate,
    member_reactivate,
    member_roles_update,
    sessions_remove_expired,
    user_roles_set,
    user_sessions_end,
    user_set_language,
)
