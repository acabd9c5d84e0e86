"""Facet counts: by era of a scheme (which stats.facets does not give), and
stats.facets's facets in one query on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from visits import stats
from visits.eras import in_era_q
from visits.models import Era, Level, Visit


@dataclass(frozen=True)
class EraCount:
    slug: str
    name: str
    count: int


def era_facet(visits: QuerySet[Visit], *, scheme: str) -> list[EraCount]:
    """Counts of `visits` by era of `scheme`, in era order, eras without visits left
    out. A visit counts in the era containing its first possible day (eras.in_era_q),
    so an ambiguous one counts once. Two queries: the eras, one aggregate."""
    eras = list(Era.objects.filter(scheme__slug=scheme).order_by("start_date"))
    if not eras:
        return []
    counts = visits.order_by().aggregate(
        **{f"era{era.pk}": Count("pk", filter=in_era_q(era)) for era in eras}
    )
    rows = [EraCount(era.slug, era.name, counts[f"era{era.pk}"]) for era in eras]
    return [row for row in rows if row.count]


# The facets of stats.FACETS as GROUPING SETS columns: one scan for all of them.
_SETS = {
    "level": ("level",),
    "kind": ("kind",),
    "channel": ("channel",),
    "confidence": ("confidence",),
    "status": ("status",),
    "visitor_country": ("visitor_country_id",),
    "host_country": ("host_country_id",),
    "direction": ("visitor_country_id", "host_country_id"),
    "year": ("year_",),
}


def facets(visits: QuerySet[Visit], names: list[str]) -> dict[str, list[stats.FacetCount]]:
    """stats.facets's answer (the same counts, values and order), on PostgreSQL in one
    query: GROUP BY GROUPING SETS reads the visits once for every facet, where
    stats.facets reads them once per facet."""
    if connection.vendor != "postgresql" or len(names) < 2:
        return stats.facets(visits, names)
    columns = sorted({c for name in names for c in _SETS[name]})
    base = visits.order_by().annotate(year_=ExtractYear("start_date")).values(*columns)
    try:
        inner, params = base.query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing by construction
        return {name: [] for name in names}
    sets = ", ".join(f"({', '.join(_SETS[name])})" for name in names)
    flags = ", ".join(f"GROUPING({c})" for c in columns)
    sql = (
        f"SELECT {', '.join(columns)}, {flags}, COUNT(*) FROM ({inner}) AS visits "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    by_set = {frozenset(_SETS[name]): name for name in names}
    out: dict[str, list] = {name: [] for name in names}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values = dict(zip(columns, row[: len(columns)], strict=True))
            marks = row[len(columns) : -1]
            grouped = frozenset(c for c, flag in zip(columns, marks, strict=True) if not flag)
            out[by_set[grouped]].append((values, row[-1]))
    return {name: _ordered(name, rows) for name, rows in out.items()}


def _ordered(name: str, rows: list[tuple[dict, int]]) -> list[stats.FacetCount]:
    """In stats.facets's order: years by year, the rest largest first."""
    if name == "year":
        rows.sort(key=lambda r: r[0]["year_"])
        return [stats.FacetCount(v["year_"], n) for v, n in rows]
    if name == "direction":
        rows.sort(key=lambda r: (-r[1], r[0]["visitor_country_id"], r[0]["host_country_id"]))
        return [
            stats.FacetCount(f"{v['visitor_country_id']}-{v['host_country_id']}", n)
            for v, n in rows
        ]
    column = _SETS[name][0]
    rows.sort(key=lambda r: (-r[1], r[0][column]))
    if name == "level":
        return [stats.FacetCount(Level(v[column]).slug, n) for v, n in rows]
    return [stats.FacetCount(v[column], n) for v, n in rows]
