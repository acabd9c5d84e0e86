"""Counts of visits that read the era summary where it answers exactly, and visits
where it does not.

A measure is a count of the visits matching a condition the summary can state (era
or outside, direction, level, ambiguity) that started on or before `until`. The
summary holds whole start years, so a measure is its rows for the years before
`until`'s, plus a live count of the visits from 1 January of that year to `until`
(a range scan on start_date, at most a year of visits). Given a base queryset
instead (filters the summary does not know), everything is counted live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum, Value

from visits import eras as era_rules
from visits.models import Era, EraCount, Visit


@dataclass(frozen=True)
class Measure:
    summary: Q  # over EraCount
    live: Q  # over Visit
    until: dt.date


def measure(
    *,
    era: Era | None,
    eras: Sequence[Era],
    until: dt.date,
    match: Q | None = None,
    ambiguous: bool = False,
) -> Measure:
    """Visits counted in `era` (None: outside every one of `eras`) matching `match` (a
    Q on the fields both tables have: visitor_country_id, host_country_id, level),
    only the ambiguous ones if `ambiguous`, that started by `until`."""
    if era is None:
        summary, live = Q(era__isnull=True), era_rules.outside_q(eras)
    else:
        summary, live = Q(era_id=era.pk), era_rules.in_era_q(era)
    if ambiguous:
        summary, live = summary & Q(ambiguous=True), live & era_rules.ambiguous_q(era)
    match = match or Q()
    return Measure(summary & match, live & match, until)


def count(
    measures: dict[str, Measure],
    *,
    scheme: int,
    where: Q,
    visits: QuerySet[Visit] | None = None,
) -> dict[str, int]:
    """Each measure's count among the visits matching `where` (a Q both tables can
    read: countries, level). `visits` None: published visits, from the summary of
    `scheme` plus a live partial year; else `visits`, live. One query."""
    if not measures:
        return {}
    if visits is not None:
        live = {
            name: Count("pk", filter=m.live & Q(start_date__lte=m.until))
            for name, m in measures.items()
        }
        return visits.filter(where).order_by().aggregate(**live)
    sums = {
        name: Sum("n", filter=m.summary & Q(year__lt=m.until.year)) for name, m in measures.items()
    }
    summed = _one_row(EraCount.objects.filter(where, scheme_id=scheme), sums)
    # Each (alternative of `where`, year) its own term, so that an index on the
    # countries and start_date serves each as one range scan.
    alternatives = where.children if where.connector == Q.OR and not where.negated else [where]
    ranges = Q()
    for until in {m.until for m in measures.values()}:
        for alternative in alternatives:
            ranges |= Q(alternative) & _this_year(until)
    partial = _one_row(
        Visit.objects.published().filter(ranges),
        {name: Count("pk", filter=m.live & _this_year(m.until)) for name, m in measures.items()},
    )
    rows = list(summed.union(partial, all=True))  # one round trip: two rows
    return {name: sum(row[name] or 0 for row in rows) for name in measures}


def _one_row(queryset: QuerySet, aggregates: dict) -> QuerySet:
    """`queryset.aggregate(**aggregates)` as a queryset of its one row (to union)."""
    return (
        queryset.order_by()
        .annotate(_all=Value(1))
        .values("_all")
        .annotate(**aggregates)
        .values(*aggregates)
    )


def _this_year(until: dt.date) -> Q:
    """Visits from 1 January of `until`'s year to `until`: what the summary leaves."""
    return Q(start_date__range=(year_start(until), until))


def year_start(day: dt.date) -> dt.date:
    return day.replace(month=1, day=1)
