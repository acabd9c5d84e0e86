"""The one chart registry: each chart declared once, with its slug, title, caption,
figure builder and table builder. The pages, the chart CSV downloads and the API's
chart endpoint all look charts up here.

A chart draws from the data of its scope: a comparison (`ComparisonData`: a pair,
an era scheme, a threshold, an as-of date), a person or an era. The data computes
each set of stats on first use, so a CSV download runs only what its table needs.
Wording that depends on the pair or the publication comes from the data
(published figures, scheme names), never from here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from visits import charts, findings, stats, tables, timeline_summary
from visits.models import Level, Visit


class ComparisonData:
    """The stats behind the comparison charts. `visits` is the base queryset (default:
    published visits); `filters` are the query parameters that narrowed it, kept in
    every link to the visits behind a bar."""

    def __init__(
        self, *, pair, scheme, min_level, as_of=None, window=None, visits=None, filters=None
    ):
        self.pair = tuple(pair)
        self.scheme = scheme
        self.min_level = min_level
        self.as_of = as_of or dt.date.today()
        self.explicit_window = window
        self.visits: QuerySet[Visit] = visits if visits is not None else Visit.objects.published()
        self.filters = dict(filters or {})

    @cached_property
    def window(self) -> stats.Window:
        if self.explicit_window:
            return stats.Window(self.explicit_window, "")
        return stats.default_window(scheme=self.scheme, as_of=self.as_of, pair=self.pair)

    @property
    def counted_visits(self) -> QuerySet[Visit] | None:
        """The base queryset to count live, or None (published visits, not narrowed):
        then the era summary gives the same counts without a scan of the pair."""
        return self.visits if self.filters else None

    @property
    def common(self) -> dict:
        return {
            "pair": self.pair,
            "min_level": self.min_level,
            "as_of": self.as_of,
            "visits": self.counted_visits,
        }

    @cached_property
    def comparison(self) -> stats.EraComparison:
        return stats.era_comparison(**self.common, scheme=self.scheme, window=self.window.years)

    @cached_property
    def timeline(self) -> stats.Timeline:
        if self.counted_visits is None:
            return timeline_summary.timeline(
                pair=self.pair, scheme=self.scheme, min_level=self.min_level, as_of=self.as_of
            )
        return stats.timeline(**self.common)

    @property
    def counted(self) -> int:
        """The visits the timeline counts (the pair's, at the threshold, by as-of)."""
        return sum(y.total for y in self.timeline.years)

    @cached_property
    def marks(self) -> list[stats.VisitMark] | None:
        """Every counted visit, to name in hover text; None above charts.NAMED_MAX
        (the charts then give counts, and their captions say so)."""
        if self.counted > charts.NAMED_MAX:
            return None
        return stats.visit_marks(**self.common)

    @cached_property
    def finding(self) -> findings.Finding | None:
        """The latest publication's totals under this era scheme, like for like (None
        without one)."""
        found = findings.like_for_like(
            pair=self.pair, scheme=self.scheme, visits=self.counted_visits
        )
        found = [f for f in found if f.totals]
        return found[-1] if found else None

    @cached_property
    def gaps(self) -> dict[int, findings.FigureGap]:
        """Counts only: the charts' tables link each group to its visits."""
        return findings.pair_figure_gaps(pair=self.pair, visits=self.visits, examples=0)

    def visits_url(self, **params) -> str:
        return f"{reverse('visit-list')}?{urlencode({**self.filters, **params})}"

    def figure_url(self, figure_id: int) -> str:
        return self.visits_url(figure=figure_id)

    def era_links(self) -> dict:
        base = {"pair": ",".join(self.pair), "min_level": Level(self.min_level).slug}
        base |= {"scheme": self.scheme, "date_to": self.as_of.isoformat()}
        return {
            (row.slug, d): self.visits_url(**base, era=row.slug, **_direction(d))
            for row in self.comparison.rows
            for d in self.comparison.directions
        }

    def year_links(self) -> dict:
        base = {"pair": ",".join(self.pair), "min_level": Level(self.min_level).slug}
        return {
            (y.year, d): self.visits_url(
                **base,
                date_from=y.year,
                date_to=min(str(y.year), self.as_of.isoformat()),
                **_direction(d),
            )
            for y in self.timeline.years
            for d in self.timeline.directions
        }


def _direction(direction: str) -> dict:
    visitor, host = direction.split("-")
    return {"visitor_country": visitor, "host_country": host}


@dataclass(frozen=True)
class ChartSpec:
    slug: str
    title: str | Callable
    caption: str | Callable
    figure: Callable
    table: Callable
    scope: str = "comparison"
    shown: Callable = lambda data: True  # noqa: E731

    def text(self, value, data) -> str:
        return value(data) if callable(value) else value


def _finding_caption(d: ComparisonData) -> str:
    f = d.finding
    return (
        f"For each era {f.publisher} gave a total for: the number it published on "
        f"{f.as_of:%-d %B %Y} beside the visits recorded here under its rule (its era, "
        f"threshold and date), each divided by the years the era had lasted by then. "
        "Click a bar, or a number in the table, for the visits behind it."
    )


def _era_caption(d: ComparisonData) -> str:
    text = f"Visits per era up to {d.as_of:%-d %B %Y}, by direction; grey dashes: the total."
    shown = {
        p.publisher
        for r in d.comparison.rows
        for p in r.published
        if charts.comparable(d.comparison, p)
    }
    hidden = {
        (p.publisher, p.as_of)
        for r in d.comparison.rows
        for p in r.published
        if p.publisher not in shown
    }
    if shown:
        text += f" Diamonds: the totals {' and '.join(sorted(shown))} published for this date."
    for publisher, as_of in sorted(hidden):
        text += (
            f" {publisher}'s totals, counted to {as_of:%-d %B %Y}, are not drawn here: "
            "they are compared like for like, with the records to that date, above."
        )
    return text + " Click a bar for its visits." + _unnamed_note(d)


def _unnamed_note(d: ComparisonData) -> str:
    if d.marks is not None:
        return ""
    return (
        f" With {d.counted:,} visits, more than the {charts.NAMED_MAX:,} a chart names, "
        "hovering a bar gives its count; its list names them."
    )


def _timeline_caption(d: ComparisonData) -> str:
    if d.marks is None:
        return (
            "Visits per calendar year by direction; shaded bands are the eras, a star marks "
            "a year with leader-level visits (hover it for their number). Click a bar for "
            "its visits." + _unnamed_note(d)
        )
    return (
        "Visits per calendar year by direction; shaded bands are the eras, stars mark "
        "leader-level visits. Hover a bar for the visits behind it; click it for their list."
    )


def _window_caption(d: ComparisonData) -> str:
    n, why = d.comparison.window, d.window.reason
    reason = f" ({why})" if why else " (chosen in the form)"
    return (
        f"Visits within the first {n} years of each era{reason}, an equal window for eras "
        f"of different lengths. Hatched bars: eras that lasted less than {n} years."
    )


def _leader_caption(d: ComparisonData) -> str:
    text = "Visits by a supreme or paramount leader, by direction: the summits."
    text += _unnamed_note(d)
    published = {
        p.publisher for r in d.comparison.rows for p in r.published if p.metric == "leader_visits"
    }
    if published:
        text += (
            f" {' and '.join(sorted(published))}'s leader-visit counts stand in the table beside "
            "the records under their own rule; outlines mark them when counted to this date."
        )
    return text


COMPARISON_CHARTS = (
    ChartSpec(
        slug="finding",
        title=lambda d: f"As {d.finding.publisher} counted, like for like",
        caption=_finding_caption,
        figure=lambda d: charts.finding_chart(
            d.finding,
            {r.figure.figure_id: d.figure_url(r.figure.figure_id) for r in d.finding.rows},
        ),
        table=lambda d: tables.finding_table(d.finding, d.gaps, d.figure_url),
        shown=lambda d: d.finding is not None,
    ),
    ChartSpec(
        slug="era-comparison",
        title="Visits per era",
        caption=_era_caption,
        figure=lambda d: charts.era_comparison_chart(d.comparison, d.marks, d.era_links()),
        table=lambda d: tables.era_comparison_table(d.comparison, d.figure_url),
    ),
    ChartSpec(
        slug="timeline",
        title="Visits per year",
        caption=_timeline_caption,
        figure=lambda d: charts.timeline_chart(
            d.timeline, d.comparison.rows, d.marks, d.year_links()
        ),
        table=lambda d: tables.timeline_table(d.timeline),
    ),
    ChartSpec(
        slug="rate",
        title="Visits per year in office",
        caption=lambda d: (
            f"Visits divided by the years each era lasted up to "
            f"{d.as_of:%-d %B %Y}, since eras differ in length."
        ),
        figure=lambda d: charts.rate_chart(d.comparison),
        table=lambda d: tables.rate_table(d.comparison),
    ),
    ChartSpec(
        slug="window",
        title="Equal window",
        caption=_window_caption,
        figure=lambda d: charts.window_chart(d.comparison),
        table=lambda d: tables.window_table(d.comparison),
    ),
    ChartSpec(
        slug="leader-visits",
        title="Leader-level visits",
        caption=_leader_caption,
        figure=lambda d: charts.leader_visits_chart(d.comparison, d.marks, d.era_links()),
        table=lambda d: tables.leader_visits_table(d.comparison, d.figure_url),
    ),
)


class PersonData:
    """A person's published visits, made and hosted."""

    def __init__(self, person, visits, hosted):
        self.person, self.visits, self.hosted = person, visits, hosted


class EraData:
    """An era's published visits, by rank and direction."""

    def __init__(self, era, visits: QuerySet[Visit]):
        self.era = era
        self.directions, self.levels = stats.level_counts(visits)


PERSON_CHART = ChartSpec(
    slug="person-timeline",
    title=lambda d: f"Visits of {d.person.name}",
    caption="Each marker is one visit, made abroad or hosted at home; click one for its record.",
    figure=lambda d: charts.person_timeline_chart(d.person.name, d.visits, d.hosted),
    table=lambda d: tables.person_table(d.visits, d.hosted),
    scope="person",
)
ERA_CHART = ChartSpec(
    slug="era-levels",
    title=lambda d: f"Visits during the era of {d.era.name}",
    caption="Published visits that started in this era, by the visitor's rank and by direction.",
    figure=lambda d: charts.era_levels_chart(
        [(r.level.label, r.directions) for r in d.levels], d.directions, d.era.name
    ),
    table=lambda d: tables.level_table(d.directions, d.levels),
    scope="era",
)

CHARTS = (*COMPARISON_CHARTS, PERSON_CHART, ERA_CHART)
REGISTRY = {spec.slug: spec for spec in CHARTS}


def api_charts() -> list[str]:
    """The charts the API serves: those of a comparison."""
    return [spec.slug for spec in CHARTS if spec.scope == "comparison"]


def shown(scope: str, data) -> list[ChartSpec]:
    return [spec for spec in CHARTS if spec.scope == scope and spec.shown(data)]


@dataclass(frozen=True)
class BuiltChart:
    slug: str
    title: str
    caption: str
    source: str
    figure: dict  # Plotly figure JSON, as the API's charts endpoint returns it
    table: tables.Table
    csv_url: str
    permalink: str


def build(spec: ChartSpec, data, *, csv_url: str, permalink: str) -> BuiltChart:
    figure = spec.figure(data)
    sources = [a.text for a in figure.layout.annotations if a.name == "source"]
    return BuiltChart(
        slug=spec.slug,
        title=spec.text(spec.title, data),
        caption=spec.text(spec.caption, data),
        source=sources[0].replace("<br>", " ") if sources else "",
        figure=json.loads(figure.to_json()),
        table=spec.table(data),
        csv_url=csv_url,
        permalink=permalink,
    )
