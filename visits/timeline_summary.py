"""The timeline (visits per year by direction) of published visits from the era
summary, which gives the same numbers as `stats.timeline` without a scan of the
pair's visits.

Each scheme's summary partitions every published visit once (its era, or outside
every era), so the rows of any one scheme, summed over eras and ambiguity, count
each visit once by direction, level and start year. The summary holds whole
years: the as-of year is counted live from 1 January to the as-of date.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, IntegerField, Q, Sum, Value

from visits import stats
from visits.counting import year_start
from visits.models import EraCount, Level, Visit

COLUMNS = ("d0", "leader_d0", "d1", "leader_d1")  # _measures's, in its order


def timeline(
    *,
    pair: tuple[str, str],
    scheme: str,
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
) -> stats.Timeline:
    """`stats.timeline` of published visits up to `as_of` (default today), read from
    `scheme`'s summary (any scheme gives the same counts). One query."""
    as_of = as_of or dt.date.today()
    where = stats.pair_q(*pair) & Q(level__gte=min_level)
    summed = (
        EraCount.objects.filter(where, scheme__slug=scheme, year__lt=as_of.year)
        .order_by()
        .values("year")
        .annotate(**_measures(pair, Sum, "n"))
    )
    partial = (
        Visit.objects.published()
        .filter(where, start_date__range=(year_start(as_of), as_of))
        .order_by()
        .annotate(year=Value(as_of.year, output_field=IntegerField()))
        .values("year")
        .annotate(**_measures(pair, Count, "pk"))
    )
    by_year: dict[int, list[int]] = {}
    for row in summed.union(partial, all=True):
        before = by_year.get(row["year"], [0] * len(COLUMNS))
        by_year[row["year"]] = [
            n + (row[name] or 0) for n, name in zip(before, COLUMNS, strict=True)
        ]
    return _timeline(pair, min_level, by_year)


def _measures(pair, aggregate, field: str) -> dict:
    out = {}
    for i, direction in enumerate(stats.directions_of(pair)):
        mine = stats.direction_q(*direction)
        out[f"d{i}"] = aggregate(field, filter=mine)
        out[f"leader_d{i}"] = aggregate(field, filter=mine & Q(level=Level.LEADER))
    return out


def _timeline(pair, min_level: int, by_year: dict[int, list[int]]) -> stats.Timeline:
    """From the first year with a visit to the last; years between without one are
    zeros (summary rows may hold n = 0, so a year counts only with a visit)."""
    years = [y for y, (d0, _, d1, _) in by_year.items() if d0 + d1]
    names = [f"{v}-{h}" for v, h in stats.directions_of(pair)]
    rows = []
    for y in range(min(years), max(years) + 1) if years else []:
        d0, leader0, d1, leader1 = by_year.get(y, [0] * 4)
        rows.append(
            stats.YearRow(
                year=y,
                directions={names[0]: d0, names[1]: d1},
                leader_visits={names[0]: leader0, names[1]: leader1},
            )
        )
    return stats.Timeline(pair=tuple(pair), min_level=Level(min_level).slug, years=rows)
