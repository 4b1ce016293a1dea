"""The labels the activity log shows for the verbs it stores; no models here, so any app's apps.py may import it."""

from django.utils.translation import gettext_lazy as _

# Labels of the verbs membership records. The apps above add the labels of their own verbs through
# activity_verbs_register() in their AppConfig.ready(), so the log never needs to know their kinds;
# a verb nobody registered is shown as stored.
ACTIVITY_VERBS = {
    "organization.signed_up": _("Organisation signed up"),
    "organization.enrolled": _("Network agreement accepted"),
    "invitation.sent": _("User invited"),
    "invitation.revoked": _("Invitation withdrawn"),
    "invitation.accepted": _("Invitation accepted"),
    "user.roles_changed": _("Roles changed"),
    "user.deactivated": _("User deactivated"),
    "user.reactivated": _("User reactivated"),
    "competency.granted": _("Competency granted"),
    "competency.changed": _("Competency changed"),
    "competency.renewed": _("Competency renewed"),
    "competency.expired": _("Competency expired"),
    "competency.reminder_sent": _("Competency expiry reminder sent"),
}


def activity_verbs_register(labels: dict) -> None:
    """Add the (lazy) labels of the verbs an app records; call it from the app's AppConfig.ready()."""
    ACTIVITY_VERBS.update(labels)
