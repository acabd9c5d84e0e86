"""Each chart's data as a table: the same stats rows the figure draws, as headers and
rows, for the HTML table beside the chart and its CSV download."""

from __future__ import annotations

from dataclasses import dataclass

from visits.links import visit_url
from visits.models import arrow as _arrow
from visits.stats import EraComparison, PublishedCount, Timeline


@dataclass(frozen=True)
class Link:
    """A cell that links to the visits behind it on a page; its text in a CSV."""

    text: object
    href: str

    def __str__(self) -> str:
        return str(self.text)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]


def era_comparison_table(c: EraComparison, figure_url=None) -> Table:
    """Era totals to the comparison's as-of date; each published total appears only
    beside the records counted under its own rule (its as-of date and threshold),
    in a pair of columns named with that date. `figure_url(id)` links the recorded
    count to its visits."""
    sources = _sources(c)
    headers = [
        "Era",
        "Leader",
        "From",
        "Until",
        "Years",
        f"Total to {c.as_of.isoformat()}",
        *[_arrow(d) for d in c.directions],
        "Ambiguous",
    ]
    for publisher, as_of in sources:
        headers += [f"Published by {publisher} ({as_of})", f"Recorded under its rule ({as_of})"]
    rows = []
    for r in c.rows:
        row = [r.name, r.leader, r.start_date.isoformat(), r.until.isoformat(), r.years, r.total]
        row += [*[r.directions[d] for d in c.directions], r.ambiguous]
        for source in sources:
            p = next((p for p in _totals(r) if (p.publisher, p.as_of.isoformat()) == source), None)
            row += [p.value, _recorded(p, figure_url)] if p else ["", ""]
        rows.append(row)
    return Table(headers, rows)


def _totals(row) -> list[PublishedCount]:
    return [p for p in row.published if p.metric == "total" and p.direction is None]


def _sources(c: EraComparison) -> list[tuple[str, str]]:
    return sorted({(p.publisher, p.as_of.isoformat()) for r in c.rows for p in _totals(r)})


def _recorded(p: PublishedCount, figure_url) -> object:
    return Link(p.recorded, figure_url(p.figure_id)) if figure_url else p.recorded


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


def leader_visits_table(c: EraComparison, figure_url=None) -> Table:
    """Leader-level visits to the as-of date by direction; published leader-visit
    counts beside the records under their own rule, as in era_comparison_table."""
    sources = sorted(
        {(p.publisher, p.as_of.isoformat(), p.direction) for r in c.rows for p in _leaders(r)}
    )
    headers = ["Era", *[f"Leader visits {_arrow(d)}" for d in c.directions]]
    for publisher, as_of, d in sources:
        headers += [f"Published {_arrow(d)} ({publisher}, {as_of})", "Recorded under its rule"]
    rows = []
    for r in c.rows:
        row = [r.name, *[r.leader_visits[d] for d in c.directions]]
        for source in sources:
            p = next(
                (
                    p
                    for p in _leaders(r)
                    if (p.publisher, p.as_of.isoformat(), p.direction) == source
                ),
                None,
            )
            row += [p.value, _recorded(p, figure_url)] if p else ["", ""]
        rows.append(row)
    return Table(headers, rows)


def _leaders(row) -> list[PublishedCount]:
    return [p for p in row.published if p.metric == "leader_visits" and p.direction]


GAP_HEADERS = {
    "event": "Multilateral events",
    "transit": "Transits",
    "low-confidence": "Low confidence",
    "at-threshold": "At the threshold",
}


def finding_table(finding, gaps: dict, figure_url=None) -> Table:
    """Every figure of a finding beside its own-rule count and rates, with the counted
    visits grouped by why a publication may have counted differently (groups
    overlap; "Other" is in none)."""
    headers = [
        "Era",
        "Figure",
        "Years to " + finding.as_of.isoformat(),
        "Published",
        "Recorded here",
    ]
    headers += ["Published per year", "Recorded per year", *GAP_HEADERS.values(), "Other"]
    rows = []
    for r in finding.rows:
        gap = gaps.get(r.figure.figure_id)
        groups = {g.slug: g for g in gap.groups} if gap else {}
        row = [r.era, r.label, r.years, r.figure.value]
        row += [_recorded(r.figure, figure_url), r.published_per_year, r.recorded_per_year]
        row += [_group_cell(groups.get(slug), r.figure, figure_url) for slug in GAP_HEADERS]
        rows.append([*row, gap.other if gap else ""])
    return Table(headers, rows)


def _group_cell(group, p: PublishedCount, figure_url) -> object:
    if group is None:
        return ""
    if not figure_url or not group.count:
        return group.count
    query = "".join(f"&{k}={v}" for k, v in group.params.items())
    return Link(group.count, figure_url(p.figure_id) + query)


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


def person_table(visits, hosted) -> Table:
    """A person's visits, made then hosted, oldest first within each."""
    rows = [
        [Link(v.date_label, visit_url(v.pk)), role, v.visitor.name, _arrow(v.direction)]
        for role, group in (("made", visits), ("hosted", hosted))
        for v in group
    ]
    return Table(["Date", "Visit", "Visitor", "Direction"], rows)


def level_table(directions: list[str], levels) -> Table:
    return Table(
        ["Visitor's rank", *[_arrow(d) for d in directions], "Total"],
        [
            [
                r.level.label,
                *[r.directions.get(d, 0) for d in directions],
                sum(r.directions.values()),
            ]
            for r in levels
        ],
    )
