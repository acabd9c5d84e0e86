"""Plotly figures. Rows from visits.stats in, `plotly.graph_objects.Figure` out; no
database access here. Every figure has a title, axis labels with units, a source
line, and hover text that names the visits behind a bar where they are known."""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from visits import eras as era_rules
from visits.links import visit_url
from visits.models import Level, arrow
from visits.stats import EraComparison, Timeline, VisitMark

COLOURS = ["#c0392b", "#2c6fbb"]  # first direction of the pair, second
PUBLISHED = "#e67e22"  # legible on light and dark backgrounds
MAX_NAMES = 12
SOURCE_WIDTH = 150  # characters per line of the source note, so that it is never clipped
INCOMPLETE = {"shape": "/", "fgcolor": "#777", "solidity": 0.35}  # same in light and dark
CLICK = "<br><i>Click for the list of visits.</i>"
NAMED_MAX = 2000  # hover text names the visits of a chart of at most this many
UNNAMED = f"(visits are named in charts of up to {NAMED_MAX:,})"
# Every figure here is drawn on plotly_white, made the default once: naming the
# template per figure copies and validates it each time (~15 ms a chart).
pio.templates.default = "plotly_white"


def _layout(fig: go.Figure, *, title: str, x: str, y: str, source: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x,
        yaxis_title=y,
        barmode="group",
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 60, "b": 140},
        annotations=[
            {
                "name": "source",
                "text": "<br>".join(textwrap.wrap(source, SOURCE_WIDTH)),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.36,
                "yanchor": "top",
                "align": "left",
                "showarrow": False,
                "font": {"size": 11, "color": "#888"},
                "xanchor": "left",
            }
        ],
    )
    return fig


def source_line(comparison_or_timeline, extra: str = "") -> str:
    as_of = getattr(comparison_or_timeline, "as_of", None)
    when = f" as of {as_of:%d %B %Y}" if as_of else ""
    threshold = _threshold(comparison_or_timeline.min_level)
    line = f"Source: Summitry dataset, published visits{when}; threshold: {threshold}."
    return f"{line} {extra}".strip()


def _threshold(slug: str) -> str:
    return f"{Level.from_slug(slug).label.lower()} or above"


def _names(marks: Sequence[VisitMark] | None) -> str:
    """The first MAX_NAMES visits behind a bar; `marks` None: too many to name."""
    if marks is None:
        return UNNAMED
    names = [m.label for m in marks[:MAX_NAMES]]
    if len(marks) > MAX_NAMES:
        names.append(f"… and {len(marks) - MAX_NAMES} more")
    return "<br>".join(names) or "no visits"


def _marks_by_era(comparison: EraComparison, marks: Sequence[VisitMark] | None) -> dict:
    """(era slug, direction) → its marks; every key → None when `marks` is None."""
    if marks is None:
        return defaultdict(lambda: None)
    by = defaultdict(list)
    for mark in marks:
        era = era_rules.era_for(mark.start_date, comparison.rows)
        if era is not None:
            by[(era.slug, mark.direction)].append(mark)
    return by


def _direction_bars(
    fig,
    comparison: EraComparison,
    direction: str,
    by_era: dict,
    counts: str,
    noun: str,
    links: dict | None = None,
) -> None:
    """One bar per era for `direction`, from the rows' `counts` dict, hover naming
    the visits; bars of one direction share an offset group (published outlines
    drawn in the same group sit on top of them). `links` maps (era slug, direction)
    to the list of those visits, opened by a click."""
    links = links or {}
    fig.add_bar(
        name=arrow(direction),
        x=[r.name for r in comparison.rows],
        y=[getattr(r, counts)[direction] for r in comparison.rows],
        marker_color=COLOURS[comparison.directions.index(direction)],
        hovertext=[_names(by_era[(r.slug, direction)]) for r in comparison.rows],
        customdata=[links.get((r.slug, direction), "") for r in comparison.rows],
        hovertemplate=f"%{{x}}: %{{y}} {noun} {arrow(direction)}<br>%{{hovertext}}"
        + (CLICK if links else "")
        + "<extra></extra>",
        offsetgroup=direction,
    )


