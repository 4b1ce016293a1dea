"""The labels and phrases the activity log shows for the verbs it stores; no models here, so any app's apps.py may import it."""

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


# How each verb's facts read (R16): an entry stores its data (codes, numbers, ISO dates, amounts in
# minor units), and the renderer registered for its verb says them in the reader's language. The
# apps above register theirs through activity_renderers_register() in AppConfig.ready(); membership
# cannot import them. Each renderer takes the entry's data and returns text.
ACTIVITY_RENDERERS = {}


def activity_renderers_register(renderers: dict) -> None:
    """Add the renderers (verb -> callable(data) -> str) of the verbs an app records; call it from ready()."""
    ACTIVITY_RENDERERS.update(renderers)


def activity_text(verb: str, data: dict | None) -> str:
    """The entry's facts in the active language; the stored text as-is when no renderer can read them."""
    data = data or {}
    renderer = ACTIVITY_RENDERERS.get(verb)
    if renderer is not None:
        try:
            return renderer(data)
        except (KeyError, ValueError, TypeError):
            pass  # facts missing or unreadable (an entry older than its renderer): show what was stored
    return str(data.get("text", ""))
