"""The one-sided comparison's chart (visits.abroad): the same Plotly figure JSON on
/abroad/ and from /api/v1/charts/abroad-rate/."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from visits import abroad
from visits.charts import PUBLISHED, _layout
from visits.models import arrow


def shown(comparison: abroad.SideComparison) -> list[abroad.SideEra]:
    """The eras with a visit of the side (an era before any record is left out)."""
    return [row for row in comparison.rows if row.total or row.leader_trips]


def rate_chart(comparison: abroad.SideComparison) -> dict:
    """The era's leader's own visits per year in office (bars) and all visits at the
    threshold per year (a second bar), with each published rate as a diamond at the
    records' era, hover naming its rule and the records' rate under it."""
    rows = shown(comparison)
    names = [r.name for r in rows]
    fig = go.Figure()
    fig.add_bar(
        name="The era's leader's own visits per year",
        x=names,
        y=[r.leader_per_year or 0 for r in rows],
        marker_color="#2c6fbb",
        hovertext=[f"{r.leader_trips} visits in {r.years:.1f} years" for r in rows],
        hovertemplate="%{x}: %{y:.2f} a year<br>%{hovertext}<extra></extra>",
    )
    fig.add_bar(
        name=f"All recorded visits at or above {comparison.threshold}, per year",
        x=names,
        y=[r.per_year or 0 for r in rows],
        marker_color="#5d6d7e",
        hovertext=[f"{r.total} visits in {r.years:.1f} years" for r in rows],
        hovertemplate="%{x}: %{y:.2f} a year<br>%{hovertext}<extra></extra>",
    )
    rates = [(r.name, p) for r in rows for p in r.published if p.per_year]
    if rates:
        fig.add_scatter(
            name="Published rate (its own rule)",
            x=[name for name, _ in rates],
            y=[p.value for _, p in rates],
            mode="markers",
            marker={"symbol": "diamond", "size": 13, "color": PUBLISHED},
            hovertext=[
                f"{p.publisher}: {p.value} a year, {p.span[0]:%Y}–{p.span[1]:%Y}; "
                f"recorded here under the same rule: {p.recorded}"
                for _, p in rates
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
        fig.add_scatter(
            name="Recorded here under the same rule",
            x=[name for name, _ in rates],
            y=[p.recorded for _, p in rates],
            mode="markers",
            marker={"symbol": "circle-open", "size": 13, "line": {"width": 3}, "color": "#1b2631"},
            hovertext=[
                f"Recorded here, {p.first_day:%-d %b %Y}–{p.last_day:%-d %b %Y}: "
                f"{p.visits} visits, {p.recorded} a year (published: {p.value})"
                for _, p in rates
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    source = (
        f"Source: Summitry dataset, published visits {arrow(comparison.direction)} as of "
        f"{comparison.as_of:%d %B %Y}; eras of “{comparison.scheme_name}”. Per year = "
        "visits ÷ years in office (to the as-of date for an ongoing era)."
    )
    _layout(
        fig, title="Visits abroad per year in office", x="Era", y="Visits a year", source=source
    )
    return json.loads(fig.to_json())
