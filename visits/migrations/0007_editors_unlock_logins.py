from django.contrib.auth.management import create_permissions
from django.db import migrations

UNLOCK = ["view_accessattempt", "delete_accessattempt", "view_accesslog", "view_accessfailurelog"]


def allow_editors(apps, schema_editor):
    axes = apps.get_app_config("axes")
    axes.models_module = True
    create_permissions(axes, apps=apps, verbosity=0)
    axes.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK)
    )


def disallow_editors(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK)
        )


class Migration(migrations.Migration):
    """Editors see locked-out logins and unlock them (delete the attempts)."""

    dependencies = [
        ("visits", "0006_lean_visit_indexes"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [migrations.RunPython(allow_editors, disallow_editors)]
