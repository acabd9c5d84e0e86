"""Fast bulk writes for the importer, from plain rows (dicts keyed by attname).

`QuerySet.bulk_create` builds a model instance and compiles an SQL expression for
every value of every row; at 100,000 visits (plus their history, sources and hosts)
that is most of an import's time. Here PostgreSQL gets COPY in CSV format (the
text written by the csv module, in C); SQLite gets executemany of values prepared
by each field's `get_db_prep_save`. The database still checks every constraint.
Primary keys are reserved first (`reserve_ids`) so that no row is read back.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import itemgetter

from django.db import connection
from django.db.models import CharField, Model, TextField
from django.utils import timezone

BATCH = 1000
COPY_BATCH = 20_000


def insert_many(model: type[Model], rows: Sequence[dict]) -> None:
    """INSERT `rows` into `model`'s table. Missing keys take the field's default;
    the primary key is the row's `id` if the rows have one, else the database's."""
    if not rows:
        return
    with_pk = model._meta.pk.attname in rows[0]
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    missing = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    if missing:
        for row in rows:
            row.update((k, v) for k, v in missing.items() if k not in row)
    values = map(itemgetter(*[f.attname for f in fields]), rows)
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        _copy(table, fields, values)
    else:
        _executemany(table, fields, values)


def _columns(fields) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


def _copy(table: str, fields, values) -> None:
    """COPY in CSV format. An empty unquoted value is NULL, except in the text
    columns that cannot be NULL (FORCE_NOT_NULL), where it is the empty string."""
    columns = _columns(fields)
    not_null = _columns(f for f in fields if not f.null and isinstance(f, CharField | TextField))
    options = f"FORMAT csv, FORCE_NOT_NULL ({not_null})" if not_null else "FORMAT csv"
    sql = f"COPY {table} ({columns}) FROM STDIN WITH ({options})"
    with connection.cursor() as cursor:
        for batch in _batches(values, COPY_BATCH):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(batch)
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)


def _executemany(table: str, fields, values) -> None:
    sql = f"INSERT INTO {table} ({_columns(fields)}) VALUES ({', '.join(['%s'] * len(fields))})"
    preparers = [_preparer(f) for f in fields]
    prepared = ([prep(v) for prep, v in zip(preparers, row, strict=True)] for row in values)
    with connection.cursor() as cursor:
        for batch in _batches(prepared, BATCH):
            cursor.executemany(sql, batch)


def _batches(rows: Iterable, size: int):
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _preparer(field):
    """The field's get_db_prep_save, remembered per value for dates and times
    (they repeat across rows and are the costliest to adapt)."""
    if field.get_internal_type() not in ("DateField", "DateTimeField"):
        return lambda value: None if value is None else field.get_db_prep_save(value, connection)
    memo = {None: None}

    def prep(value):
        if value not in memo:
            memo[value] = field.get_db_prep_save(value, connection)
        return memo[value]

    return prep


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys for `model`, for rows inserted with insert_many.

    PostgreSQL: taken from the table's sequence (safe beside other writers).
    SQLite: the numbers after the highest ever used; the caller holds the write
    lock (visits.services.bump_data_version), so nobody else takes them meanwhile."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), model._meta.pk.column, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        cursor.execute(
            "SELECT max(n) FROM (SELECT max(id) AS n FROM "
            + connection.ops.quote_name(table)
            + " UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


def update_many(model: type[Model], rows: Sequence[dict], names: Sequence[str]) -> None:
    """Set the attnames `names` of each row (keyed by its `id`) to the row's values.
    PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM."""
    if not rows:
        return
    fields = [model._meta.pk] + [f for f in model._meta.concrete_fields if f.attname in names]
    table = connection.ops.quote_name(model._meta.db_table)
    quote = connection.ops.quote_name
    values = map(itemgetter(*[f.attname for f in fields]), rows)
    if connection.vendor != "postgresql":
        sets = ", ".join(f"{quote(f.column)} = %s" for f in fields[1:])
        preparers = [_preparer(f) for f in fields]
        prepared = (
            [p(v) for p, v in zip(preparers[1:], row[1:], strict=True)] + [row[0]] for row in values
        )
        with connection.cursor() as cursor:
            for batch in _batches(prepared, BATCH):
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = %s", batch)
        return
    with connection.cursor() as cursor:
        temp = quote(f"update_{model._meta.db_table}")
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
            f"SELECT {_columns(fields)} FROM {table} WITH NO DATA"
        )
        _copy(temp, fields, values)
        sets = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in fields[1:])
        cursor.execute(f"UPDATE {table} AS v SET {sets} FROM {temp} AS t WHERE v.id = t.id")


def delete_many(model: type[Model], ids: Sequence[int], column: str = "id") -> None:
    """DELETE the rows of `model` whose `column` is one of `ids`."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for batch in _batches(ids, BATCH):
            cursor.execute(
                f"DELETE FROM {table} WHERE {connection.ops.quote_name(column)} IN "
                f"({', '.join(['%s'] * len(batch))})",
                batch,
            )


def history_rows(
    model: type[Model], rows: Iterable[dict], *, kind: str, user=None, reason="", when=None
) -> list[dict]:
    """django-simple-history's rows for `rows` (dicts of every field, with their
    primary keys): `kind` is "+" created, "~" changed or "-" deleted."""
    common = {
        "history_date": when or timezone.now(),
        "history_user_id": getattr(user, "pk", None),
        "history_change_reason": reason,
        "history_type": kind,
    }
    return [{**row, **common} for row in rows]
