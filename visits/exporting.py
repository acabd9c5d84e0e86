"""The interchange CSV of any number of visits, fast and in flat memory.

On PostgreSQL one `COPY … TO STDOUT` writes it (visits.copy_export). Elsewhere
(SQLite) rows are read here in keyset chunks on (start_date, id), each chunk one
indexed query, with its hosts and sources in one values() query each: no
server-side cursor, no long transaction, no model instances. The columns and
values are visits.interchange's (COLUMNS, and visit_row's values, which tests
compare byte for byte, on both paths).

In the chunked path a visit written while an export runs is in it if its key lies
past the chunk being read, as when paging through the API; each chunk is consistent
in itself. COPY reads one snapshot.

The CSV carries no row count or end marker (it stays a clean interchange file); a
server that fails mid-export aborts the chunked response instead of ending it, so
a client sees an incomplete transfer, never a shorter file that looks complete.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import connection
from django.db.models import Q, QuerySet

from visits.copy_export import copy_csv
from visits.dates import format_iso
from visits.interchange import COLUMNS, SEPARATOR
from visits.models import Level, Source, Visit

CHUNK = 5000
FIELDS = (
    "pk",
    "start_date",
    "date_precision",
    "end_date",
    "visitor__name",
    "visitor_title",
    "visitor_country_id",
    "host_country_id",
    "level",
    "channel",
    "kind",
    "multilateral",
    "places",
    "purpose",
    "notes",
    "confidence",
    "status",
    "external_id",
)
LEVEL_SLUGS = {level.value: level.slug for level in Level}


def export_csv(visits: QuerySet[Visit], *, rows: int | None = None) -> Iterator[bytes]:
    """UTF-8 CSV of `visits` in (start_date, id) order, the header first: by COPY on
    PostgreSQL, else in chunks (the same bytes). `rows`, how many visits `visits`
    selects where known: fewer than COPY_FROM are read in chunks on PostgreSQL too,
    on the caller's connection (a small file is not worth COPY's own connection and
    thread)."""
    small = rows is not None and rows < COPY_FROM
    if connection.vendor == "postgresql" and not small:
        return copy_csv(visits)
    return export_chunked(visits)


COPY_FROM = 5000


def export_chunked(visits: QuerySet[Visit], *, chunk: int = CHUNK) -> Iterator[bytes]:
    """UTF-8 CSV of `visits` in (start_date, id) order: the header, then one bytes
    block per chunk of `chunk` visits. Three queries per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rows in _chunks(visits, chunk):
        writer.writerows(rows)
        yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode()


def _chunks(visits: QuerySet[Visit], size: int) -> Iterator[list[tuple]]:
    """Lists of interchange rows, each from one keyset query after the last."""
    ordered = visits.order_by("start_date", "pk").values_list(*FIELDS)
    after = None
    while True:
        page = ordered
        if after:
            day, pk = after
            # start_date >= day, redundant with the OR, is what an index can range on
            page = ordered.filter(Q(start_date__gt=day) | Q(start_date=day, pk__gt=pk))
            page = page.filter(start_date__gte=day)
        records = list(page[:size])
        if not records:
            return
        yield _rows(records)
        if len(records) < size:
            return
        after = (records[-1][1], records[-1][0])


def _rows(records: list[tuple]) -> list[tuple]:
    ids = [record[0] for record in records]
    hosts = _hosts(ids)
    sources = _sources(ids)
    return [_row(r, hosts.get(r[0], ()), sources.get(r[0], ())) for r in records]


def _row(record: tuple, hosts, sources) -> tuple:
    """One visit as visits.interchange.visit_row writes it, in COLUMNS order."""
    (pk, start, precision, end, visitor, title, visitor_country, host_country, level) = record[:9]
    channel, kind, multilateral, places, purpose, notes, confidence, status, external_id = record[
        9:
    ]
    urls = "; ".join(url for url, _ in sources)
    if len(sources) > 1:
        titles = "; ".join(t.replace(SEPARATOR, ",") for _, t in sources)
    else:
        titles = "".join(t for _, t in sources)
    return (
        format_iso(start, precision),
        end.isoformat() if end else "",
        visitor,
        title,
        visitor_country,
        host_country,
        LEVEL_SLUGS[level],
        channel,
        kind,
        "true" if multilateral else "false",
        "; ".join(hosts),
        places,
        purpose,
        notes,
        urls,
        titles,
        confidence,
        status,
        external_id or "",
    )


def _hosts(ids: list[int]) -> dict[int, list[str]]:
    """Host names per visit, in the order a visit's hosts list them (by name)."""
    out: dict[int, list[str]] = {}
    rows = (
        Visit.hosts.through.objects.filter(visit_id__in=ids)
        .order_by("person__name", "person_id")
        .values_list("visit_id", "person__name")
    )
    for visit_id, name in rows:
        out.setdefault(visit_id, []).append(name)
    return out


def _sources(ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """(url, title) per visit, in the sources' own order."""
    out: dict[int, list[tuple[str, str]]] = {}
    rows = Source.objects.filter(visit_id__in=ids).values_list("visit_id", "url", "title")
    for visit_id, url, title in rows:
        out.setdefault(visit_id, []).append((url, title))
    return out
