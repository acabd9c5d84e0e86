"""Fast bulk inserts for the importer.

`QuerySet.bulk_create` builds a model instance and compiles an SQL expression for
every value of every row; at 100,000 visits (plus their history, sources and hosts)
that is most of an import's time. `insert_many` takes plain rows (attname → value),
prepares each value with the field's own `get_db_prep_save` and sends the rows with
COPY (PostgreSQL) or executemany in batches (SQLite, in-process).
The database still checks every constraint. It returns no primary keys:
callers read them back by key.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from django.utils import timezone

BATCH = 1000


def insert_many(model: type[Model], rows: Sequence[dict]) -> None:
    """INSERT `rows` (dicts keyed by field attname; missing keys take the field's
    default) into `model`'s table. The primary key is left to the database."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    preparers = [(f.attname, defaults[f.attname], _preparer(f)) for f in fields]
    prepared = ([prep(row.get(name, d)) for name, d, prep in preparers] for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", prepared)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for batch in _batches(prepared):
            cursor.executemany(sql, batch)


def _batches(rows, size: int = BATCH):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy(cursor, sql: str, rows) -> None:
    """PostgreSQL's COPY in text format, one buffer per batch: far less client-side
    work than binding parameters."""
    for batch in _batches(rows, 20 * BATCH):
        text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in batch)
        cursor.copy_expert(sql, io.StringIO(text))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


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


def as_rows(objects: Iterable[Model]) -> list[dict]:
    """Model instances as insert_many rows."""
    return [
        {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields} for obj in objects
    ]


def insert_history(model: type[Model], objects: Sequence[Model], *, user=None, reason="") -> None:
    """Creation records in django-simple-history's table for `objects` (which have
    primary keys), as `bulk_create_with_history` would write them."""
    history = model.history.model
    common = {
        "history_date": timezone.now(),
        "history_user_id": getattr(user, "pk", None),
        "history_change_reason": reason,
        "history_type": "+",
    }
    tracked = [f.attname for f in history.tracked_fields]
    insert_many(
        history, [{**common, **{name: getattr(obj, name) for name in tracked}} for obj in objects]
    )
