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
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter

from django.db import connection
from django.db.models import CharField, Model, TextField
from django.utils import timezone

BATCH = 1000
COPY_ROWS = 500  # rows a block of a COPY's text
COPY_READ = 2**16


def insert_many(model: type[Model], rows: Sequence[dict]) -> None:
    """INSERT `rows` into `model`'s table. Missing keys take the field's default;
    the primary key is the row's `id` if the rows have one, else the database's."""
    if not rows:
        return
    with_pk = model._meta.pk.attname in rows[0]
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    _fill_defaults(fields, rows)
    _insert(model, fields, map(itemgetter(*[f.attname for f in fields]), rows))


def insert_history(
    model: type[Model],
    rows: Sequence[dict],
    *,
    kind: str,
    user=None,
    reason="",
    when=None,
    history_ids: Sequence[int] | None = None,
) -> None:
    """django-simple-history's rows for `rows` (dicts of every field of `model`, with
    their primary keys): `kind` is "+" created, "~" changed or "-" deleted; the
    history rows' own keys are `history_ids` (reserve_ids of the history model) where
    given, for rows that refer to them. Each history row is the row's values and the
    history's, as a tuple (no dict a row)."""
    if not rows:
        return
    fields = model._meta.concrete_fields
    _fill_defaults(fields, rows)
    names = [f.attname for f in fields]
    extra = _history_values(len(rows), kind, user, reason, when, history_ids)
    get = itemgetter(*names)
    values = (get(row) + more for row, more in zip(rows, extra, strict=True))
    _insert(model.history.model, _history_fields(model, names, history_ids), values)


HISTORY_FIELDS = ["history_date", "history_change_reason", "history_type", "history_user_id"]


def _history_common(kind, user, reason, when) -> tuple:
    """The HISTORY_FIELDS values, the same for every row of one write."""
    return (when or timezone.now(), reason, kind, getattr(user, "pk", None))


def _history_values(count: int, kind, user, reason, when, history_ids) -> Iterable[tuple]:
    """The history's own values of `count` rows: HISTORY_FIELDS, then the key if given."""
    common = _history_common(kind, user, reason, when)
    if history_ids is None:
        return [common] * count
    return [(*common, pk) for pk in history_ids]


def _history_fields(model: type[Model], names: list[str], history_ids) -> list:
    history = {f.attname: f for f in model.history.model._meta.concrete_fields}
    keys = ["history_id"] if history_ids is not None else []
    return [history[n] for n in names + HISTORY_FIELDS + keys]


def insert_with_history(
    model: type[Model],
    rows: Sequence[dict],
    *,
    kind: str,
    user=None,
    reason="",
    when=None,
    history_ids: Sequence[int] | None = None,
) -> None:
    """insert_many(model, rows) and insert_history(model, rows, ...) for rows with
    their primary keys. On PostgreSQL each row's CSV text is written once: its
    history row is the same text followed by the history's values."""
    by = {"kind": kind, "user": user, "reason": reason, "when": when, "history_ids": history_ids}
    if not rows or connection.vendor != "postgresql":
        insert_many(model, rows)
        insert_history(model, rows, **by)
        return
    fields = model._meta.concrete_fields
    _fill_defaults(fields, rows)
    names = [f.attname for f in fields]
    lines = _csv_lines(map(itemgetter(*names), rows))
    _copy_text(_table(model), fields, _line_blocks(lines))
    common = _csv_lines([_history_common(kind, user, reason, when)])[0][:-1]
    if history_ids is None:
        suffixes = [f",{common}\n"] * len(rows)
    else:  # keys are integers: no CSV quoting
        suffixes = [f",{common},{pk}\n" for pk in history_ids]
    history = _history_fields(model, names, history_ids)
    _copy_text(_table(model.history.model), history, _line_blocks(lines, suffixes))


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _fill_defaults(fields, rows: Sequence[dict]) -> None:
    missing = {f.attname: f.get_default() for f in fields if f.attname not in rows[0]}
    if missing:
        for row in rows:
            row.update((k, v) for k, v in missing.items() if k not in row)


def _insert(model: type[Model], fields, values: Iterable[tuple]) -> None:
    if connection.vendor == "postgresql":
        _copy(_table(model), fields, values)
    else:
        _executemany(_table(model), fields, values)


def _columns(fields) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


def _copy(table: str, fields, values: Iterable[tuple]) -> None:
    _copy_text(table, fields, _csv_blocks(values))


def _copy_text(table: str, fields, blocks: Iterable[str]) -> None:
    """COPY CSV text, given a block at a time. An empty unquoted value is NULL,
    except in the text columns that cannot be NULL (FORCE_NOT_NULL), where it is
    the empty string."""
    columns = _columns(fields)
    not_null = _columns(f for f in fields if not f.null and isinstance(f, CharField | TextField))
    options = f"FORMAT csv, FORCE_NOT_NULL ({not_null})" if not_null else "FORMAT csv"
    sql = f"COPY {table} ({columns}) FROM STDIN WITH ({options})"
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, _Stream(blocks), COPY_READ)


class _Stream:
    """A file of text blocks, read as COPY asks for them: the server inserts one
    block while the next is written, and no batch's whole text is held at once."""

    def __init__(self, blocks: Iterable[str]):
        self._blocks = iter(blocks)

    def read(self, size: int = -1) -> str:
        """The next block (COPY takes a longer read than it asked for)."""
        return next(self._blocks, "")


def _csv_blocks(rows: Iterable[tuple]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    rows = iter(rows)
    while True:
        writer.writerows(islice(rows, COPY_ROWS))
        if not (text := buffer.getvalue()):
            return
        buffer.seek(0)
        buffer.truncate()
        yield text


class _Lines(list):
    """A file that keeps each CSV line the csv module writes (it writes a row at once)."""

    write = list.append


def _csv_lines(rows: Iterable[tuple]) -> list[str]:
    lines = _Lines()
    csv.writer(lines, lineterminator="\n").writerows(rows)
    return lines


def _line_blocks(lines: list[str], suffixes: list[str] | None = None) -> Iterator[str]:
    """The lines in blocks; with `suffixes`, line i ends with suffixes[i] (which ends
    the line) instead of its "\\n"."""
    for i in range(0, len(lines), COPY_ROWS):
        block = lines[i : i + COPY_ROWS]
        if suffixes is None:
            yield "".join(block)
        else:
            ends = suffixes[i : i + COPY_ROWS]
            yield "".join(line[:-1] + end for line, end in zip(block, ends, strict=True))


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
    temp = temporary_copy(model, fields, values, "update")
    sets = ", ".join(f"{quote(f.column)} = t.{quote(f.column)}" for f in fields[1:])
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} AS v SET {sets} FROM {temp} AS t WHERE v.id = t.id")


def temporary_copy(model: type[Model], fields, values: Iterable[tuple], purpose: str) -> str:
    """PostgreSQL: a temporary table of `model`'s columns `fields` (dropped at commit,
    or when made again for the same `purpose`), filled with `values` by COPY, for one
    set-based statement instead of a statement a row. Returns its quoted name."""
    temp = connection.ops.quote_name(f"{purpose}_{model._meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
            f"SELECT {_columns(fields)} FROM {_table(model)} WITH NO DATA"
        )
    _copy(temp, fields, values)
    return temp


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
