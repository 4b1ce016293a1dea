"""R16: activity entries keep facts (``data``) instead of an English ``detail`` sentence.

Each old sentence is parsed into the facts of its verb where the pattern is known; whatever cannot be
parsed stays in ``data["text"]`` and is shown as written. The apps above parse their own verbs' text
in their own migrations (offers, support), which run after this one.
"""

import re

from django.db import migrations, models

ROLES = {
    "Global admin": "global_admin",
    "Billing admin": "billing_admin",
    "Account admin": "account_admin",
    "MPN partner admin": "mpn_partner_admin",
}
EXPIRES = re.compile(r"^Expires on (?P<date>\d{4}-\d{2}-\d{2})$")
SESSIONS = re.compile(r"^(?P<count>\d+) session\(s\) ended$")
AGREEMENT = re.compile(r"^Network agreement (?P<version>\S+) accepted$")
ROLES_CHANGED = re.compile(r"^(?P<before>.*) → (?P<after>.*)$")


def roles(text):
    """'Global admin, Billing admin' -> ['billing_admin', 'global_admin']; None when a label is unknown."""
    if text == "—":
        return []
    codes = [ROLES.get(label.strip()) for label in text.split(",")]
    return None if None in codes else sorted(codes)


def parse(verb, detail):
    """The facts of one old membership entry, or {"text": detail} when its sentence is not known."""
    if not detail:
        return {}
    if verb.startswith("competency.") and (match := EXPIRES.match(detail)):
        return {"expires_on": match["date"]}
    if verb == "user.deactivated" and (match := SESSIONS.match(detail)):
        return {"sessions": int(match["count"])}
    if verb == "organization.enrolled" and (match := AGREEMENT.match(detail)):
        return {"agreement": match["version"]}
    if verb in ("invitation.sent", "invitation.accepted") and detail.startswith("Roles: "):
        parsed = roles(detail.removeprefix("Roles: "))
        if parsed is not None:
            return {"roles": parsed}
    if verb == "user.roles_changed" and (match := ROLES_CHANGED.match(detail)):
        before, after = roles(match["before"]), roles(match["after"])
        if before is not None and after is not None:
            return {"before": before, "after": after}
    return {"text": detail}


def forwards(apps, schema_editor):
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    for entry in ActivityEntry.objects.exclude(detail="").only("pk", "verb", "detail").iterator(chunk_size=500):
        ActivityEntry.objects.filter(pk=entry.pk).update(data=parse(entry.verb, entry.detail))


def backwards(apps, schema_editor):
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    for entry in ActivityEntry.objects.only("pk", "data").iterator(chunk_size=500):
        text = (entry.data or {}).get("text", "")
        if text:
            ActivityEntry.objects.filter(pk=entry.pk).update(detail=text[:500])


class Migration(migrations.Migration):
    dependencies = [("membership", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="activityentry",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="data"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
