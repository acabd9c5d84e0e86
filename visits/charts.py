"""Plotly figures. Rows from visits.stats in, `plotly.graph_objects.Figure` out; no
database access here. Every figure has a title, axis labels with units, a source
line, and hover text that names the visits behind a bar where they are known."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import plotly.graph_objects as go

from visits import eras as era_rules
from visits.models import Level
from visits.stats import EraComparison, Timeline, VisitMark

COLOURS = ["#c0392b", "#2c6fbb"]  # first direction of the pair, second
PUBLISHED = "#e67e22"  # legible on light and dark backgrounds
MAX_NAMES = 12
CHARTS = ["era-comparison", "timeline", "rate", "window", "leader-visits", "coverage"]


def _layout(fig: go.Figure, *, title: str, x: str, y: str, source: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        xaxis_title=x,
        yaxis_title=y,
        barmode="group",
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 60, "b": 120},
        template="plotly_white",
        annotations=[
            {
                "text": source,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.42,
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


def _names(marks: Sequence[VisitMark]) -> str:
    names = [m.label for m in marks[:MAX_NAMES]]
    if len(marks) > MAX_NAMES:
        names.append(f"… and {len(marks) - MAX_NAMES} more")
    return "<br>".join(names) or "no visits"


def _marks_by_era(comparison: EraComparison, marks: Sequence[VisitMark]) -> dict:
    by = defaultdict(list)
    for mark in marks:
        era = era_rules.era_for(mark.start_date, comparison.rows)
        if era is not None:
            by[(era.slug, mark.direction)].append(mark)
    return by


def _direction_bars(
    fig, comparison: EraComparison, direction: str, by_era: dict, counts: str, noun: str
) -> None:
    """One bar per era for `direction`, from the rows' `counts` dict, hover naming
    the visits; bars of one direction share an offset group (published outlines
    drawn in the same group sit on top of them)."""
    fig.add_bar(
        name=direction.replace("-", " → "),
        x=[r.name for r in comparison.rows],
        y=[getattr(r, counts)[direction] for r in comparison.rows],
        marker_color=COLOURS[comparison.directions.index(direction)],
        hovertext=[_names(by_era[(r.slug, direction)]) for r in comparison.rows],
        hovertemplate=f"%{{x}}: %{{y}} {noun} {direction}<br>%{{hovertext}}<extra></extra>",
        offsetgroup=direction,
    )


def era_comparison_chart(comparison: EraComparison, marks: Sequence[VisitMark] = ()) -> go.Figure:
    """Visits per era by direction, with published totals drawn as markers."""
    names = [r.name for r in comparison.rows]
    by_era = _marks_by_era(comparison, marks)
    fig = go.Figure()
    for direction in comparison.directions:
        _direction_bars(fig, comparison, direction, by_era, "directions", "visits")
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


def _published(comparison: EraComparison, metric: str, direction=None) -> list:
    return [
        (r.name, p)
        for r in comparison.rows
        for p in r.published
        if p.metric == metric and p.direction == direction
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
            name=f"Published ({points[0][1].publisher})",
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
            name=f"Published ({points[0][1].publisher}), {direction.replace('-', ' → ')}",
            x=[n for n, _ in points],
            y=[p.value for _, p in points],
            offsetgroup=direction,
            marker={"color": "rgba(0,0,0,0)", "line": {"color": PUBLISHED, "width": 3}},
            hovertext=_published_hover(points),
            hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
        )


def _published_note(comparison: EraComparison) -> str:
    sources = {(p.publisher, p.title, p.as_of) for r in comparison.rows for p in r.published}
    return " ".join(
        f"Published: {pub}, \u201c{title}\u201d ({as_of:%B %Y})."
        for pub, title, as_of in sorted(sources)
    )


def timeline_chart(
    timeline: Timeline, eras: Sequence = (), marks: Sequence[VisitMark] = ()
) -> go.Figure:
    """Visits per year by direction, era bands shaded, leader-level visits marked."""
    by_year = defaultdict(list)
    for mark in marks:
        by_year[(mark.start_date.year, mark.direction)].append(mark)
    years = [y.year for y in timeline.years]
    fig = go.Figure()
    for colour, direction in zip(COLOURS, timeline.directions, strict=True):
        fig.add_bar(
            name=direction.replace("-", " → "),
            x=years,
            marker_color=colour,
            y=[y.directions[direction] for y in timeline.years],
            hovertext=[_names(by_year[(y, direction)]) for y in years],
            hovertemplate="%{x}: %{y} visits " + direction + "<br>%{hovertext}<extra></extra>",
        )
    leaders = [m for m in marks if m.level == Level.LEADER]
    if leaders:
        fig.add_scatter(
            name="Leader-level visit",
            x=[m.start_date.year for m in leaders],
            y=[_stack_height(timeline, m) for m in leaders],
            mode="markers",
            marker={
                "symbol": "star",
                "size": 11,
                "color": "#f1c40f",
                "line": {"width": 1, "color": "#333"},
            },
            hovertext=[m.label for m in leaders],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    _layout(
        fig,
        title="High-level visits per year, by direction",
        x="Year",
        y="Visits (count per year)",
        source=source_line(timeline),
    )
    fig.update_layout(barmode="stack")
    for i, era in enumerate(eras):  # after _layout, which sets the annotations
        start = _fractional_year(era.start_date)
        end = _fractional_year(era.end_date) if era.end_date else max(years, default=0) + 1
        if end <= start:  # an ongoing era that begins after the last year shown
            continue
        fig.add_vrect(
            x0=start - 0.5,
            x1=end - 0.5,
            fillcolor="#888" if i % 2 else "#bbb",
            opacity=0.12,
            line_width=0,
            annotation_text=era.name,
            annotation_position="top left",
            annotation_font_size=10,
            annotation_yshift=-14 * (i % 2),
        )  # short eras' labels do not collide
    return fig


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
    """Visits within the first N years of each era (an equal window)."""
    rows = comparison.rows
    n = comparison.window
    fig = go.Figure(
        go.Bar(
            name=f"First {n} years",
            x=[r.name for r in rows],
            y=[r.in_window or 0 for r in rows],
            marker_color=["#1e8449" if r.window_complete else "#a9dfbf" for r in rows],
            hovertext=[
                (
                    "complete window"
                    if r.window_complete
                    else f"era shorter than {n} years so far ({r.years:.1f})"
                )
                for r in rows
            ],
            hovertemplate="%{x}: %{y} visits<br>%{hovertext}<extra></extra>",
        )
    )
    return _layout(
        fig,
        title=f"Visits in the first {n} years of each era",
        x="Era",
        y=f"Visits in first {n} years (count)",
        source=source_line(comparison, "Pale bars: the era has not lasted the full window."),
    )


def leader_visits_chart(comparison: EraComparison, marks: Sequence[VisitMark] = ()) -> go.Figure:
    """Leader-level visits (summits) per era by direction, beside published ones."""
    by_era = _marks_by_era(comparison, [m for m in marks if m.level == Level.LEADER])
    fig = go.Figure()
    for direction in comparison.directions:
        _direction_bars(fig, comparison, direction, by_era, "leader_visits", "leader visits")
        _add_published_outline(fig, comparison, metric="leader_visits", direction=direction)
    return _layout(
        fig,
        title="Leader-level visits per era, by direction",
        x="Era",
        y="Leader-level visits (count)",
        source=source_line(comparison, _published_note(comparison)),
    )


def coverage_chart(comparison: EraComparison) -> go.Figure:
    """Recorded counts against every published figure, under the figure's own rule."""
    figures = [(r.name, p) for r in comparison.rows for p in r.published]
    labels = [f"{name}: {_metric(p)}" for name, p in figures]
    fig = go.Figure()
    fig.add_bar(
        name="Published",
        x=labels,
        y=[p.value for _, p in figures],
        marker_color="#bbb",
        hovertemplate="%{x}: %{y} published<extra></extra>",
    )
    fig.add_bar(
        name="Recorded here",
        x=labels,
        y=[p.recorded for _, p in figures],
        marker_color="#2c6fbb",
        hovertext=[
            f"coverage {p.coverage:.0%}" if p.coverage is not None else "" for _, p in figures
        ],
        hovertemplate="%{x}: %{y} recorded<br>%{hovertext}<extra></extra>",
    )
    return _layout(
        fig,
        title="Recorded visits against published figures",
        x="Era and published figure",
        y="Visits (count)",
        source=source_line(comparison, _published_note(comparison)),
    )


def _metric(p) -> str:
    if p.metric == "total":
        return "all visits"
    return f"leader visits {p.direction or ''}".strip()


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
            hovertext=[f"{v.visitor.name}: {v.direction}, {v.date_label}" for v in rows],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    _layout(
        fig,
        title=f"Visits of {name}",
        x="Date",
        y="",
        source="Source: Summitry dataset, published visits.",
    )
    fig.update_layout(height=260, margin={"b": 90})
    return fig
