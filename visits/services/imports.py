"""Writing a planned import (visits.importing) in bulk, with history.

The number of queries grows with the number of batches, not of rows. The caller
holds the write lock (it moved the data version before planning) in the same
transaction, so the plan cannot have gone stale.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from visits.bulk import as_rows, insert_history, insert_many
from visits.models import Person, Source, Visit

BATCH = 1000
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
    "places",
    "purpose",
    "confidence",
    "external_id",
]
UPDATED = [*ROW_FIELDS, "start_latest", "visitor", "status", "version", "updated_at", "updated_by"]


def apply_import(*, plan, people: list[Person], user) -> None:
    """Write `plan` (a checked visits.importing.Plan) as `user`: the new `people`,
    new visits, changed visits (their version and updated_at moved), hosts, and
    sources added or dropped as planned. Every visit and source gets a history row."""
    if people:
        for person in people:
            person.set_search_key()  # bulk_create bypasses save()
        bulk_create_with_history(people, Person, batch_size=BATCH, default_user=user)
    now = timezone.now()
    rows = plan.new + plan.changed
    for row in rows:
        visit = row.visit
        visit.visitor_id = visit.visitor.pk  # the person may have been saved just now
        visit.updated_by, visit.updated_at = user, now
    if plan.new:
        _create_visits([r.visit for r in plan.new], user, now)
    if plan.changed:
        _update_visits([r.visit for r in plan.changed], user)
    _write_hosts(rows)
    _write_sources(rows, user)


def _create_visits(visits: list[Visit], user, now) -> None:
    """Insert new visits with insert_many, then read back their ids by key."""
    for visit in visits:
        visit.created_by, visit.created_at, visit.version = user, now, 1
    _insert_and_number(Visit, visits, _visit_key, _visit_keys)
    insert_history(Visit, visits, user=user, reason=REASON)


def _update_visits(visits: list[Visit], user) -> None:
    for visit in visits:
        visit.version += 1
    bulk_update_with_history(
        visits,
        Visit,
        UPDATED,
        batch_size=BATCH,
        default_user=user,
        default_change_reason=REASON,
    )


def _write_hosts(rows) -> None:
    through = Visit.hosts.through
    rows = [r for r in rows if r.hosts is not None]
    through.objects.filter(visit_id__in=[r.visit.pk for r in rows if r.visit.pk]).delete()
    links = {(r.visit.pk, host.pk) for r in rows for host in r.hosts}
    insert_many(through, [{"visit_id": v, "person_id": p} for v, p in sorted(links)])


def _write_sources(rows, user) -> None:
    for source in (source for r in rows for source in r.drop_sources):
        source._history_user, source._change_reason = user, REASON
        source.delete()  # one by one, for the history row's user and reason
    added = [
        Source(visit_id=r.visit.pk, url=url, title=title)
        for r in rows
        for url, title in r.add_sources
    ]
    _insert_and_number(Source, added, lambda s: (s.visit_id, s.url), _source_keys)
    insert_history(Source, added, user=user, reason=REASON)


def _insert_and_number(model, objects: list, key, stored_keys) -> None:
    """insert_many `objects`, then give each its primary key: the rows with a higher
    key than any before the insert, matched on `key(obj)` == `stored_keys(row)`."""
    if not objects:
        return
    before = model.objects.aggregate(last=Max("pk"))["last"] or 0
    insert_many(model, as_rows(objects))
    by_key: dict[tuple, list] = {}
    for obj in objects:
        by_key.setdefault(key(obj), []).append(obj)
    for pk, row_key in stored_keys(model.objects.filter(pk__gt=before).order_by("pk")):
        waiting = by_key.get(row_key)
        if waiting:
            waiting.pop(0).pk = pk


def _visit_key(visit: Visit) -> tuple:
    return (
        visit.external_id,
        visit.visitor_id,
        visit.visitor_country_id,
        visit.host_country_id,
        visit.start_date,
    )


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
        yield pk, tuple(key)


def _source_keys(qs):
    for pk, visit_id, url in qs.values_list("pk", "visit_id", "url").iterator(chunk_size=10000):
        yield pk, (visit_id, url)