def era_comparison_chart(
    comparison: EraComparison, marks: Sequence[VisitMark] | None = (), links: dict | None = None
) -> go.Figure:
    """Visits per era by direction. A published total is drawn beside them only when
    it was counted on the comparison's as-of date at its threshold (like for like);
    the finding chart compares every figure under its own rule."""
    names = [r.name for r in comparison.rows]
    by_era = _marks_by_era(comparison, marks)
    fig = go.Figure()
    for direction in comparison.directions:
        _direction_bars(fig, comparison, direction, by_era, "directions", "visits", links)
    _add_published(fig, comparison, metric="total")
    fig.add_scatter(
        name="Recorded total",
        x=names,
        y=[r.total for r in comparison.rows],
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 28, "color": "#777", "line": {"width": 2}},
        hovertemplate="%{x}: %{y} recorded in all<extra></extra>",
    )
    return _layout(
        fig,
        title="High-level visits per era, by direction",
        x="Era",
        y="Visits (count)",
        source=source_line(comparison, _published_note(comparison)),
    )


def comparable(comparison: EraComparison, p) -> bool:
    """Whether published figure `p` counts what the comparison counts: the same
    as-of date and (for totals) the same threshold."""
    same_rule = p.metric != "total" or p.min_level == comparison.min_level
    return p.as_of == comparison.as_of and same_rule


def _published(comparison: EraComparison, metric: str, direction=None) -> list:
    return [
        (r.name, p)
        for r in comparison.rows
        for p in r.published
        if p.metric == metric and p.direction == direction and comparable(comparison, p)
    ]


def _published_hover(points) -> list[str]:
    return [
        f"{p.publisher}, {p.title} (as of {p.as_of}): {p.value}; "
        f"records under the same rule: {p.recorded}"
        for _, p in points
    ]


def _add_published(fig, comparison: EraComparison, *, metric: str, direction=None):
    """Published totals as diamonds at the middle of each era's group of bars."""
    points = _published(comparison, metric, direction)
    if points:
        fig.add_scatter(
            name=f"Published ({points[0][1].publisher}, {points[0][1].as_of:%-d %b %Y})",
            x=[n for n, _ in points],
            y=[p.value for _, p in points],
            mode="markers",
            marker={"symbol": "diamond-open", "size": 15, "color": PUBLISHED, "line": {"width": 3}},
            hovertext=_published_hover(points),
            hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
        )


def _add_published_outline(fig, comparison: EraComparison, *, metric: str, direction: str):
    """Published counts of one direction as outlined bars over that direction's bars."""
    points = _published(comparison, metric, direction)
    if points:
        fig.add_bar(
            name=f"Published ({points[0][1].publisher}), {arrow(direction)}",
            x=[n for n, _ in points],
            y=[p.value for _, p in points],
            offsetgroup=direction,
            marker={"color": "rgba(0,0,0,0)", "line": {"color": PUBLISHED, "width": 3}},
            hovertext=_published_hover(points),
            hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
        )


def _published_note(comparison: EraComparison) -> str:
    sources = {
        (p.publisher, p.title, p.as_of)
        for r in comparison.rows
        for p in r.published
        if comparable(comparison, p)
    }
    return " ".join(
        f"Published: {pub}, \u201c{title}\u201d ({as_of:%B %Y})."
        for pub, title, as_of in sorted(sources)
    )


def timeline_chart(
    timeline: Timeline,
    eras: Sequence = (),
    marks: Sequence[VisitMark] | None = (),
    links: dict | None = None,
) -> go.Figure:
    """Visits per year by direction, era bands shaded, leader-level visits marked.
    `links` maps (year, direction) to the list of those visits; `marks` None: too
    many visits to name (hover gives counts, one star per year with leader visits)."""
    by_year = defaultdict(lambda: None) if marks is None else defaultdict(list)
    for mark in marks or ():
        by_year[(mark.start_date.year, mark.direction)].append(mark)
    years = [y.year for y in timeline.years]
    links = links or {}
    fig = go.Figure()
    for colour, direction in zip(COLOURS, timeline.directions, strict=True):
        fig.add_bar(
            name=arrow(direction),
            x=years,
            marker_color=colour,
            y=[y.directions[direction] for y in timeline.years],
            hovertext=[_names(by_year[(y, direction)]) for y in years],
            customdata=[links.get((y, direction), "") for y in years],
            hovertemplate=f"%{{x}}: %{{y}} visits {arrow(direction)}<br>%{{hovertext}}"
            + (CLICK if links else "")
            + "<extra></extra>",
        )
    _leader_stars(fig, timeline, marks)
    _layout(
        fig,
        title="High-level visits per year, by direction",
        x="Year",
        y="Visits (count per year)",
        source=source_line(timeline),
    )
    fig.update_layout(barmode="stack")
    _era_bands(fig, eras, years)  # after _layout, which sets the annotations
    return fig


