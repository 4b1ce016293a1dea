"""The staff's two groups (product.md R23): "Support agents" answer and assign requests; "Finance staff"
also approve refunds (support.process_refund). Staff users are put in them in the admin (or by
load_demo_data); a superuser holds every permission anyway.

The permissions are listed here as they were when the groups were made: a migration is history, so
it does not read a list that later code may change.
"""

from django.db import migrations

# What both groups need to work the queue: open and change a request (reply, assign, change status),
# and read everything shown on its page.
QUEUE = {
    "support": [
        "view_servicerequest",
        "change_servicerequest",
        "view_requestmessage",
        "add_requestmessage",
        "view_attachment",
        "view_statuschange",
        "view_clockevent",
        "view_cancellationdecision",
        "view_refundapproval",
        "view_cannedreply",
    ],
    "offers": ["view_subscription", "view_order"],
    "membership": ["view_organization"],
}

GROUPS = {
    "Support agents": {
        **QUEUE,
        # Agents keep the saved replies they send.
        "support": QUEUE["support"] + ["add_cannedreply", "change_cannedreply"],
    },
    "Finance staff": {
        **QUEUE,
        # Process cancellations and approve refunds; see the money they move.
        "support": QUEUE["support"] + ["process_refund"],
        "billing": ["view_payment", "view_refund"],
    },
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are made by post_migrate, after every migration: on a fresh database they do not
    # exist yet here, so make them now (create_permissions skips those that exist).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    add_groups(apps)


def add_groups(apps):
    """The groups of GROUPS with their permissions (which must exist). The tests' ``staff_groups``
    fixture calls it with the project's registry, after a flush has emptied the table."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, by_app in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codenames in by_app.items():
            for codename in codenames:
                # .get(): a permission renamed since would fail the migration loudly, not be skipped.
                group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("billing", "0003_billing_contact_purchase_order"),
        ("membership", "0005_activity_object_index"),
        ("offers", "0005_delete_timelineentry"),
        ("support", "0006_refund_approvals"),
    ]

    # Reversing keeps the groups: staff may have been put in them since.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
