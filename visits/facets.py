"""Facet counts: by era of a scheme (which stats.facets does not give), stats.facets's
facets in one query on PostgreSQL, and the counts of every published visit read from
the era summary (visits.summary)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from visits import models, stats, summary
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
    return by_era(eras, {era.pk: counts[f"era{era.pk}"] for era in eras})


def by_era(eras: Sequence[Era], counts: dict[int, int]) -> list[EraCount]:
    """era_facet's rows from counts by era pk: in the order of `eras`, zeros left out."""
    rows = [EraCount(era.slug, era.name, counts.get(era.pk, 0)) for era in eras]
    return [row for row in rows if row.count]


SUMMARY_FACETS = frozenset({"level", "direction", "year", "era"})


def published_facets(*, scheme: int, names: list[str]) -> dict[str, list[stats.FacetCount]]:
    """stats.facets's answer (same counts, values and order) for every published visit,
    for the facets the era summary holds (SUMMARY_FACETS), from the summary rows of
    `scheme` (each published visit is in exactly one row of each scheme); "era" counts
    by era pk, in no order (see by_era). One query, of the summary's rows (bounded by
    eras × directions × levels × years, not by visits)."""
    rows = models.EraCount.objects.filter(scheme_id=scheme, n__gt=0).values_list(
        "era_id", "visitor_country_id", "host_country_id", "level", "year", "n"
    )
    counts = {name: Counter() for name in names}
    for era, visitor, host, level, year, n in rows:
        values = {"level": level, "direction": (visitor, host), "year": year, "era": era}
        for name in names:
            counts[name][values[name]] += n
    return {name: _summary_ordered(name, counts[name]) for name in names}


def _summary_ordered(name: str, counts: Counter) -> list[stats.FacetCount]:
    if name == "era":
        return [stats.FacetCount(era, n) for era, n in counts.items() if era is not None]
    if name == "year":
        return [stats.FacetCount(year, counts[year]) for year in sorted(counts)]
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if name == "direction":
        return [stats.FacetCount(f"{v}-{h}", n) for (v, h), n in ordered]
    return [stats.FacetCount(Level(level).slug, n) for level, n in ordered]


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
    "era": ("summary_era",),
}


def facets(
    visits: QuerySet[Visit], names: list[str], *, eras: Sequence[Era] = ()
) -> dict[str, list[stats.FacetCount]]:
    """stats.facets's answer (the same counts, values and order), on PostgreSQL in one
    query: GROUP BY GROUPING SETS reads the visits once for every facet, where
    stats.facets reads them once per facet. "era" (with `eras`, one scheme's by start
    date) counts by era pk, visits outside every era left out, in no order (by_era)."""
    if connection.vendor != "postgresql" or len(names) < 2:
        return _facets_apart(visits, names, eras)
    columns = sorted({c for name in names for c in _SETS[name]})
    base = visits.order_by().annotate(year_=ExtractYear("start_date"))
    if "era" in names:
        base = summary.with_era(base, eras)
    try:
        inner, params = base.values(*columns).query.sql_with_params()
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


def _facets_apart(
    visits: QuerySet[Visit], names: list[str], eras: Sequence[Era]
) -> dict[str, list[stats.FacetCount]]:
    """facets's answer a query per facet (stats.facets), the eras in one aggregate."""
    out = stats.facets(visits, [name for name in names if name != "era"])
    if "era" in names:
        counts = visits.order_by().aggregate(
            **{f"era{era.pk}": Count("pk", filter=in_era_q(era)) for era in eras}
        )
        out["era"] = [stats.FacetCount(era.pk, counts[f"era{era.pk}"]) for era in eras]
    return {name: out[name] for name in names}


def _ordered(name: str, rows: list[tuple[dict, int]]) -> list[stats.FacetCount]:
    """In stats.facets's order: years by year, the rest largest first."""
    if name == "era":
        return [stats.FacetCount(v["summary_era"], n) for v, n in rows if v["summary_era"]]
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
