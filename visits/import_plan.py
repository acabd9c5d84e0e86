"""Planning one batch of an import (visits.importing): which rows create a visit,
which change one (and how), which change nothing, and which are refused.

Visits are plain dicts of field values (attname → value), not model instances:
read with `.values()`, compared, and handed to the write service as they are.
The batch's lookups are a fixed number of queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from visits import services
from visits.dates import format_date, latest_possible_date
from visits.import_lookups import existing_visits, overlapping_visits
from visits.interchange import RowError, VisitRecord, person_key
from visits.models import Level, Person, Status
from visits.services.imports import ROW_FIELDS

# The record's attribute for each visit field it sets.
ATTRS = {n: n.removesuffix("_id") if n.endswith("country_id") else n for n in ROW_FIELDS}
_ROW_VALUES = attrgetter(*ATTRS.values())


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.column}: {self.old or '(empty)'} → {self.new or '(empty)'}"


class NewPerson:
    """A person the file names and the database lacks; `id` is set when written."""

    __slots__ = ("name", "country_id", "slug", "id")

    def __init__(self, name: str, country_id: str):
        self.name, self.country_id, self.slug, self.id = name, country_id, "", None


class PeopleIndex:
    """Every person's id by name and alias (loaded in one query, ids and names
    only), and the people the import creates."""

    def __init__(self):
        self.by_key: dict[str, int | NewPerson] = {}
        self.slugs: set[str] = set()
        self._keys: dict[str, str] = {}
        people = Person.objects.values_list("id", "name", "native_name", "aliases", "slug")
        for pk, name, native_name, aliases, slug in people:
            self.slugs.add(slug)
            for each in [name, native_name, *aliases.split(";")]:
                if each.strip():
                    self.by_key.setdefault(self.key(each.strip()), pk)

    def key(self, name: str) -> str:
        if name not in self._keys:
            self._keys[name] = person_key(name)
        return self._keys[name]

    def get(self, name: str, country: str) -> int | NewPerson:
        """The person's id, or the NewPerson (its id once written)."""
        key = self.key(name)
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key[key] = NewPerson(name, country)
        return found if isinstance(found, int) or found.id is None else found.id

    def slug(self, name: str) -> str:
        base = slugify(name)[:190] or "person"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug


def pk(ref: int | NewPerson) -> int | None:
    return ref if isinstance(ref, int) else ref.id


@dataclass
class RowPlan:
    """One row to write: `values` are the visit's fields after the write (`before`
    them before, None for a new visit); `hosts` is None when they stay, and then
    `host_links` are their rows (visit_id, person_id and the row's id, as dicts);
    `add_sources` are (url, title) pairs, `drop_sources` source rows (dicts)."""

    record: VisitRecord
    values: dict
    before: dict | None
    hosts: list | None
    add_sources: list[tuple[str, str]]
    drop_sources: list[dict]
    host_links: list[dict] = field(default_factory=list)


