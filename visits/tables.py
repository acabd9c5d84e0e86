"""Each chart's data as a table: the same stats rows the figure draws, as headers and
rows, for the HTML table beside the chart and its CSV download."""

from __future__ import annotations

from dataclasses import dataclass

from visits.stats import EraComparison, Timeline


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]


def _arrow(direction: str) -> str:
    return direction.replace("-", " → ")


def era_comparison_table(c: EraComparison) -> Table:
    published = [f"Published total ({p})" for p in _publishers(c, "total")]
    headers = [
        "Era",
        "Leader",
        "From",
        "Until",
        "Years",
        "Total",
        *[_arrow(d) for d in c.directions],
        "Ambiguous",
        *published,
    ]
    rows = []
    for r in c.rows:
        figures = {
            p.publisher: p.value for p in r.published if p.metric == "total" and p.direction is None
        }
        rows.append(
            [
                r.name,
                r.leader,
                r.start_date.isoformat(),
                r.until.isoformat(),
                r.years,
                r.total,
                *[r.directions[d] for d in c.directions],
                r.ambiguous,
                *[figures.get(p, "") for p in _publishers(c, "total")],
            ]
        )
    return Table(headers, rows)


def _publishers(c: EraComparison, metric: str) -> list[str]:
    return sorted({p.publisher for r in c.rows for p in r.published if p.metric == metric})


def rate_table(c: EraComparison) -> Table:
    return Table(
        ["Era", "Years", "Total", "Visits per year"],
        [[r.name, r.years, r.total, r.per_year if r.per_year is not None else ""] for r in c.rows],
    )


def window_table(c: EraComparison) -> Table:
    return Table(
        ["Era", "Years so far", f"Visits in first {c.window} years", "Window complete"],
        [[r.name, r.years, r.in_window, "yes" if r.window_complete else "no"] for r in c.rows],
    )


def leader_visits_table(c: EraComparison) -> Table:
    headers = [
        "Era",
        *[f"Leader visits {_arrow(d)}" for d in c.directions],
        *[f"Published {_arrow(d)}" for d in c.directions],
    ]
    rows = []
    for r in c.rows:
        published = {p.direction: p.value for p in r.published if p.metric == "leader_visits"}
        rows.append(
            [
                r.name,
                *[r.leader_visits[d] for d in c.directions],
                *[published.get(d, "") for d in c.directions],
            ]
        )
    return Table(headers, rows)


def coverage_table(c: EraComparison) -> Table:
    return Table(
        ["Era", "Figure", "Publisher", "As of", "Published", "Recorded", "Coverage"],
        [
            [
                r.name,
                p.metric + (f" {_arrow(p.direction)}" if p.direction else ""),
                p.publisher,
                p.as_of.isoformat(),
                p.value,
                p.recorded,
                f"{p.coverage:.0%}" if p.coverage is not None else "",
            ]
            for r in c.rows
            for p in r.published
        ],
    )


def timeline_table(t: Timeline) -> Table:
    return Table(
        [
            "Year",
            *[_arrow(d) for d in t.directions],
            "Total",
            *[f"Leader visits {_arrow(d)}" for d in t.directions],
        ],
        [
            [
                y.year,
                *[y.directions[d] for d in t.directions],
                y.total,
                *[y.leader_visits[d] for d in t.directions],
            ]
            for y in t.years
        ],
    )
