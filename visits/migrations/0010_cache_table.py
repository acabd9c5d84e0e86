"""The table of the database cache (settings.CACHES without REDIS_URL), made here so
that `migrate` is all a new database needs, whichever cache the settings name now."""

from django.core.management.commands.createcachetable import Command
from django.db import migrations

TABLE = "summitry_cache"


def create(apps, schema_editor):
    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("visits", "0009_published_data_version")]
    operations = [migrations.RunPython(create, drop)]
