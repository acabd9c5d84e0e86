"""The database reads of an import's batch: the recorded visits its rows may update
(by external_id or natural key), with their hosts and sources, and the recorded
visits its new rows may duplicate. A fixed number of queries per CHUNK rows.

Each read joins the batch's keys (a VALUES list) to a table. On PostgreSQL the
table is reached through a LATERAL subquery fenced by OFFSET 0, so that each key
is one index probe: an import's tables grow inside its transaction, unanalyzed,
and the planner, taking them for small, otherwise scans the whole table once a
chunk (11 s of a 200,000-row import, growing with its square).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db import connection
from django.db.models import Field, Model

from visits.dates import latest_possible_date
from visits.interchange import VisitRecord
from visits.models import Person, Source, Visit

CHUNK = 2000  # rows per query: SQLite takes at most 32,766 parameters
FIELDS = [f.attname for f in Visit._meta.concrete_fields]
SOURCE_FIELDS = [f.attname for f in Source._meta.concrete_fields]
NATURAL = "v.visitor_id = k.p AND v.visitor_country_id = k.vc AND v.host_country_id = k.hc"


def existing_visits(rows: list[tuple[int | None, VisitRecord]]) -> dict[tuple, dict]:
    """Recorded visits that `rows` ((visitor id or None, record)) name, as dicts of
    their fields plus `_visitor_name`, `_hosts` (person ids), `_host_names`,
    `_host_links` (each host row's id and person id) and `_sources` (dicts), keyed
    by ("external_id", id) and by ("natural", visitor id, visitor country, host
    country, start date)."""
    visits: dict[int, dict] = {}
    for chunk in _chunks(rows):
        ids = [(r.external_id,) for _, r in chunk if r.external_id]
        visits.update((v["id"], v) for v in _visits(ids, "x", "v.external_id = k.x"))
        found = {v["external_id"] for v in visits.values()}
        keys = [
            (v, r.visitor_country, r.host_country, r.start_date)
            for v, r in chunk
            if v and r.external_id not in found
        ]
        by_key = _visits(keys, "p, vc, hc, s", f"{NATURAL} AND v.start_date = k.s")
        visits.update((v["id"], v) for v in by_key)
    _attach_hosts_and_sources(visits)
    found: dict[tuple, dict] = {}
    for visit in visits.values():
        if visit["external_id"]:
            found[("external_id", visit["external_id"])] = visit
        key = ("natural", visit["visitor_id"], visit["visitor_country_id"])
        found.setdefault((*key, visit["host_country_id"], visit["start_date"]), visit)
    return found


def overlapping_visits(rows: list[tuple[int | None, VisitRecord]]) -> list[dict]:
    """Recorded visits of the same visitor and direction as a row whose dates overlap
    the row's (an open end is the start's last possible day), with `_visitor_name`."""
    found: dict[int, dict] = {}
    overlap = f"{NATURAL} AND v.start_date <= k.e AND COALESCE(v.end_date, v.start_latest) >= k.s"
    for chunk in _chunks(rows):
        spans = [
            (v, r.visitor_country, r.host_country, r.start_date, _end(r)) for v, r in chunk if v
        ]
        found.update((v["id"], v) for v in _visits(spans, "p, vc, hc, s, e", overlap))
    return list(found.values())


def _end(record: VisitRecord):
    return record.end_date or latest_possible_date(record.start_date, record.date_precision)


def _visits(keys: list[tuple], names: str, condition: str) -> Iterator[dict]:
    """The visits meeting `condition` for some key k(`names`) of `keys`, with their
    visitor's name as `_visitor_name`."""
    columns = [f"v.{_quote(f.column)}" for f in Visit._meta.concrete_fields]
    person = _quote(Person._meta.db_table)
    select = f"SELECT {', '.join(columns)}, p.name FROM "
    join = f" JOIN {person} p ON p.id = v.visitor_id"
    rows = _read(Visit, keys, names, select + _joined(Visit, condition) + join)
    for *values, name in _converted(Visit, rows):
        yield {**dict(zip(FIELDS, values, strict=True)), "_visitor_name": name}


def _attach_hosts_and_sources(visits: dict[int, dict]) -> None:
    for visit in visits.values():
        visit.update(_hosts=set(), _host_names=[], _host_links=[], _sources=[])
    ids = [(pk,) for pk in sorted(visits)]
    hosts = Visit.hosts.through
    person = _quote(Person._meta.db_table)
    sql = (
        "SELECT v.id, v.visit_id, v.person_id, p.name FROM "
        + _joined(hosts, "v.visit_id = k.id")
        + f" JOIN {person} p ON p.id = v.person_id ORDER BY v.id"
    )
    for link, visit_id, person_id, name in _read(hosts, ids, "id", sql):
        visits[visit_id]["_hosts"].add(person_id)
        visits[visit_id]["_host_names"].append(name)
        visits[visit_id]["_host_links"].append((link, person_id))
    columns = ", ".join(f"v.{_quote(f.column)}" for f in Source._meta.concrete_fields)
    sql = f"SELECT {columns} FROM " + _joined(Source, "v.visit_id = k.id") + " ORDER BY v.id"
    for values in _converted(Source, _read(Source, ids, "id", sql)):
        source = dict(zip(SOURCE_FIELDS, values, strict=True))
        visits[source["visit_id"]]["_sources"].append(source)


def _joined(model: type[Model], condition: str) -> str:
    """`model`'s table as v, joined to the keys k on `condition`."""
    table = _quote(model._meta.db_table)
    if connection.vendor == "postgresql":
        return f"k CROSS JOIN LATERAL (SELECT * FROM {table} v WHERE {condition} OFFSET 0) v"
    return f"k JOIN {table} v ON {condition}"


def _read(model: type[Model], keys: list[tuple], names: str, sql: str) -> list[tuple]:
    """The rows of `sql` with the keys as the table k(`names`); none without keys."""
    if not keys:
        return []
    values = ", ".join(["(" + ", ".join(["%s"] * len(keys[0])) + ")"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH k({names}) AS (VALUES {values}) {sql}", [v for key in keys for v in key]
        )
        return cursor.fetchall()


def _converted(model: type[Model], rows: list[tuple]) -> Iterator[tuple]:
    """`rows` of `model`'s concrete fields (and any columns after them) as Django's
    own reads give them (SQLite returns dates as text, booleans as 0/1)."""
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    converters = [(i, c, f.get_col(table)) for i, f in enumerate(fields) for c in _converters(f)]
    if not converters:
        yield from rows
        return
    for row in rows:
        row = list(row)
        for i, convert, column in converters:
            row[i] = convert(row[i], column, connection)
        yield row


def _converters(field: Field) -> Sequence:
    return connection.ops.get_db_converters(field.get_col(field.model._meta.db_table)) + (
        field.get_db_converters(connection)
    )


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _chunks(items: list):
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]
