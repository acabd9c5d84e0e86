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
from urllib.parse import quote, urlsplit

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
    "multilateral",
    "hosts",
    "places",
    "purpose",
    "notes",
    "source_url",
    "source_title",
    "confidence",
    "status",
    "external_id",
]
REQUIRED = ("start_date", "visitor", "visitor_country", "host_country")
LIMITS = {"visitor": 200, "visitor_title": 300, "places": 500, "external_id": 200}
SEPARATOR = ";"
NUL = "\x00"
NUL_PROBLEM = "contains a NUL byte"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.problem}"


@dataclass(slots=True)
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
    multilateral: bool
    hosts: tuple[str, ...]
    places: str
    purpose: str
    notes: str
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
        self._exact = {key: code for key, code in self._lookup.items()}
        self._exact.update((code, code) for code in set(self._lookup.values()))

    def resolve(self, value: str) -> str:
        code = self._exact.get(value) or self._lookup.get((value or "").strip().casefold())
        if code is None:
            raise ValueError(
                f"unknown country {value!r}; use an ISO 3166 alpha-3 code, or for an entity "
                "outside ISO 3166 have an editor add it in the admin (Countries, Add) under "
                "a user-assigned code such as XKX, with a note on its status"
            )
        return code


def _chooser(choices, default: str | None):
    """A parser of one choice column: empty is `default`, any case is accepted."""
    values = frozenset(choices.values)
    expected = ", ".join(choices.values)

    def parse(value: str) -> str | None:
        if value in values:
            return value
        value = value.lower()
        if not value:
            return default
        if value not in values:
            raise ValueError(f"unknown value {value!r}; expected one of {expected}")
        return value

    return parse


_LEVELS = {slug: Level.from_slug(slug) for slug in Level.slugs()}


def _level(value: str) -> int:
    return _LEVELS.get(value) or (Level.from_slug(value) if value else Level.UNKNOWN)


_URL = re.compile(r"https?://[^/?#\s]*\.[^\s]*\Z", re.IGNORECASE)


BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def _boolean(value: str) -> bool:
    """`multilateral`: true/false (also yes/no, 1/0, any case); empty is false."""
    if not value:
        return False
    try:
        return BOOLEANS[value.lower()]
    except KeyError:
        raise ValueError(f"{value!r} is not true or false") from None


def _check_url(url: str) -> None:
    if not _URL.match(url) and not _is_url(url):
        raise ValueError(f"{url!r} is not an http(s) URL")


# What RFC 3986 allows unencoded in a URI; anything else (^, spaces, |, non-ASCII) is
# percent-encoded on reading, so that every stored URL is a valid `format: uri`.
URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def uri(url: str) -> str:
    """`url` with every character a URI may not hold percent-encoded (an IRI's
    characters as UTF-8); a valid URI is returned as it is."""
    return quote(url, safe=URI_SAFE)


def _is_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and "." in parts.netloc and " " not in url


def _sources(urls: str, titles: str) -> tuple[tuple[str, str], ...]:
    url_list = _listed(urls)
    title_list = [titles] if len(url_list) == 1 else split_list(titles)
    if titles and len(url_list) > 1 and len(title_list) != len(url_list):
        raise ValueError(
            f"{len(url_list)} source URLs but {len(title_list)} titles; give one title per URL"
        )
    for url in url_list:
        _check_url(url)
    url_list = [uri(url) for url in url_list]
    return tuple(
        (url, title_list[i] if i < len(title_list) else "") for i, url in enumerate(url_list)
    )


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _start_date(value: str) -> tuple[dt.date, str]:
    if _DAY.match(value):
        try:
            return dt.date.fromisoformat(value), "day"
        except ValueError:
            pass  # parse_date words the error
    return parse_date(value)


def _end_date(value: str) -> dt.date | None:
    if not value:
        return None
    day, precision = _start_date(value)
    if precision != "day":
        raise ValueError(f"{value!r}: an end date must be a full date YYYY-MM-DD")
    return day


_CHOICES = {
    "channel": _chooser(Channel, Channel.STATE),
    "kind": _chooser(Kind, Kind.OFFICIAL),
    "confidence": _chooser(Confidence, Confidence.MEDIUM),
    "status": _chooser(Status, None),
}


_DATES = (("start_date", _start_date), ("end_date", _end_date))
_CODED = (("level", _level), ("multilateral", _boolean), *_CHOICES.items())


def parse_row(number: int, raw: dict, countries: CountryResolver):
    """A VisitRecord, or the list of every RowError in the row (all at once: a
    researcher fixes a row in one pass, not one problem per attempt). A cell holding
    a NUL byte is refused first, alone: PostgreSQL stores no NUL in text (a COPY or
    an INSERT with one fails the whole import)."""
    raw = {k: v.strip() if v else "" for k, v in raw.items() if k}
    if NUL in "".join(raw.values()):  # the cell is wrong as a whole: nothing else reported
        return [RowError(number, c, NUL_PROBLEM) for c, v in raw.items() if NUL in v]
    get = raw.get
    errors = [RowError(number, c, "required but empty") for c in REQUIRED if not get(c)]
    for column, limit in LIMITS.items():
        if len(get(column, "")) > limit:
            errors.append(RowError(number, column, f"longer than {limit} characters"))
    values: dict = {}
    countries_parsed = (("visitor_country", countries.resolve), ("host_country", countries.resolve))
    for column, parse in (*_DATES, *countries_parsed, *_CODED):
        value = get(column, "")
        if not value and column in REQUIRED:
            continue
        try:
            values[column] = parse(value)
        except ValueError as exc:
            errors.append(RowError(number, column, str(exc)))
    try:
        values["source_url"] = _sources(get("source_url", ""), get("source_title", ""))
    except ValueError as exc:
        errors.append(RowError(number, "source_url", str(exc)))
    errors += _cross_checks(number, values)
    return errors or _record(number, raw, values)


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


