"""The database reads of an import's batch: the recorded visits its rows may update
(by external_id or natural key), with their hosts and sources, and the recorded
visits its new rows may duplicate. A fixed number of queries per CHUNK rows."""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.expressions import RawSQL

from visits.dates import latest_possible_date
from visits.interchange import VisitRecord
from visits.models import Source, Visit

CHUNK = 2000  # rows per query: SQLite takes at most 32,766 parameters
FIELDS = [f.attname for f in Visit._meta.concrete_fields]
SOURCE_FIELDS = [f.attname for f in Source._meta.concrete_fields]


def existing_visits(rows: list[tuple[int | None, VisitRecord]]) -> dict[tuple, dict]:
    """Recorded visits that `rows` ((visitor id or None, record)) name, as dicts of
    their fields plus `_visitor_name`, `_hosts` (person ids), `_host_names` and
    `_sources` (dicts), keyed by ("external_id", id) and by ("natural", visitor id,
    visitor country, host country, start date)."""
    visits: dict[int, dict] = {}
    fields = [*FIELDS, "_visitor_name"]
    for chunk in _chunks(rows):
        ids = [r.external_id for _, r in chunk if r.external_id]
        by_id = _with_name(Visit.objects.filter(external_id__in=ids)).values(*fields)
        visits.update((v["id"], v) for v in by_id)
        found = {v["external_id"] for v in visits.values()}
        keys = [
            (v, r.visitor_country, r.host_country, r.start_date)
            for v, r in chunk
            if v and r.external_id not in found
        ]
        if keys:  # separate queries: an OR of the two would scan the table
            by_key = _with_name(Visit.objects.filter(_natural_in(keys))).values(*fields)
            visits.update((v["id"], v) for v in by_key)
    _attach_hosts_and_sources(visits)
    found: dict[tuple, dict] = {}
    for visit in visits.values():
        if visit["external_id"]:
            found[("external_id", visit["external_id"])] = visit
        key = ("natural", visit["visitor_id"], visit["visitor_country_id"])
        found.setdefault((*key, visit["host_country_id"], visit["start_date"]), visit)
    return found


def _with_name(visits):
    return visits.annotate(_visitor_name=F("visitor__name"))


def _natural_in(keys: list[tuple]) -> Q:
    sql = (
        f"WITH k(p, vc, hc, s) AS (VALUES {_placeholders(keys)}) "
        "SELECT v.id FROM visits_visit v JOIN k ON v.visitor_id = k.p "
        "AND v.visitor_country_id = k.vc AND v.host_country_id = k.hc AND v.start_date = k.s"
    )
    return Q(pk__in=RawSQL(sql, [value for key in keys for value in key]))


def overlapping_visits(rows: list[tuple[int | None, VisitRecord]]) -> list[dict]:
    """Recorded visits of the same visitor and direction as a row whose dates overlap
    the row's (an open end is the start's last possible day)."""
    found: dict[int, dict] = {}
    for chunk in _chunks(rows):
        spans = [
            (v, r.visitor_country, r.host_country, r.start_date, _end(r)) for v, r in chunk if v
        ]
        if not spans:
            continue
        sql = (
            f"WITH b(p, vc, hc, s, e) AS (VALUES {_placeholders(spans)}) "
            "SELECT v.id FROM visits_visit v JOIN b ON v.visitor_id = b.p "
            "AND v.visitor_country_id = b.vc AND v.host_country_id = b.hc "
            "AND v.start_date <= b.e AND COALESCE(v.end_date, v.start_latest) >= b.s"
        )
        params = [value for span in spans for value in span]
        visits = Visit.objects.filter(pk__in=RawSQL(sql, params)).values(*FIELDS, "visitor__name")
        found.update((v["id"], v) for v in visits)
    return list(found.values())


def _end(record: VisitRecord):
    return record.end_date or latest_possible_date(record.start_date, record.date_precision)


def _attach_hosts_and_sources(visits: dict[int, dict]) -> None:
    for visit in visits.values():
        visit.update(_hosts=set(), _host_names=[], _sources=[])
    ids = sorted(visits)
    links = Visit.hosts.through.objects.filter(visit_id__in=ids)
    for visit_id, person_id, name in links.values_list("visit_id", "person_id", "person__name"):
        visits[visit_id]["_hosts"].add(person_id)
        visits[visit_id]["_host_names"].append(name)
    for source in Source.objects.filter(visit_id__in=ids).order_by("pk").values(*SOURCE_FIELDS):
        visits[source["visit_id"]]["_sources"].append(source)


def _placeholders(rows: list[tuple]) -> str:
    one = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    return ", ".join([one] * len(rows))


def _chunks(items: list):
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]
