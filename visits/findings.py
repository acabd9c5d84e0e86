"""Numbers about published figures (the part of visits.stats that sets records beside
what a publication printed): the like-for-like finding, and the breakdown of the
visits each figure is compared with.

A figure is only ever compared with the records counted under its own rule
(`stats.figure_q`: its era, as-of date, threshold and direction), never with
today's totals.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import BooleanField, ExpressionWrapper, QuerySet

from visits import stats
from visits.dates import format_date
from visits.models import Confidence, Kind, Level, PublishedFigure, Visit, arrow


@dataclass(frozen=True)
class FindingRow:
    """One published figure beside its own-rule count, with the years its era had
    lasted by the figure's as-of date (for rates)."""

    era: str
    era_slug: str
    years: float
    figure: stats.PublishedCount

    @property
    def label(self) -> str:
        """ "All visits, minister or above" or "Leader visits PRK → CHN"."""
        p = self.figure
        if p.metric == "total":
            return f"All visits, {Level.from_slug(p.min_level).label.lower()} or above"
        return f"Leader visits {arrow(p.direction)}" if p.direction else "Leader visits"

    @property
    def published_per_year(self) -> float | None:
        return round(self.figure.value / self.years, 2) if self.years else None

    @property
    def recorded_per_year(self) -> float | None:
        return round(self.figure.recorded / self.years, 2) if self.years else None


@dataclass(frozen=True)
class Finding:
    """What one publisher printed on one date under one era scheme, like for like."""

    publisher: str
    title: str
    url: str
    as_of: dt.date
    scheme: str
    scheme_name: str
    rows: list[FindingRow]

    @property
    def totals(self) -> list[FindingRow]:
        """The rows of all-visit totals (no direction), latest era first."""
        rows = [r for r in self.rows if r.figure.metric == "total" and not r.figure.direction]
        return rows[::-1]

    @property
    def min_level(self) -> str:
        return self.totals[0].figure.min_level if self.totals else self.rows[0].figure.min_level


def like_for_like(
    *,
    pair: tuple[str, str],
    scheme: str | None = None,
    visits: QuerySet[Visit] | None = None,
) -> list[Finding]:
    """One Finding per (publisher, era scheme, as-of date) of the pair's published
    figures (under `scheme` only, if given), oldest first: each figure beside the
    records counted under its own rule. `visits` is the base queryset (default:
    published visits). One query, and four per finding."""
    figures = PublishedFigure.objects.filter(stats.figures_of_pair_q(*pair))
    if scheme:
        figures = figures.filter(era__scheme__slug=scheme)
    keys = (
        figures.order_by("as_of", "publisher", "era__scheme__slug")
        .values_list("publisher", "era__scheme__slug", "as_of")
        .distinct()
    )
    return [_finding(pair, publisher, scheme, as_of, visits) for publisher, scheme, as_of in keys]


def _finding(pair, publisher: str, scheme: str, as_of: dt.date, visits) -> Finding:
    comparison = stats.era_comparison(pair=pair, scheme=scheme, as_of=as_of, visits=visits)
    rows = [
        FindingRow(era=r.name, era_slug=r.slug, years=r.years, figure=p)
        for r in comparison.rows
        for p in r.published
        if p.publisher == publisher and p.as_of == as_of
    ]
    first = rows[0].figure
    return Finding(
        publisher=publisher,
        title=first.title,
        url=first.url,
        as_of=as_of,
        scheme=scheme,
        scheme_name=comparison.scheme_name,
        rows=rows,
    )


@dataclass(frozen=True)
class GapVisit:
    id: int
    label: str
    kind: str
    confidence: str
    level: int


@dataclass(frozen=True)
class GapGroup:
    """Recorded visits of a figure that share a reason to differ from a publication;
    `params` narrow the figure's visit list to them. Groups may overlap."""

    slug: str
    label: str
    params: dict
    visits: list[GapVisit]

    @property
    def count(self) -> int:
        return len(self.visits)


@dataclass(frozen=True)
class FigureGap:
    figure_id: int
    value: int
    recorded: int
    groups: list[GapGroup]
    other: int  # recorded visits in none of the groups

    @property
    def difference(self) -> int:
        return self.recorded - self.value


GROUPS = (
    ("event", "Multilateral events and celebrations", {"kind": Kind.EVENT.value}),
    ("transit", "Transits", {"kind": Kind.TRANSIT.value}),
    ("low-confidence", "Low-confidence records", {"confidence": Confidence.LOW.value}),
    ("at-threshold", "Rank exactly at the threshold", {}),
)


def figure_gaps(
    figures: list[PublishedFigure], *, visits: QuerySet[Visit] | None = None
) -> dict[int, FigureGap]:
    """For each figure (by id), its recorded visits (those `stats.figure_q` counts
    among the figure's pair) grouped by why a publication may have counted them
    differently: multilateral events (kind event), transits, low confidence, and a
    rank exactly at the figure's threshold (totals only). One query."""
    base = visits if visits is not None else Visit.objects.published()
    rules = {
        f.pk: stats.pair_q(f.country_a_id, f.country_b_id) & stats.figure_q(f) for f in figures
    }
    if not rules:
        return {}
    rows = list(
        base.filter(reduce(or_, rules.values()))
        .annotate(**{f"f{pk}": ExpressionWrapper(q, BooleanField()) for pk, q in rules.items()})
        .order_by("start_date", "pk")
        .values(
            "pk",
            "start_date",
            "date_precision",
            "visitor__name",
            "kind",
            "confidence",
            "level",
            *[f"f{pk}" for pk in rules],
        )
    )
    return {f.pk: _gap(f, [r for r in rows if r[f"f{f.pk}"]]) for f in figures}


def _gap(figure: PublishedFigure, rows: list[dict]) -> FigureGap:
    visits = [
        GapVisit(
            id=r["pk"],
            label=f"{r['visitor__name']} ({format_date(r['start_date'], r['date_precision'])})",
            kind=r["kind"],
            confidence=r["confidence"],
            level=r["level"],
        )
        for r in rows
    ]
    groups = [g for g in (_group(figure, visits, *spec) for spec in GROUPS) if g is not None]
    grouped = {v.id for g in groups for v in g.visits}
    return FigureGap(figure.pk, figure.value, len(visits), groups, len(visits) - len(grouped))


def _group(figure, visits: list[GapVisit], slug: str, label: str, params: dict) -> GapGroup | None:
    if slug == "at-threshold":
        if figure.metric != PublishedFigure.Metric.TOTAL:
            return None  # a leader-visit count has no rank below its threshold
        params = {"level": Level(figure.min_level).slug}
        chosen = [v for v in visits if v.level == figure.min_level]
    else:
        field, value = next(iter(params.items()))
        chosen = [v for v in visits if getattr(v, field) == value]
    return GapGroup(slug, label, params, chosen)


def pair_figure_gaps(
    *, pair: tuple[str, str], visits: QuerySet[Visit] | None = None
) -> dict[int, FigureGap]:
    """`figure_gaps` of every published figure about the pair. Two queries."""
    figures = list(
        PublishedFigure.objects.select_related("era").filter(stats.figures_of_pair_q(*pair))
    )
    return figure_gaps(figures, visits=visits)