def _leader_stars(fig, timeline: Timeline, marks: Sequence[VisitMark] | None) -> None:
    """A star per leader-level visit over its year's bar; with `marks` None (too many
    to name), one star per year that has any, its hover giving their number."""
    if marks is None:
        years = [y for y in timeline.years if sum(y.leader_visits.values())]
        stars = [
            (y.year, y.total + 0.4, f"{sum(y.leader_visits.values())} leader-level visits")
            for y in years
        ]
    else:
        stars = [
            (m.start_date.year, _stack_height(timeline, m), m.label)
            for m in marks
            if m.level == Level.LEADER
        ]
    if stars:
        fig.add_scatter(
            name="Leader-level visit",
            x=[x for x, _, _ in stars],
            y=[y for _, y, _ in stars],
            mode="markers",
            marker={
                "symbol": "star",
                "size": 11,
                "color": "#f1c40f",
                "line": {"width": 1, "color": "#333"},
            },
            hovertext=[text for _, _, text in stars],
            hovertemplate="%{hovertext}<extra></extra>",
        )


def _era_bands(fig, eras: Sequence, years: list[int]) -> None:
    """A shaded band per era and its name centred over the visible part of the band,
    on alternating rows (era-label annotations; charts.js stands them upright on a
    phone, where the rows would still collide)."""
    first, last = min(years, default=0) - 0.5, max(years, default=0) + 0.5
    for i, era in enumerate(eras):
        start = _fractional_year(era.start_date) - 0.5
        end = _fractional_year(era.end_date) - 0.5 if era.end_date else last
        if end <= start:  # an ongoing era that begins after the last year shown
            continue
        fig.add_vrect(
            x0=start, x1=end, fillcolor="#888" if i % 2 else "#bbb", opacity=0.12, line_width=0
        )
        middle = (max(start, first) + min(end, last)) / 2
        fig.add_annotation(
            name="era-label",
            text=era.name,
            x=middle,
            xref="x",
            y=1,
            yref="paper",
            yanchor="bottom",
            yshift=-14 * (i % 2) - 16,
            showarrow=False,
            font={"size": 10},
        )


def _fractional_year(day) -> float:
    return day.year + (day.timetuple().tm_yday - 1) / 366


def _stack_height(timeline: Timeline, mark: VisitMark) -> float:
    year = next(y for y in timeline.years if y.year == mark.start_date.year)
    return year.total + 0.4


def rate_chart(comparison: EraComparison) -> go.Figure:
    """Visits per year in office, per era (eras differ in length)."""
    rows = comparison.rows
    fig = go.Figure(
        go.Bar(
            name="Visits per year",
            x=[r.name for r in rows],
            y=[r.per_year or 0 for r in rows],
            marker_color="#5d6d7e",
            hovertext=[f"{r.total} visits in {r.years:.1f} years" for r in rows],
            hovertemplate="%{x}: %{y:.2f} visits per year<br>%{hovertext}<extra></extra>",
        )
    )
    return _layout(
        fig,
        title="Visits per year in office",
        x="Era",
        y="Visits per year (count / years)",
        source=source_line(comparison),
    )


def window_chart(comparison: EraComparison) -> go.Figure:
    """Visits within the first N years of each era (an equal window). Eras that have
    not lasted N years are hatched (the same mark in light and dark)."""
    rows = comparison.rows
    n = comparison.window
    fig = go.Figure(
        go.Bar(
            name=f"First {n} years",
            x=[r.name for r in rows],
            y=[r.in_window or 0 for r in rows],
            marker={
                "color": "#1e8449",
                "line": {"color": "#1e8449", "width": 2},
                "pattern": {
                    **INCOMPLETE,
                    "shape": ["" if r.window_complete else "/" for r in rows],
                },
            },
            hovertext=[
                "complete window" if r.window_complete else f"era lasted {r.years:.1f} years"
                for r in rows
            ],
            hovertemplate="%{x}: %{y} visits<br>%{hovertext}<extra></extra>",
        )
    )
    note = f"Window: {n} years. Hatched: the era lasted less."
    return _layout(
        fig,
        title=f"Visits in the first {n} years of each era",
        x="Era",
        y=f"Visits in first {n} years (count)",
        source=source_line(comparison, note),
    )


