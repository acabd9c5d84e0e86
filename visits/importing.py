"""Plan an import of interchange rows; the write service applies the plan.

The plan says, row by row, what would be created, updated (every changed column,
old → new) or left unchanged, and refuses the rows that the acting user may not
write or that may duplicate a recorded trip: all without writing, so a dry run
reports exactly what a real run would do, every problem at once. A real run takes
the write lock first (visits.services), plans against the state it finds, and
hands the plan to `services.apply_import`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from visits import services
from visits.interchange import RowError, VisitRecord, parse_rows, person_key
from visits.models import Level, Person, Source, Status, Visit
from visits.services.imports import ROW_FIELDS

CHUNK = 500


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.column}: {self.old or '(empty)'} → {self.new or '(empty)'}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    actions: dict[int, str] = field(default_factory=dict)
    changes: dict[int, list[Change]] = field(default_factory=dict)

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        verb = "would be" if not self.written else "were"
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.invalid_rows} invalid ({self.people_created} new people {verb} created)"
        )


class PeopleIndex:
    """Every person by name and alias, loaded in one query; creates the missing."""

    def __init__(self):
        self.by_key: dict[str, Person] = {}
        self.slugs: set[str] = set()
        for person in Person.objects.only("id", "name", "slug", "aliases", "country_id"):
            self.slugs.add(person.slug)
            for name in [person.name, *person.alias_list]:
                self.by_key.setdefault(person_key(name), person)
        self.new: list[Person] = []

    def get(self, name: str, country: str) -> Person:
        key = person_key(name)
        if key not in self.by_key:
            person = Person(name=name, slug=self._slug(name), country_id=country)
            self.by_key[key] = person
            self.new.append(person)
        return self.by_key[key]

    def _slug(self, name: str) -> str:
        base = slugify(name)[:190] or "person"
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug


@dataclass
class RowPlan:
    """One row to write: `visit` carries the new values; `hosts` is None when they
    stay; `add_sources` are (url, title) pairs; `drop_sources` are Source rows."""

    record: VisitRecord
    visit: Visit
    hosts: list[Person] | None
    add_sources: list[tuple[str, str]]
    drop_sources: list[Source]


@dataclass
class Plan:
    people: PeopleIndex
    new: list[RowPlan] = field(default_factory=list)
    changed: list[RowPlan] = field(default_factory=list)
    actions: dict[int, str] = field(default_factory=dict)
    changes: dict[int, list[Change]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def import_rows(
    rows: Iterable[dict],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    user=None,
    replace_sources: bool = False,
    allow_duplicates: bool = False,
) -> ImportReport:
    """Import interchange rows (dicts) as `user` (None: the system, with every right).

    All or nothing unless `skip_invalid`. Sources are only added unless
    `replace_sources`. A new row that may duplicate a recorded trip is refused unless
    `allow_duplicates`. Raises services.ImportBusy if another write holds the lock
    for longer than the database waits."""
    records, errors = parse_rows(rows)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        if not dry_run:
            services.bump_data_version()  # the write lock, before planning
        plan = _plan(records, user, replace_sources, allow_duplicates)
        report.errors = sorted(errors + plan.errors, key=lambda e: e.row)
        report.created, report.updated = len(plan.new), len(plan.changed)
        report.unchanged = sum(1 for a in plan.actions.values() if a == "skip")
        people = _people_used(plan)
        report.people_created = len(people)
        report.actions, report.changes = plan.actions, plan.changes
        if dry_run or (report.errors and not skip_invalid) or not (plan.new or plan.changed):
            transaction.set_rollback(True)
            return report
        services.apply_import(plan=plan, people=people, user=user)
        report.written = True
    return report


def _people_used(plan: Plan) -> list[Person]:
    """New people that a written row names (a refused row creates nobody)."""
    used = {id(p) for rp in plan.new + plan.changed for p in [rp.visit.visitor, *(rp.hosts or [])]}
    return [p for p in plan.people.new if id(p) in used]


def _plan(records: list[VisitRecord], user, replace_sources: bool, allow_duplicates: bool) -> Plan:
    plan = Plan(people=PeopleIndex())
    existing, by_visitor = _existing_visits(records, plan.people)
    for record in records:
        visitor = plan.people.get(record.visitor, record.visitor_country)
        hosts = [plan.people.get(h, record.host_country) for h in record.hosts]
        visit = existing.get(("external_id", record.external_id)) or existing.get(
            _natural(visitor.pk, record.visitor_country, record.host_country, record.start_date)
        )
        try:
            if visit is None:
                _plan_new(plan, record, visitor, hosts, user, by_visitor, allow_duplicates)
            else:
                _plan_update(plan, record, visit, visitor, hosts, user, replace_sources)
        except RowRefused as refusal:
            plan.errors.append(RowError(record.row, refusal.column, refusal.problem))
            plan.actions[record.row] = "error"
    return plan


class RowRefused(Exception):
    def __init__(self, column: str, problem: str):
        super().__init__(problem)
        self.column, self.problem = column, problem


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


def _plan_new(plan, record, visitor, hosts, user, by_visitor, allow_duplicates) -> None:
    status = record.status or Status.DRAFT
    _check(user, None, status, len(record.sources))
    visit = _apply(Visit(status=status), record, visitor)
    if not allow_duplicates:
        _refuse_duplicate(visit, by_visitor.get(id(visitor), []))
    by_visitor.setdefault(id(visitor), []).append(visit)
    visit._row = record.row
    plan.new.append(RowPlan(record, visit, hosts, list(record.sources), []))
    plan.actions[record.row] = "new"


def _refuse_duplicate(visit: Visit, others: list[Visit]) -> None:
    start, end = visit.start_date, visit.end_date or visit.start_latest
    for other in others:
        same_way = (other.visitor_country_id, other.host_country_id) == (
            visit.visitor_country_id,
            visit.host_country_id,
        )
        if same_way and other.start_date <= end and (other.end_date or other.start_latest) >= start:
            what = f"visit {other.pk}" if other.pk else f"row {other._row}"
            raise RowRefused(
                "start_date",
                f"may be the same trip as {what} ({other}); check it, "
                "or import with --allow-duplicates",
            )


def _plan_update(plan, record, visit, visitor, hosts, user, replace_sources) -> None:
    """A column the file does not have leaves the recorded value alone; so does an
    empty status. The changes are listed even when the row is then refused."""
    status = record.status or visit.status
    sources = record.sources if "source_url" in record.given else ()
    urls = {u for u, _ in sources}
    add = [(u, t) for u, t in sources if u not in {s.url for s in visit._source_rows}]
    drop = [s for s in visit._source_rows if s.url not in urls] if replace_sources else []
    same_hosts = {h.pk for h in hosts} == visit._hosts and all(h.pk for h in hosts)
    new_hosts = None if same_hosts or "hosts" not in record.given else hosts
    changes = _changes(visit, record, visitor, status, new_hosts, add, drop)
    if not changes:
        plan.actions[record.row] = "skip"
        return
    plan.changes[record.row] = changes
    kept = set() if replace_sources else {u for u, _ in visit._sources}
    _check(user, visit.status, status, len(kept | urls))
    _apply(visit, record, visitor, _given_fields(record)).status = status
    plan.changed.append(RowPlan(record, visit, new_hosts, add, drop))
    plan.actions[record.row] = "update"


def _changes(visit, record, visitor, status, hosts, add, drop) -> list[Change]:
    changes = [
        Change(name.removesuffix("_id"), _shown(name, old), _shown(name, new))
        for name in _given_fields(record)
        if (old := getattr(visit, name)) != (new := getattr(record, _record_attr(name)))
    ]
    if visit.visitor_id != visitor.pk:
        changes.append(Change("visitor", visit.visitor.name, visitor.name))
    if visit.status != status:
        changes.append(Change("status", visit.status, status))
    if hosts is not None:
        changes.append(Change("hosts", "; ".join(visit._host_names), "; ".join(record.hosts)))
    changes += [Change("source_url", "", f"+ {url}") for url, _ in add]
    changes += [Change("source_url", f"- {source.url}", "") for source in drop]
    return changes


def _given_fields(record: VisitRecord) -> list[str]:
    """The visit fields whose column the file has (the precision goes with the date)."""
    column = {"date_precision": "start_date"}
    return [n for n in ROW_FIELDS if column.get(n, _record_attr(n)) in record.given]


def _shown(name: str, value) -> str:
    if value is None:
        return ""
    if name == "level":
        return Level(value).slug
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _existing_visits(records: list[VisitRecord], people: PeopleIndex):
    """Existing visits that a record may update, keyed by external_id and natural key,
    each with `_hosts` (person ids), `_host_names`, `_sources` ((url, title) pairs) and
    `_source_rows`; and the same visits by visitor (keyed by id() of the Person)."""
    ids = sorted({r.external_id for r in records if r.external_id})
    visitors = {
        p.pk: p for r in records if (p := people.by_key.get(person_key(r.visitor))) and p.pk
    }
    visits: dict[int, Visit] = {}
    for chunk in _chunks(ids):
        visits.update((v.pk, v) for v in Visit.objects.filter(external_id__in=chunk))
    for chunk in _chunks(sorted(visitors)):
        visits.update((v.pk, v) for v in Visit.objects.filter(visitor_id__in=chunk))
    _attach_hosts_and_sources(visits)
    found: dict[tuple, Visit] = {}
    by_visitor: dict[int, list[Visit]] = {}
    for visit in visits.values():
        if visit.external_id:
            found[("external_id", visit.external_id)] = visit
        key = _natural(
            visit.visitor_id, visit.visitor_country_id, visit.host_country_id, visit.start_date
        )
        found.setdefault(key, visit)
        if visit.visitor_id in visitors:
            by_visitor.setdefault(id(visitors[visit.visitor_id]), []).append(visit)
    return found, by_visitor


def _attach_hosts_and_sources(visits: dict[int, Visit]) -> None:
    for visit in visits.values():
        visit._hosts, visit._host_names, visit._sources, visit._source_rows = set(), [], [], []
    through = Visit.hosts.through.objects
    for chunk in _chunks(sorted(visits)):
        for visit_id, person_id, name in through.filter(visit_id__in=chunk).values_list(
            "visit_id", "person_id", "person__name"
        ):
            visits[visit_id]._hosts.add(person_id)
            visits[visit_id]._host_names.append(name)
        for source in Source.objects.filter(visit_id__in=chunk).order_by("pk"):
            visits[source.visit_id]._sources.append((source.url, source.title))
            visits[source.visit_id]._source_rows.append(source)


def _chunks(items: list) -> Iterable[list]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _natural(visitor_id, visitor_country, host_country, start_date) -> tuple:
    return ("natural", visitor_id, visitor_country, host_country, start_date)


def _apply(visit: Visit, record: VisitRecord, visitor: Person, fields=ROW_FIELDS) -> Visit:
    for name in fields:
        setattr(visit, name, getattr(record, _record_attr(name)))
    visit.visitor = visitor
    visit.derive()
    return visit


def _record_attr(field_name: str) -> str:
    """visitor_country_id -> visitor_country; other names are the same on both."""
    return field_name.removesuffix("_id") if field_name.endswith("country_id") else field_name
