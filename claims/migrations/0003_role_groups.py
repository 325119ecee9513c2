"""The roles' groups, and the model permissions the editors' desk in the Django admin needs.

`client` gets no model permission: clients use the API only. `services.token_create` also
creates both groups when they are missing, so the two paths agree on their names.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ("client", "editor")

# History and corrections are append-only, claims are deleted only while pending (the admin goes
# through `services.claim_delete`), and articles are never deleted: their claims point into them.
EDITOR_PERMISSIONS = {
    "article": ("view", "add", "change"),
    "claim": ("view", "add", "change", "delete"),
    "evidence": ("view", "add"),
    "claimevent": ("view",),
    "correction": ("view",),
}


def _editor_permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in EDITOR_PERMISSIONS.items() for action in actions]
    return Permission.objects.filter(content_type__app_label="claims", codename__in=codenames), codenames


def create_groups(apps, schema_editor):
    # Permissions are normally created after `migrate` by a post_migrate signal; this migration
    # needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)
    permissions, codenames = _editor_permissions(apps)
    found = set(permissions.values_list("codename", flat=True))
    missing = sorted(set(codenames) - found)
    if missing:
        raise RuntimeError(f"Permissions missing for the editor group: {', '.join(missing)}")
    Group.objects.get(name="editor").permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    permissions, _ = _editor_permissions(apps)
    for group in Group.objects.filter(name="editor"):
        group.permissions.remove(*permissions)
    # A group that still has members stays: deleting it would silently take their role away.
    Group.objects.filter(name__in=GROUPS, user__isnull=True, permissions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0002_search_indexes_and_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
