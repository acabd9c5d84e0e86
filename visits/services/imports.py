"""Writing one planned batch of an import (visits.import_plan) in bulk, with history.

A fixed number of statements per batch, whatever its size: COPY on PostgreSQL.
The caller holds the write lock (it moved the data version before planning) in
the same transaction, so the plan cannot have gone stale.
"""

from __future__ import annotations

from visits import summary
from visits.bulk import delete_many, history_rows, insert_many, reserve_ids, update_many
from visits.models import Person, Source, Visit
from visits.querysets import search_key
from visits.services import versioning

REASON = "import"
# The visit fields an interchange row sets; the visitor, hosts, status and sources
# are planned apart (visits.importing).
ROW_FIELDS = [
    "start_date",
    "date_precision",
    "end_date",
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
    "external_id",
]
UPDATED = [
    *ROW_FIELDS,
    "start_latest",
    "visitor_id",
    "status",
    "version",
    "updated_at",
    "updated_by_id",
]
FACTS = ["visitor_country_id", "host_country_id", "level", "start_date", "start_latest", "status"]


def apply_import(*, plan, user, now) -> None:
    """Write `plan` (a checked visits.import_plan.BatchPlan) as `user` at time `now`:
    the new people, new visits, changed visits (their version and updated_at moved),
    hosts, and sources added or dropped as planned; a history row for each visit,
    person and source written; the era summary moved by the visits changed."""
    uid = getattr(user, "pk", None)
    _create_people(plan.people, user, now)
    rows = plan.new + plan.changed
    for row in rows:
        values = row.values
        values["visitor_id"] = _pk(values["visitor_id"])
        values.update(updated_at=now, updated_by_id=uid)
    for row, pk in zip(plan.new, reserve_ids(Visit, len(plan.new)), strict=True):
        row.values.update(id=pk, created_at=now, created_by_id=uid)
    visits = [r.values for r in plan.new]
    insert_many(Visit, visits)
    insert_many(Visit.history.model, history_rows(Visit, visits, kind="+", **_by(user, now)))
    changed = [r.values for r in plan.changed]
    update_many(Visit, changed, UPDATED)
    insert_many(Visit.history.model, history_rows(Visit, changed, kind="~", **_by(user, now)))
    _write_hosts(rows)
    _write_sources(rows, user, now)
    versioning.changed(
        removed=[_facts(r.before) for r in plan.changed],
        added=[_facts(row) for row in visits + changed],
    )


def _by(user, now) -> dict:
    return {"user": user, "reason": REASON, "when": now}


def _pk(ref) -> int:
    return ref if isinstance(ref, int) else ref.id


def _facts(values: dict) -> summary.Facts:
    return summary.Facts(*(values[name] for name in FACTS))


def _create_people(people: list, user, now) -> None:
    rows = []
    for person, pk in zip(people, reserve_ids(Person, len(people)), strict=True):
        person.id = pk
        rows.append(
            {
                "id": pk,
                "name": person.name,
                "slug": person.slug,
                "country_id": person.country_id,
                "search_key": search_key(person.name),
                "native_name": "",
                "aliases": "",
                "wikidata_id": "",
            }
        )
    insert_many(Person, rows)
    insert_many(Person.history.model, history_rows(Person, rows, kind="+", **_by(user, now)))


def _write_hosts(rows) -> None:
    rows = [r for r in rows if r.hosts is not None]
    through = Visit.hosts.through
    delete_many(through, [r.values["id"] for r in rows if r.before], column="visit_id")
    links = {(r.values["id"], _pk(host)) for r in rows for host in r.hosts}
    insert_many(through, [{"visit_id": v, "person_id": p} for v, p in sorted(links)])


def _write_sources(rows, user, now) -> None:
    dropped = [source for r in rows for source in r.drop_sources]
    insert_many(Source.history.model, history_rows(Source, dropped, kind="-", **_by(user, now)))
    delete_many(Source, [source["id"] for source in dropped])
    added = [
        {"visit_id": r.values["id"], "url": url, "title": title}
        for r in rows
        for url, title in r.add_sources
    ]
    for source, pk in zip(added, reserve_ids(Source, len(added)), strict=True):
        source["id"] = pk
    insert_many(Source, added)
    insert_many(Source.history.model, history_rows(Source, added, kind="+", **_by(user, now)))
