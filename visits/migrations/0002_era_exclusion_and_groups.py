"""Eras of one scheme never overlap (an exclusion constraint on PostgreSQL; clean()
checks it everywhere), and the Researchers and Editors groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EXCLUSION_SQL = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE visits_era ADD CONSTRAINT era_no_overlap EXCLUDE USING gist (
    scheme_id WITH =,
    daterange(start_date, end_date, '[)') WITH &&
);
"""

RESEARCHER_PERMS = [
    "add_visit", "change_visit", "view_visit",
    "add_source", "change_source", "delete_source", "view_source",
    "add_person", "change_person", "view_person",
    "view_country", "view_era", "view_erascheme", "view_publishedfigure",
]


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(EXCLUSION_SQL)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE visits_era DROP CONSTRAINT IF EXISTS era_no_overlap;")


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    domain = Permission.objects.filter(content_type__app_label="visits")
    researchers, _ = Group.objects.get_or_create(name="Researchers")
    researchers.permissions.set(domain.filter(codename__in=RESEARCHER_PERMS))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(domain)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Researchers", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(add_exclusion, drop_exclusion),
        migrations.RunPython(create_groups, delete_groups),
    ]
