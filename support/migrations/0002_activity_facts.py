"""R16: support's activity entries keep facts; their old text (kept by membership's migration) is parsed."""

import re

from django.db import migrations

STATUS_CHANGED = re.compile(r"^(?P<from>[a-z_]*) → (?P<to>[a-z_]+)$")


def parse(verb, text):
    if not text:
        return {}
    if verb == "service_request.filed":
        return {"title": text}
    if verb == "service_request.assigned":
        return {"assignee": text}
    if verb == "service_request.status_changed" and (match := STATUS_CHANGED.match(text)):
        return {"from": match["from"], "to": match["to"]}
    return {"text": text}


def forwards(apps, schema_editor):
    ActivityEntry = apps.get_model("membership", "ActivityEntry")
    for entry in ActivityEntry.objects.filter(verb__startswith="service_request.").only("pk", "verb", "data").iterator(
        chunk_size=500
    ):
        text = (entry.data or {}).get("text", "")
        if text:
            ActivityEntry.objects.filter(pk=entry.pk).update(data=parse(entry.verb, text))


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial"), ("membership", "0002_activity_facts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