@dataclass
class BatchPlan:
    new: list[RowPlan] = field(default_factory=list)
    changed: list[RowPlan] = field(default_factory=list)
    unchanged: int = 0
    people: list[NewPerson] = field(default_factory=list)
    changes: dict[int, list[Change]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


class RowRefused(Exception):
    def __init__(self, column: str, problem: str):
        super().__init__(problem)
        self.column, self.problem = column, problem


def plan_batch(
    records: list[VisitRecord],
    people: PeopleIndex,
    user,
    *,
    replace_sources: bool,
    allow_duplicates: bool,
    row_of=lambda visit_id: None,
) -> BatchPlan:
    """Plan `records` against the database; `row_of(visit_id)` names the row of this
    import that created a visit, for duplicate messages."""
    plan = BatchPlan()
    refs = [(people.get(r.visitor, r.visitor_country), r) for r in records]
    existing = existing_visits([(pk(v), r) for v, r in refs])
    found = []
    for visitor, record in refs:
        visit = _match(existing, pk(visitor), record)
        if repeated := _repeats(record, visit, row_of):
            plan.errors.append(repeated)
        else:
            found.append((visitor, record, visit))
    trips = _Trips(allow_duplicates, [(pk(v), r) for v, r, m in found if m is None], row_of)
    for visitor, record, visit in found:
        hosts = [people.get(h, record.host_country) for h in record.hosts]
        try:
            if visit is None:
                _plan_new(plan, record, visitor, hosts, user, trips)
            else:
                _plan_update(plan, record, visit, visitor, hosts, user, replace_sources)
        except RowRefused as refusal:
            plan.errors.append(RowError(record.row, refusal.column, refusal.problem))
    plan.people = _new_people(plan, people)
    return plan


def _repeats(record: VisitRecord, visit: dict | None, row_of) -> RowError | None:
    """A row matching a visit that an earlier batch of this import created repeats
    that row (by its external_id, or by its natural key under another external_id):
    the same visit twice is reported, never merged. Found in the database, where the
    earlier batch wrote it, so an import keeps no key of every row it read."""
    row = row_of(visit["id"]) if visit else None
    if row is None:
        return None
    same_id = record.external_id and visit["external_id"] == record.external_id
    return RowError(record.row, "external_id" if same_id else "start_date", f"repeats row {row}")


def _match(existing: dict, visitor_id, record: VisitRecord) -> dict | None:
    by_id = existing.get(("external_id", record.external_id)) if record.external_id else None
    return by_id or existing.get(
        ("natural", visitor_id, record.visitor_country, record.host_country, record.start_date)
    )


def _new_people(plan: BatchPlan, people: PeopleIndex) -> list[NewPerson]:
    """The new people that a written row names (a refused row creates nobody)."""
    used: dict[int, NewPerson] = {}
    for row in plan.new + plan.changed:
        for ref in [row.values["visitor_id"], *(row.hosts or [])]:
            if isinstance(ref, NewPerson) and ref.id is None:
                used[id(ref)] = ref
    for person in used.values():
        person.slug = person.slug or people.slug(person.name)
    return list(used.values())


def _check(user, before: str | None, after: str, source_count: int) -> None:
    """The write service's rules, as a row error."""
    try:
        services.check_write(user=user, before=before, after=after)
    except services.WriteRefused as exc:
        raise RowRefused("status", str(exc)) from None
    try:
        services.check_sources(after, source_count)
    except ValidationError as exc:
        raise RowRefused("source_url", exc.message_dict["sources"][0]) from None


def _plan_new(plan, record, visitor, hosts, user, trips) -> None:
    status = record.status or Status.DRAFT
    _check(user, None, status, len(record.sources))
    values = dict(zip(ATTRS, _ROW_VALUES(record), strict=True))
    values.update(status=status, visitor_id=visitor, version=1)
    values["start_latest"] = latest_possible_date(record.start_date, record.date_precision)
    trips.refuse_duplicate(visitor, record, values["start_latest"])
    plan.new.append(RowPlan(record, values, None, hosts, list(record.sources), []))


class _Trips:
    """Possible duplicates of new rows: recorded visits of the same visitor and
    direction whose dates overlap, and earlier new rows of the batch."""

    def __init__(self, allow: bool, new: list[tuple], row_of):
        self.allow, self.row_of = allow, row_of
        self.by_way: dict[tuple, list] = {}
        for visit in [] if allow else overlapping_visits(new):
            self._add(visit["visitor_id"], visit, visit["id"], visit["_visitor_name"])

    def _add(self, visitor, visit: dict, who, name: str) -> None:
        way = (visitor, visit["visitor_country_id"], visit["host_country_id"])
        end = visit["end_date"] or visit["start_latest"]
        self.by_way.setdefault(way, []).append((visit["start_date"], end, who, name, visit))

    def refuse_duplicate(self, visitor, record: VisitRecord, latest) -> None:
        if self.allow:
            return
        start, end = record.start_date, record.end_date or latest
        person = visitor if isinstance(visitor, int) else id(visitor)
        way = (person, record.visitor_country, record.host_country)
        for other_start, other_end, who, name, visit in self.by_way.get(way, ()):
            if other_start <= end and other_end >= start:
                row = who if isinstance(who, str) else self.row_of(who)
                what = row if isinstance(row, str) else f"row {row}" if row else f"visit {who}"
                label = format_date(visit["start_date"], visit["date_precision"])
                raise RowRefused(
                    "start_date",
                    f"may be the same trip as {what} ({name} to {visit['host_country_id']}, "
                    f"{label}); check it, or import with --allow-duplicates",
                )
        visit = {
            "visitor_country_id": record.visitor_country,
            "host_country_id": record.host_country,
            "start_date": record.start_date,
            "end_date": record.end_date,
            "start_latest": latest,
            "date_precision": record.date_precision,
        }
        self._add(way[0], visit, f"row {record.row}", record.visitor)


def _plan_update(plan, record, visit, visitor, hosts, user, replace_sources) -> None:
    """A column the file does not have leaves the recorded value alone; so does an
    empty status. The changes are listed even when the row is then refused."""
    status = record.status or visit["status"]
    sources = record.sources if "source_url" in record.given else ()
    urls = {u for u, _ in sources}
    had = visit["_sources"]
    add = [(u, t) for u, t in sources if u not in {s["url"] for s in had}]
    drop = [s for s in had if s["url"] not in urls] if replace_sources else []
    host_ids = {pk(h) for h in hosts}
    same_hosts = host_ids == visit["_hosts"] and None not in host_ids
    new_hosts = None if same_hosts or "hosts" not in record.given else hosts
    given = _given_fields(record)
    changes = _changes(visit, record, given, visitor, status, new_hosts, add, drop)
    if not changes:
        plan.unchanged += 1
        return
    plan.changes[record.row] = changes
    kept = set() if replace_sources else {s["url"] for s in had}
    _check(user, visit["status"], status, len(kept | urls))
    values = {k: v for k, v in visit.items() if not k.startswith("_")}
    values.update((name, getattr(record, ATTRS[name])) for name in given)
    values.update(status=status, visitor_id=visitor, version=visit["version"] + 1)
    values["start_latest"] = latest_possible_date(values["start_date"], values["date_precision"])
    before = {k: v for k, v in visit.items() if not k.startswith("_")}
    links = [] if new_hosts is not None else _links(visit)
    plan.changed.append(RowPlan(record, values, before, new_hosts, add, drop, links))


def _links(visit: dict) -> list[dict]:
    """The visit's host rows as they stand."""
    return [
        {"id": link, "visit_id": visit["id"], "person_id": p} for link, p in visit["_host_links"]
    ]


def _changes(visit, record, given, visitor, status, hosts, add, drop) -> list[Change]:
    changes = [
        Change(name.removesuffix("_id"), _shown(name, old), _shown(name, new))
        for name in given
        if (old := visit[name]) != (new := getattr(record, ATTRS[name]))
    ]
    if visit["visitor_id"] != pk(visitor):
        changes.append(Change("visitor", visit["_visitor_name"], record.visitor))
    if visit["status"] != status:
        changes.append(Change("status", visit["status"], status))
    if hosts is not None:
        changes.append(Change("hosts", "; ".join(visit["_host_names"]), "; ".join(record.hosts)))
    changes += [Change("source_url", "", f"+ {url}") for url, _ in add]
    changes += [Change("source_url", f"- {source['url']}", "") for source in drop]
    return changes


def _given_fields(record: VisitRecord) -> list[str]:
    """The visit fields whose column the file has (the precision goes with the date)."""
    column = {"date_precision": "start_date"}
    return [n for n in ROW_FIELDS if column.get(n, ATTRS[n]) in record.given]


def _shown(name: str, value) -> str:
    if value is None:
        return ""
    if name == "level":
        return Level(value).slug
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
