"""The English ``detail`` column goes once its text is in ``data`` (a migration of its own, so that the
data migration's updates commit before the table is altered on PostgreSQL)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("offers", "0002_timeline_facts")]

    operations = [migrations.RemoveField(model_name="timelineentry", name="detail")]
