"""Writing one planned batch of an import (visits.import_plan) in bulk, with history.

A fixed number of statements per batch, whatever its size: COPY on PostgreSQL.
The caller holds the write lock (it moved the data version before planning) in
the same transaction, so the plan cannot have gone stale.
"""

from __future__ import annotations

from collections import Counter
from operator import itemgetter

from django.apps import apps

from visits import summary
from visits.bulk import (
    delete_many,
    insert_history,
    insert_many,
    insert_with_history,
    reserve_ids,
    update_many,
)
from visits.models import EraCount, Person, Source, Visit
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


def apply_import(*, plan, user, now, moves: SummaryMoves | None = None) -> None:
    """Write `plan` (a checked visits.import_plan.BatchPlan) as `user` at time `now`:
    the new people, new visits, changed visits (their version and updated_at moved),
    hosts, and sources added or dropped as planned; a history row for each visit,
    person and source written; the era summary moved by the visits changed, at once
    or, given `moves`, when they are flushed (the caller flushes them before the
    transaction ends)."""
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
    changed = [r.values for r in plan.changed]
    history_ids = reserve_ids(Visit.history.model, len(rows))
    created, updated = history_ids[: len(visits)], history_ids[len(visits) :]
    insert_with_history(Visit, visits, kind="+", history_ids=created, **_by(user, now))
    update_many(Visit, changed, UPDATED)
    insert_history(Visit, changed, kind="~", history_ids=updated, **_by(user, now))
    _write_hosts(rows, history_ids)
    _write_sources(rows, user, now)
    own = moves is None
    moves = SummaryMoves() if own else moves
    moves.add(removed=[r.before for r in plan.changed], added=visits + changed)
    if own:
        moves.flush()


def written_models() -> list:
    """Every model whose table an import adds rows to, each after the ones its keys
    name (the planner's statistics are refreshed for them; the bench's write floor
    copies them in this order)."""
    return [
        Person,
        Person.history.model,
        Visit,
        Visit.history.model,
        Source,
        Source.history.model,
        Visit.hosts.through,
        _host_history(),
        EraCount,
    ]


def _host_history():
    """django-simple-history's model of the hosts of each visit history row."""
    return apps.get_model("visits", "HistoricalVisit_hosts")


def _by(user, now) -> dict:
    return {"user": user, "reason": REASON, "when": now}


def _pk(ref) -> int:
    return ref if isinstance(ref, int) else ref.id


class SummaryMoves:
    """The era-summary moves of an import's batches, made together: the summary's
    upsert then touches a key once, not once a batch. Held as counts of the visits'
    facts; flushed by itself when LIMIT visits are held (memory stays flat: a move
    of 250,000 visits raised an import's RSS by some 150 MiB while it was made), and
    by the caller at the end."""

    LIMIT = 50_000

    def __init__(self):
        self._clear()

    def _clear(self) -> None:
        self.removed: Counter = Counter()
        self.added: Counter = Counter()
        self.size = 0

    def add(self, *, removed: list[dict], added: list[dict]) -> None:
        self.removed.update(map(_facts, removed))
        self.added.update(map(_facts, added))
        self.size += len(removed) + len(added)
        if self.size >= self.LIMIT:
            self.flush()

    def flush(self) -> None:
        """Move the summary (and the published version) by the visits held."""
        if self.size:
            versioning.changed(removed=_counted(self.removed), added=_counted(self.added))
        self._clear()


_facts = itemgetter(*FACTS)  # a visit's values to the tuple of its summary facts


def _counted(counts: Counter) -> Counter:
    """The counts of facts' tuples as counts of summary.Facts."""
    return Counter({summary.Facts(*values): n for values, n in counts.items()})


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
    insert_with_history(Person, rows, kind="+", **_by(user, now))


def _write_hosts(rows, history_ids: list[int]) -> None:
    """The hosts of rows whose hosts changed (all of them for new visits), and of
    every row its history row's hosts (history_ids[i] is rows[i]'s): the hosts as
    they are after the write, as django-simple-history records a visit's hosts,
    which a revert puts back."""
    through = Visit.hosts.through
    rewritten = [r for r in rows if r.hosts is not None]
    delete_many(through, [r.values["id"] for r in rewritten if r.before], column="visit_id")
    links = sorted({(r.values["id"], _pk(host)) for r in rewritten for host in r.hosts})
    ids = reserve_ids(through, len(links))
    hosted = [
        {"id": pk, "visit_id": v, "person_id": p} for pk, (v, p) in zip(ids, links, strict=True)
    ]
    insert_many(through, hosted)
    hosted += [link for r in rows if r.hosts is None for link in r.host_links]
    history_of = {r.values["id"]: pk for r, pk in zip(rows, history_ids, strict=True)}
    for link in hosted:
        link["history_id"] = history_of[link["visit_id"]]
    insert_many(_host_history(), hosted)


def _write_sources(rows, user, now) -> None:
    dropped = [source for r in rows for source in r.drop_sources]
    insert_history(Source, dropped, kind="-", **_by(user, now))
    delete_many(Source, [source["id"] for source in dropped])
    added = [
        {"visit_id": r.values["id"], "url": url, "title": title}
        for r in rows
        for url, title in r.add_sources
    ]
    for source, pk in zip(added, reserve_ids(Source, len(added)), strict=True):
        source["id"] = pk
    insert_with_history(Source, added, kind="+", **_by(user, now))