def _listed(value: str) -> list[str]:
    return split_list(value) if SEPARATOR in value else [value] if value else []


def _record(number: int, raw: dict, values: dict) -> VisitRecord:
    start, precision = values["start_date"]
    get = raw.get
    return VisitRecord(
        number,
        start,
        precision,
        values["end_date"],
        raw["visitor"],
        get("visitor_title", ""),
        values["visitor_country"],
        values["host_country"],
        values["level"],
        values["channel"],
        values["kind"],
        values["multilateral"],
        tuple(_listed(get("hosts", ""))),
        "; ".join(_listed(get("places", ""))),
        get("purpose", ""),
        get("notes", ""),
        values["source_url"],
        values["confidence"],
        values["status"],
        get("external_id") or None,
        _given(raw),
    )


_GIVEN: dict[tuple, frozenset[str]] = {}


def _given(raw: dict) -> frozenset[str]:
    """The row's columns, one frozenset per header shape (shared, not one per row)."""
    shape = tuple(raw)
    if shape not in _GIVEN:
        _GIVEN[shape] = frozenset(shape)
    return _GIVEN[shape]


def parse_rows(
    rows: Iterable[dict], countries: CountryResolver | None = None, first_row: int = 2
) -> tuple[list[VisitRecord], list[RowError]]:
    """Parse dicts keyed by column name (the blank ones skipped), all in memory: for
    small files and tests. The importer streams with `parse_row` and reports a row
    that repeats another itself."""
    countries = countries or CountryResolver()
    records, errors = [], []
    for number, raw in enumerate(rows, start=first_row):
        if is_blank(raw):
            continue
        result = parse_row(number, raw, countries)
        if isinstance(result, VisitRecord):
            records.append(result)
        else:
            errors.extend(result)
    return records, errors


def is_blank(raw: dict) -> bool:
    return not any(v.strip() for v in raw.values() if isinstance(v, str) and v)


def natural_key(record: VisitRecord) -> tuple:
    """The same visitor (by name), direction and start date."""
    return (
        "natural",
        person_key(record.visitor),
        record.visitor_country,
        record.host_country,
        record.start_date,
    )


_NOT_WORD = re.compile(r"[\W_]+")


def person_key(name: str) -> str:
    """Names match ignoring case, spaces, hyphens and apostrophes: Kim Jong Un ==
    Kim Jong-un == kim jong-un."""
    return _NOT_WORD.sub("", name.casefold())


def read_csv(text: str | io.TextIOBase) -> tuple[list[dict], list[RowError]]:
    """Rows of a UTF-8 CSV as dicts, and errors for a header that lacks a required
    column or names an unknown one; no rows and the error for a file with a row the
    CSV reader cannot read (UnreadableRow)."""
    rows, errors = stream_csv(text)
    try:
        return list(rows), errors
    except UnreadableRow as exc:
        return [], [exc.error]


def stream_csv(text: str | io.TextIOBase) -> tuple[Iterator[dict], list[RowError]]:
    """Like read_csv, but the rows are read from `text` one at a time, as they are
    asked for (a file of any size in flat memory); no rows if the header is wrong.
    A row that is no CSV the reader takes raises UnreadableRow, naming it."""
    handle = io.StringIO(text.lstrip("\ufeff")) if isinstance(text, str) else text
    # The limit is the process's: a library imported beside us (frictionless, which
    # hdx-python-country brings) raises it to 20 MB; a field is refused over ours.
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.DictReader(handle)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        return iter(()), [unreadable(1, exc)]
    reader.fieldnames = header
    errors = check_header(header)
    return (iter(()) if errors else _rows(reader)), errors


FIELD_LIMIT = 131_072  # characters in one field: Python's csv default


class UnreadableRow(ValueError):
    """A row the CSV reader cannot read, and so no row after it: the file as a whole
    is refused (`error` names the row)."""

    def __init__(self, error: RowError):
        super().__init__(str(error))
        self.error = error


def unreadable(number: int, exc: csv.Error) -> RowError:
    """The RowError of row `number`, which the CSV reader refused with `exc`."""
    if "field limit" in str(exc):
        return RowError(
            number, "file", f"a field is longer than {FIELD_LIMIT} characters, the limit"
        )
    return RowError(number, "file", f"not readable as CSV ({exc})")


def _rows(reader: csv.DictReader) -> Iterator[dict]:
    """The reader's rows, numbered as in errors (the header is row 1)."""
    number = 1
    while True:
        number += 1
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UnreadableRow(unreadable(number, exc)) from None


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
        "multilateral": "true" if visit.multilateral else "false",
        "hosts": "; ".join(h.name for h in visit.hosts.all()),
        "places": visit.places,
        "purpose": visit.purpose,
        "notes": visit.notes,
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
