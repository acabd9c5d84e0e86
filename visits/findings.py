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

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet

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


@dataclass(frozen=True)
class GapGroup:
    """Recorded visits of a figure that share a reason to differ from a publication;
    `params` narrow the figure's visit list to them. Groups may overlap. `visits`
    names the first few by start date (figure_gaps's `examples`); `count` is all."""

    slug: str
    label: str
    params: dict
    count: int
    visits: list[GapVisit]

    @property
    def more(self) -> int:
        """How many of the group `visits` leaves unnamed."""
        return self.count - len(self.visits)


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


# (slug, label, the field values a group's visits have, the same as /visits/ filters)
GROUPS = (
    (
        "multilateral",
        "Visits to multilateral events (congresses, parades, forums, summits)",
        {"multilateral": True},
        {"multilateral": "true"},
    ),
    (
        "event",
        "Bilateral anniversaries and ceremonies",
        {"kind": Kind.EVENT.value, "multilateral": False},
        {"kind": Kind.EVENT.value, "multilateral": "false"},
    ),
    ("transit", "Transits", {"kind": Kind.TRANSIT.value}, {"kind": Kind.TRANSIT.value}),
    (
        "low-confidence",
        "Low-confidence records",
        {"confidence": Confidence.LOW.value},
        {"confidence": Confidence.LOW.value},
    ),
    ("at-threshold", "Rank exactly at the threshold", {}, {}),
)
GROUPS_MATCH = {slug: match for slug, _, match, _ in GROUPS}
EXAMPLES = 5  # visits named per group; the group's link lists them all


def figure_gaps(
    figures: list[PublishedFigure],
    *,
    visits: QuerySet[Visit] | None = None,
    examples: int = EXAMPLES,
) -> dict[int, FigureGap]:
    """For each figure (by id), its recorded visits (those `stats.figure_q` counts
    among the figure's pair) counted by why a publication may have counted them
    differently: multilateral events, bilateral ceremonies, transits, low confidence, and a
    rank exactly at the figure's threshold (totals only). Each group names its first
    `examples` visits by (start_date, pk). One query of counts, and one per group
    with visits to name (none if `examples` is 0)."""
    if not figures:
        return {}
    base = visits if visits is not None else Visit.objects.published()
    rules = {f.pk: stats.figure_rule(f) for f in figures}
    flags = {f"f{pk}": ExpressionWrapper(q, BooleanField()) for pk, q in rules.items()}
    counts = list(
        base.filter(reduce(or_, rules.values()))
        .order_by()
        .annotate(**flags)
        .values(*flags, *FIELDS)
        .annotate(n=Count("pk"))
    )
    return {f.pk: _gap(f, rules[f.pk], counts, base, examples) for f in figures}


FIELDS = ("kind", "multilateral", "confidence", "level")  # what the groups are told apart by


def _gap(figure: PublishedFigure, rule: Q, counts: list[dict], base, examples: int) -> FigureGap:
    mine = [c for c in counts if c[f"f{figure.pk}"]]
    groups = []
    matches = _matches(figure)
    for slug, label, _, params in GROUPS:
        if slug in matches:
            n = sum(c["n"] for c in mine if _is(c, matches[slug]))
            named = _examples(base.filter(rule, **matches[slug]), examples) if n else []
            groups.append(GapGroup(slug, label, params or _params(figure), n, named))
    grouped = sum(c["n"] for c in mine if any(_is(c, m) for m in matches.values()))
    recorded = sum(c["n"] for c in mine)
    return FigureGap(figure.pk, figure.published, recorded, groups, recorded - grouped)


def _matches(figure: PublishedFigure) -> dict[str, dict]:
    """slug: the field values of each group that applies to the figure."""
    out = {slug: match for slug, match in GROUPS_MATCH.items() if match}
    if figure.metric == PublishedFigure.Metric.TOTAL:  # a leader count has no rank below
        out["at-threshold"] = {"level": figure.min_level}
    return out


def _params(figure: PublishedFigure) -> dict:
    return {"level": Level(figure.min_level).slug}


def _is(row: dict, match: dict) -> bool:
    return all(row[field] == value for field, value in match.items())


def _examples(visits: QuerySet[Visit], n: int) -> list[GapVisit]:
    rows = visits.order_by("start_date", "pk").values(
        "pk", "start_date", "date_precision", "visitor__name"
    )[:n]
    return [
        GapVisit(
            r["pk"], f"{r['visitor__name']} ({format_date(r['start_date'], r['date_precision'])})"
        )
        for r in rows
    ]


def pair_figure_gaps(
    *, pair: tuple[str, str], visits: QuerySet[Visit] | None = None, examples: int = EXAMPLES
) -> dict[int, FigureGap]:
    """`figure_gaps` of every published figure about the pair. One query and
    figure_gaps's."""
    figures = list(
        PublishedFigure.objects.select_related("era").filter(stats.figures_of_pair_q(*pair))
    )
    return figure_gaps(figures, visits=visits, examples=examples)
