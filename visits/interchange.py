"""The visit interchange CSV: one parser and one writer for the importer, the admin,
the API export and the seed data, so that a round trip is lossless.

Columns (DESIGN.md): start_date, end_date, visitor, visitor_title, visitor_country,
host_country, level, channel, kind, hosts, places, purpose, source_url,
source_title, confidence, status, external_id.

Row numbers in errors count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from visits.dates import format_iso, parse_date
from visits.models import Channel, Confidence, Kind, Level, Status, Visit

COLUMNS = [
    "start_date",
    "end_date",
    "visitor",
    "visitor_title",
    "visitor_country",
    "host_country",
    "level",
    "channel",
    "kind",
    "hosts",
    "places",
    "purpose",
    "source_url",
    "source_title",
    "confidence",
    "status",
    "external_id",
]
REQUIRED = ("start_date", "visitor", "visitor_country", "host_country")
LIMITS = {"visitor": 200, "visitor_title": 300, "places": 500, "external_id": 200}
SEPARATOR = ";"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.problem}"


@dataclass(frozen=True)
class VisitRecord:
    """One valid row, with countries as alpha-3 codes and choices as stored values."""

    row: int
    start_date: dt.date
    date_precision: str
    end_date: dt.date | None
    visitor: str
    visitor_title: str
    visitor_country: str
    host_country: str
    level: int
    channel: str
    kind: str
    hosts: tuple[str, ...]
    places: str
    purpose: str
    sources: tuple[tuple[str, str], ...]
    confidence: str
    status: str | None  # None: the cell was empty (a new visit is a draft, an update keeps it)
    external_id: str | None
    given: frozenset[str] = frozenset(COLUMNS)  # the file's columns; others stay as recorded


def split_list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(SEPARATOR) if part.strip()]


class CountryResolver:
    """Alpha-3 codes, alpha-2 codes and exact English names (any case) to alpha-3.

    Built from the Country table in one query; pass `codes` to skip the database.
    """

    def __init__(self, codes: Iterable[tuple[str, ...]] | None = None):
        if codes is None:
            from visits.models import Country

            codes = Country.objects.values_list(
                "code", "alpha_2", "name", "iso_name", "official_name"
            )
        self._lookup: dict[str, str] = {}
        for code, *names in codes:
            for key in (code, *names):
                if key:
                    self._lookup.setdefault(key.strip().casefold(), code)

    def resolve(self, value: str) -> str:
        code = self._lookup.get((value or "").strip().casefold())
        if code is None:
            raise ValueError(f"unknown country {value!r}; use an ISO 3166 alpha-3 code")
        return code


def _choice(value: str, choices, default: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return default
    if value not in choices.values:
        raise ValueError(f"unknown value {value!r}; expected one of {', '.join(choices.values)}")
    return value


def _level(value: str) -> int:
    return Level.from_slug(value) if (value or "").strip() else Level.UNKNOWN


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in url:
        raise ValueError(f"{url!r} is not an http(s) URL")


def _sources(urls: str, titles: str) -> tuple[tuple[str, str], ...]:
    url_list = split_list(urls)
    title_list = [titles.strip()] if len(url_list) == 1 else split_list(titles)
    if titles.strip() and len(url_list) > 1 and len(title_list) != len(url_list):
        raise ValueError(
            f"{len(url_list)} source URLs but {len(title_list)} titles; give one title per URL"
        )
    for url in url_list:
        _check_url(url)
    return tuple(
        (url, title_list[i] if i < len(title_list) else "") for i, url in enumerate(url_list)
    )


def parse_row(number: int, raw: dict, countries: CountryResolver):
    """A VisitRecord, or the list of every RowError in the row (all at once: a
    researcher fixes a row in one pass, not one problem per attempt)."""
    raw = {k: (v or "").strip() for k, v in raw.items() if k}
    errors: list[RowError] = []
    values: dict = {}
    for column in REQUIRED:
        if not raw.get(column):
            errors.append(RowError(number, column, "required but empty"))
    for column, limit in LIMITS.items():
        if len(raw.get(column, "")) > limit:
            errors.append(RowError(number, column, f"longer than {limit} characters"))
    parsers = {
        "start_date": parse_date,
        "end_date": _end_date,
        "visitor_country": countries.resolve,
        "host_country": countries.resolve,
        "level": _level,
        "channel": lambda v: _choice(v, Channel, Channel.STATE),
        "kind": lambda v: _choice(v, Kind, Kind.OFFICIAL),
        "confidence": lambda v: _choice(v, Confidence, Confidence.MEDIUM),
        "status": lambda v: _choice(v, Status, None),
        "source_url": lambda v: _sources(v, raw.get("source_title", "")),
    }
    for column, parse in parsers.items():
        if column in REQUIRED and not raw.get(column):
            continue
        try:
            values[column] = parse(raw.get(column, ""))
        except ValueError as exc:
            errors.append(RowError(number, column, str(exc)))
    errors += _cross_checks(number, values)
    return errors or _record(number, raw, values)


def _end_date(value: str) -> dt.date | None:
    if not value:
        return None
    day, precision = parse_date(value)
    if precision != "day":
        raise ValueError(f"{value!r}: an end date must be a full date YYYY-MM-DD")
    return day


def _cross_checks(number: int, values: dict) -> list[RowError]:
    """Checks between columns, for the columns that parsed."""
    errors = []
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start[0]:
        errors.append(RowError(number, "end_date", f"{end} is before the start"))
    visitor, host = values.get("visitor_country"), values.get("host_country")
    if visitor and visitor == host:
        errors.append(RowError(number, "host_country", "same country as the visitor's"))
    return errors


def _record(number: int, raw: dict, values: dict) -> VisitRecord:
    start, precision = values["start_date"]
    return VisitRecord(
        row=number,
        start_date=start,
        date_precision=precision,
        end_date=values["end_date"],
        visitor=raw["visitor"],
        visitor_title=raw.get("visitor_title", ""),
        visitor_country=values["visitor_country"],
        host_country=values["host_country"],
        level=values["level"],
        channel=values["channel"],
        kind=values["kind"],
        hosts=tuple(split_list(raw.get("hosts", ""))),
        places="; ".join(split_list(raw.get("places", ""))),
        purpose=raw.get("purpose", ""),
        sources=values["source_url"],
        confidence=values["confidence"],
        status=values["status"],
        external_id=raw.get("external_id") or None,
        given=frozenset(raw),
    )


def parse_rows(
    rows: Iterable[dict], countries: CountryResolver | None = None, first_row: int = 2
) -> tuple[list[VisitRecord], list[RowError]]:
    """Parse dicts keyed by column name. A row repeating an earlier row's external_id,
    or its natural key (visitor, countries, start date) under another external_id,
    is an error: the same visit twice is reported, never merged."""
    countries = countries or CountryResolver()
    records, errors, seen = [], [], {}
    for number, raw in enumerate(rows, start=first_row):
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        result = parse_row(number, raw, countries)
        if not isinstance(result, VisitRecord):
            errors.extend(result)
            continue
        keys = [natural_key(result)] + (
            [("external_id", result.external_id)] * bool(result.external_id)
        )
        repeated = [k for k in keys if k in seen]
        if repeated:
            column = "external_id" if repeated[-1][0] == "external_id" else "start_date"
            errors.append(RowError(number, column, f"repeats row {seen[repeated[-1]]}"))
            continue
        seen.update((k, number) for k in keys)
        records.append(result)
    return records, errors


def natural_key(record: VisitRecord) -> tuple:
    """The same visitor (by name), direction and start date."""
    return (
        "natural",
        person_key(record.visitor),
        record.visitor_country,
        record.host_country,
        record.start_date,
    )


def person_key(name: str) -> str:
    """Names match ignoring case, spaces, hyphens and apostrophes: Kim Jong Un ==
    Kim Jong-un == kim jong-un."""
    return re.sub(r"[\W_]+", "", name.casefold())


def read_csv(text: str | io.TextIOBase) -> tuple[list[dict], list[RowError]]:
    """Rows of a UTF-8 CSV as dicts, and errors for a header that lacks a required
    column or names an unknown one."""
    handle = io.StringIO(text.lstrip("\ufeff")) if isinstance(text, str) else text
    reader = csv.DictReader(handle)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    errors = check_header(header)
    return (list(reader) if not errors else []), errors


def check_header(header: list[str]) -> list[RowError]:
    """Errors for a header row that lacks a required column or names an unknown one."""
    errors = [RowError(1, c, "missing column") for c in REQUIRED if c not in header]
    return errors + [RowError(1, c, "unknown column") for c in header if c and c not in COLUMNS]


def visit_row(visit: Visit) -> dict[str, str]:
    """A visit as an interchange row (hosts and sources prefetched)."""
    sources = list(visit.sources.all())
    return {
        "start_date": format_iso(visit.start_date, visit.date_precision),
        "end_date": visit.end_date.isoformat() if visit.end_date else "",
        "visitor": visit.visitor.name,
        "visitor_title": visit.visitor_title,
        "visitor_country": visit.visitor_country_id,
        "host_country": visit.host_country_id,
        "level": Level(visit.level).slug,
        "channel": visit.channel,
        "kind": visit.kind,
        "hosts": "; ".join(h.name for h in visit.hosts.all()),
        "places": visit.places,
        "purpose": visit.purpose,
        "source_url": "; ".join(s.url for s in sources),
        "source_title": "; ".join(s.title.replace(SEPARATOR, ",") for s in sources)
        if len(sources) > 1
        else "".join(s.title for s in sources),
        "confidence": visit.confidence,
        "status": visit.status,
        "external_id": visit.external_id or "",
    }


def export_visits(visits) -> Iterator[dict[str, str]]:
    """Interchange rows for a queryset, in constant memory (chunks of 2,000)."""
    qs = visits.with_related().order_by("start_date", "pk")
    for visit in qs.iterator(chunk_size=2000):
        yield visit_row(visit)


def csv_lines(rows: Iterable[dict[str, str]]) -> Iterator[str]:
    """The CSV text, header first, one line at a time (for streaming responses)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
