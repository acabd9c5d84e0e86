"""DRF's tokens (rest_framework.authtoken: one per user, its secret stored in clear,
never expiring) become knox tokens with the same secret, so scripts holding one keep
working until it expires, one TTL after this migration. Then DRF's table and its
migration records go, as `migrate authtoken zero` would have done, so no secret is
left in clear. Nothing to undo: a secret cannot be recovered from its digest."""

from datetime import UTC

from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

DRF_TABLE = "authtoken_token"


def aware(value):
    """A DRF token's `created` as read by a raw query: a string on SQLite (UTC)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def drf_tokens(connection) -> list[tuple]:
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn('key')}, {qn('user_id')}, {qn('created')} FROM {qn(DRF_TABLE)}")
        return cursor.fetchall()


def forwards(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    for key, user_id, created in drf_tokens(connection):
        digest = hash_token(key)
        key_prefix = key[: CONSTANTS.TOKEN_KEY_LENGTH]
        AuthToken(digest=digest, token_key=key_prefix, user_id=user_id, expiry=expiry).save(
            force_insert=True
        )
        # `created` is auto_now_add: its DRF value is kept by an update after the insert.
        AuthToken.objects.filter(digest=digest).update(created=aware(created))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(DRF_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [("knox", "0009_extend_authtoken_field")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
