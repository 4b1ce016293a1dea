"""How membership's own activity verbs read (R16): roles, sessions, agreement versions and dates, per reader."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Role


def roles_text(roles) -> str:
    """Role labels in the active language, in the order Partner Center lists them."""
    wanted = set(roles)
    return ", ".join(str(Role(role).label) for role in Role.values if role in wanted) or "—"


def _expires(data):
    return _("Expires on %(date)s") % {
        "date": date_format(datetime.date.fromisoformat(data["expires_on"]), "DATE_FORMAT")
    }


def _roles(data):
    return _("Roles: %(roles)s") % {"roles": roles_text(data["roles"])}


def _roles_changed(data):
    return f"{roles_text(data['before'])} → {roles_text(data['after'])}"


def _deactivated(data):
    count = int(data["sessions"])
    return ngettext("%(count)s session ended", "%(count)s sessions ended", count) % {"count": count}


def _enrolled(data):
    return _("Network agreement %(version)s accepted") % {"version": data["agreement"]}


RENDERERS = {
    "organization.enrolled": _enrolled,
    "invitation.sent": _roles,
    "invitation.accepted": _roles,
    "user.roles_changed": _roles_changed,
    "user.deactivated": _deactivated,
    "competency.granted": _expires,
    "competency.changed": _expires,
    "competency.renewed": _expires,
    "competency.reminder_sent": _expires,
}
