"""Apply parsed interchange rows to the database: plan, then write in bulk.

The plan (what would be created, updated or left unchanged) is made without
writing, so a dry run reports exactly what a real run would do. A real run writes
in one transaction with bulk operations and history records; the number of queries
grows with the number of batches, not of rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from visits.bulk import as_rows, insert_history, insert_many
from visits.dates import latest_possible_date
from visits.interchange import RowError, VisitRecord, parse_rows
from visits.models import Person, Source, Visit

BATCH = 1000
REASON = "import"
CHUNK = 500
VISIT_FIELDS = [
    "start_date",
    "date_precision",
    "end_date",
    "visitor_title",
    "visitor_country_id",
    "host_country_id",
    "level",
    "channel",
    "kind",
    "places",
    "purpose",
    "confidence",
    "status",
    "external_id",
]


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

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        verb = "would be" if not self.written else "were"
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.invalid_rows} invalid ({self.people_created} new people {verb} created)"
        )


def person_key(name: str) -> str:
    """Names match ignoring case, spaces, hyphens and apostrophes: Kim Jong Un ==
    Kim Jong-un == kim jong-un."""
    return re.sub(r"[\W_]+", "", name.casefold())


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


def import_rows(
    rows: Iterable[dict], *, dry_run: bool = False, skip_invalid: bool = False, user=None
) -> ImportReport:
    """Import interchange rows (dicts). All or nothing unless `skip_invalid`."""
    records, errors = parse_rows(rows)
    report = ImportReport(errors=errors, dry_run=dry_run)
    if errors and not skip_invalid:
        return report
    with transaction.atomic():
        plan = _plan(records)
        report.created, report.updated = len(plan.new), len(plan.changed)
        report.unchanged = len(records) - report.created - report.updated
        report.people_created = len(plan.people.new)
        report.actions = plan.actions
        if not dry_run:
            _write(plan, user)
            report.written = True
    return report


@dataclass
class Plan:
    people: PeopleIndex
    new: list[tuple[VisitRecord, Visit]] = field(default_factory=list)
    changed: list[tuple[VisitRecord, Visit]] = field(default_factory=list)
    actions: dict[int, str] = field(default_factory=dict)


def _plan(records: list[VisitRecord]) -> Plan:
    plan = Plan(people=PeopleIndex())
    existing = _existing_visits(records, plan.people)
    for record in records:
        visitor = plan.people.get(record.visitor, record.visitor_country)
        hosts = [plan.people.get(h, record.host_country) for h in record.hosts]
        # by external_id where the row has one, else (or failing that) the natural key
        visit = existing.get(("external_id", record.external_id)) or existing.get(
            _stored_key_of(
                None, visitor.pk, record.visitor_country, record.host_country, record.start_date
            )
        )
        if visit is None:
            plan.new.append((record, _apply(Visit(), record, visitor)))
            plan.actions[record.row] = "new"
        elif _differs(visit, record, visitor, hosts):
            plan.changed.append((record, _apply(visit, record, visitor)))
            plan.actions[record.row] = "update"
        else:
            plan.actions[record.row] = "skip"
    return plan


def _existing_visits(records: list[VisitRecord], people: PeopleIndex) -> dict[tuple, Visit]:
    """Existing visits that a record may update, keyed by external_id and natural key,
    each with `_hosts` (set of person ids) and `_sources` (list of (url, title))."""
    ids = [r.external_id for r in records if r.external_id]
    visitor_ids = {
        p.pk for r in records if (p := people.by_key.get(person_key(r.visitor))) and p.pk
    }
    visits: dict[int, Visit] = {}
    for chunk in _chunks(sorted(ids)):
        visits.update((v.pk, v) for v in Visit.objects.filter(external_id__in=chunk))
    for chunk in _chunks(sorted(visitor_ids)):
        visits.update((v.pk, v) for v in Visit.objects.filter(visitor_id__in=chunk))
    for visit in visits.values():
        visit._hosts, visit._sources = set(), []
    through = Visit.hosts.through.objects
    for chunk in _chunks(sorted(visits)):
        for visit_id, person_id in through.filter(visit_id__in=chunk).values_list(
            "visit_id", "person_id"
        ):
            visits[visit_id]._hosts.add(person_id)
        for visit_id, url, title in (
            Source.objects.filter(visit_id__in=chunk)
            .order_by("pk")
            .values_list("visit_id", "url", "title")
        ):
            visits[visit_id]._sources.append((url, title))
    found: dict[tuple, Visit] = {}
    for visit in visits.values():
        found[_stored_key(visit)] = visit
        found.setdefault(
            _stored_key_of(
                None,
                visit.visitor_id,
                visit.visitor_country_id,
                visit.host_country_id,
                visit.start_date,
            ),
            visit,
        )
    return found


def _chunks(items: list) -> Iterable[list]:
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


def _apply(visit: Visit, record: VisitRecord, visitor: Person) -> Visit:
    for name in VISIT_FIELDS:
        setattr(visit, name, getattr(record, _record_attr(name)))
    visit.visitor = visitor
    visit.start_latest = latest_possible_date(record.start_date, record.date_precision)
    visit._record_hosts = record.hosts
    visit._record_sources = record.sources
    return visit


def _record_attr(field_name: str) -> str:
    """visitor_country_id -> visitor_country; other names are the same on both."""
    return field_name.removesuffix("_id") if field_name.endswith("country_id") else field_name


def _differs(visit: Visit, record: VisitRecord, visitor: Person, hosts: list[Person]) -> bool:
    if visit.visitor_id != visitor.pk:
        return True
    if any(getattr(visit, n) != getattr(record, _record_attr(n)) for n in VISIT_FIELDS):
        return True
    if visit._hosts != {h.pk for h in hosts}:
        return True
    return visit._sources != list(record.sources)


def _write(plan: Plan, user) -> None:
    if plan.people.new:
        bulk_create_with_history(plan.people.new, Person, batch_size=BATCH, default_user=user)
    new = [v for _, v in plan.new]
    changed = [v for _, v in plan.changed]
    for visit in new + changed:
        visit.visitor_id = visit.visitor.pk  # the person may have been saved just now
        visit.updated_by = user
    if new:
        _create_visits(new, user)
    if changed:
        bulk_update_with_history(
            changed,
            Visit,
            [*VISIT_FIELDS, "visitor", "start_latest", "updated_by"],
            batch_size=BATCH,
            default_user=user,
            default_change_reason=REASON,
        )
        Visit.hosts.through.objects.filter(visit__in=changed).delete()
        Source.objects.filter(visit__in=changed).delete()
    _write_hosts_and_sources(plan.people, new + changed, user)


def _create_visits(visits: list[Visit], user) -> None:
    """Insert new visits with insert_many, then read back their ids by key."""
    now = timezone.now()
    for visit in visits:
        visit.created_by, visit.created_at, visit.updated_at = user, now, now
    _insert_and_number(Visit, visits, _stored_key, _visit_keys)
    insert_history(Visit, visits, user=user, reason=REASON)


def _insert_and_number(model, objects: list, key, stored_keys) -> None:
    """insert_many `objects`, then give each its primary key: the rows with a higher
    key than any before the insert, matched on `key(obj)` == `stored_keys(row)`."""
    before = model.objects.aggregate(last=Max("pk"))["last"] or 0
    insert_many(model, as_rows(objects))
    by_key: dict[tuple, list] = {}
    for obj in objects:
        by_key.setdefault(key(obj), []).append(obj)
    for pk, row_key in stored_keys(model.objects.filter(pk__gt=before).order_by("pk")):
        waiting = by_key.get(row_key)
        if waiting:
            waiting.pop(0).pk = pk


def _visit_keys(qs):
    fields = [
        "pk",
        "external_id",
        "visitor_id",
        "visitor_country_id",
        "host_country_id",
        "start_date",
    ]
    for pk, *key in qs.values_list(*fields).iterator(chunk_size=10000):
        yield pk, _stored_key_of(*key)


def _source_keys(qs):
    for pk, visit_id, url in qs.values_list("pk", "visit_id", "url").iterator(chunk_size=10000):
        yield pk, (visit_id, url)


def _stored_key(visit: Visit) -> tuple:
    return _stored_key_of(
        visit.external_id,
        visit.visitor_id,
        visit.visitor_country_id,
        visit.host_country_id,
        visit.start_date,
    )


def _stored_key_of(external_id, visitor_id, visitor_country, host_country, start_date) -> tuple:
    if external_id:
        return ("external_id", external_id)
    return ("natural", visitor_id, visitor_country, host_country, start_date)


def _write_hosts_and_sources(people: PeopleIndex, visits: list[Visit], user) -> None:
    through = Visit.hosts.through
    links, sources = [], []
    for visit in visits:
        host_ids = {people.by_key[person_key(name)].pk for name in visit._record_hosts}
        links += [{"visit_id": visit.pk, "person_id": pk} for pk in sorted(host_ids)]
        for url, title in visit._record_sources:
            sources.append(Source(visit_id=visit.pk, url=url, title=title))
    insert_many(through, links)
    _insert_and_number(Source, sources, lambda s: (s.visit_id, s.url), _source_keys)
    insert_history(Source, sources, user=user, reason=REASON)