def leader_visits_chart(
    comparison: EraComparison, marks: Sequence[VisitMark] | None = (), links: dict | None = None
) -> go.Figure:
    """Leader-level visits (summits) per era by direction, beside the ones published
    on the comparison's as-of date."""
    leaders = None if marks is None else [m for m in marks if m.level == Level.LEADER]
    by_era = _marks_by_era(comparison, leaders)
    fig = go.Figure()
    for direction in comparison.directions:
        _direction_bars(fig, comparison, direction, by_era, "leader_visits", "leader visits", links)
        _add_published_outline(fig, comparison, metric="leader_visits", direction=direction)
    return _layout(
        fig,
        title="Leader-level visits per era, by direction",
        x="Era",
        y="Leader-level visits (count)",
        source=source_line(comparison, _published_note(comparison)),
    )


def person_timeline_chart(name: str, visits: Sequence, hosted: Sequence) -> go.Figure:
    """A person's visits abroad and the visits they hosted, one marker each."""
    fig = go.Figure()
    for label, rows, colour in (
        ("Visits made", visits, COLOURS[0]),
        ("Visits hosted", hosted, COLOURS[1]),
    ):
        fig.add_scatter(
            name=label,
            mode="markers",
            marker={"size": 12, "color": colour},
            x=[v.start_date.isoformat() for v in rows],
            y=[label] * len(rows),
            hovertext=[f"{v.visitor.name}: {arrow(v.direction)}, {v.date_label}" for v in rows],
            customdata=[visit_url(v.pk) for v in rows],
            hovertemplate="%{hovertext}<br><i>Click for the visit.</i><extra></extra>",
        )
    _layout(
        fig,
        title=f"Visits of {name}",
        x="Date",
        y="",
        source="Source: Summitry dataset, published visits.",
    )
    # The plot's box is as tall as any chart's; the legend sits above the markers so
    # that the source note below has the space to itself.
    fig.update_layout(
        height=420,
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        margin={"t": 90, "b": 110},
    )
    return fig


def finding_chart(finding, links: dict | None = None) -> go.Figure:
    """Per year in office, what a publication counted beside what the records give
    under its rule, for each era it gave a total for (`visits.findings.Finding`).
    `links` maps a figure id to the list of the visits it is compared with."""
    rows = finding.totals[::-1]
    links = links or {}
    when = f"{finding.as_of:%-d %B %Y}"
    fig = go.Figure()
    for name, value, rate, colour in (
        (f"Published by {finding.publisher}", "value", "published_per_year", PUBLISHED),
        ("Recorded here, same rule", "recorded", "recorded_per_year", COLOURS[1]),
    ):
        fig.add_bar(
            name=name,
            x=[r.era for r in rows],
            y=[getattr(r, rate) or 0 for r in rows],
            marker_color=colour,
            text=[getattr(r.figure, value) for r in rows],
            texttemplate="%{text} visits",
            textposition="outside",
            hovertext=[f"{getattr(r.figure, value)} visits in {r.years:.1f} years" for r in rows],
            customdata=[links.get(r.figure.figure_id, "") for r in rows],
            hovertemplate="%{x}: %{y:.2f} per year<br>%{hovertext}"
            + (CLICK if links else "")
            + "<extra></extra>",
        )
    return _layout(
        fig,
        title=f"Visits per year in office, as {finding.publisher} counted on {when}",
        x="Era",
        y="Visits per year in office (count / years)",
        source=f"Source: Summitry dataset, published visits to {when}, threshold: "
        f"{_threshold(finding.min_level)}; {finding.publisher}, \u201c{finding.title}\u201d.",
    )


def era_levels_chart(table_rows: Sequence, directions: Sequence[str], era: str) -> go.Figure:
    """An era's visits by the visitor's rank, one bar per direction; `table_rows` are
    (level label, {direction: count}) pairs, highest rank first."""
    fig = go.Figure()
    for i, direction in enumerate(directions):
        fig.add_bar(
            name=arrow(direction),
            x=[label for label, _ in table_rows],
            y=[counts.get(direction, 0) for _, counts in table_rows],
            marker_color=COLOURS[i % 2],
            hovertemplate=f"%{{x}}: %{{y}} visits {arrow(direction)}<extra></extra>",
        )
    return _layout(
        fig,
        title=f"Visits during the era of {era}, by rank",
        x="Visitor's rank",
        y="Visits (count)",
        source="Source: Summitry dataset, published visits.",
    )
