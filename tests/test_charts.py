"""Figures from plain rows: no database needed."""

import dataclasses
import datetime as dt

import pytest

from visits import charts, tables
from visits.findings import Finding, FindingRow
from visits.pages import headline
from visits.stats import EraComparison, EraRow, PublishedCount, Timeline, VisitMark, YearRow

D = dt.date


def comparison():
    published = PublishedCount(
        publisher="CSIS",
        title="T",
        url="https://x.org",
        as_of=D(2018, 3, 28),
        metric="total",
        direction=None,
        min_level="minister",
        value=54,
        recorded=50,
        figure_id=3,
    )
    rows = [
        EraRow(
            slug="hu",
            name="Hu Jintao",
            leader="Hu Jintao",
            start_date=D(2002, 11, 15),
            end_date=D(2012, 11, 15),
            until=D(2012, 11, 15),
            years=10.0,
            total=50,
            directions={"CHN-PRK": 30, "PRK-CHN": 20},
            leader_visits={"CHN-PRK": 1, "PRK-CHN": 6},
            in_window=30,
            window_complete=True,
            ambiguous=1,
            published=[published],
        ),
        EraRow(
            slug="xi",
            name="Xi Jinping",
            leader="Xi Jinping",
            start_date=D(2012, 11, 15),
            end_date=None,
            until=D(2018, 3, 28),
            years=5.37,
            total=9,
            directions={"CHN-PRK": 4, "PRK-CHN": 5},
            leader_visits={"CHN-PRK": 0, "PRK-CHN": 1},
            in_window=9,
            window_complete=False,
            ambiguous=0,
        ),
    ]
    return EraComparison(
        pair=("CHN", "PRK"),
        scheme="s",
        scheme_name="S",
        min_level="minister",
        as_of=D(2018, 3, 28),
        window=6,
        rows=rows,
        outside=0,
        outside_directions={"CHN-PRK": 0, "PRK-CHN": 0},
    )


def test_era_comparison_chart_bars_published_and_hover_names():
    marks = [VisitMark(1, D(2005, 10, 28), "Hu Jintao (28 October 2005)", "CHN-PRK", 60)]
    fig = charts.era_comparison_chart(comparison(), marks)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [list(b.y) for b in bars] == [[30, 4], [20, 5]]
    assert list(bars[0].x) == ["Hu Jintao", "Xi Jinping"]
    assert bars[0].hovertext[0] == "Hu Jintao (28 October 2005)"
    published = next(t for t in fig.data if t.name == "Published (CSIS, 28 Mar 2018)")
    assert list(published.y) == [54]  # counted to the comparison's own as-of date
    assert bars[1].name == "PRK → CHN" and "visits PRK → CHN" in bars[1].hovertemplate
    assert fig.layout.yaxis.title.text == "Visits (count)"
    assert "as of 28 March 2018" in fig.layout.annotations[0].text


def test_hover_names_are_capped():
    marks = [VisitMark(i, D(2005, 1, 1), f"V{i}", "CHN-PRK", 20) for i in range(20)]
    fig = charts.era_comparison_chart(comparison(), marks)
    assert fig.data[0].hovertext[0].endswith("… and 8 more")


def test_rate_window_leader_coverage_charts():
    c = comparison()
    assert list(charts.rate_chart(c).data[0].y) == [5.0, 1.68]
    window = charts.window_chart(c)
    assert list(window.data[0].y) == [30, 9] and "first 6 years" in window.layout.title.text
    leader = charts.leader_visits_chart(c)
    assert [list(t.y) for t in leader.data if t.type == "bar"][:2] == [[1, 0], [6, 1]]
    assert list(window.data[0].marker.pattern.shape) == ["", "/"]  # hatched, not pale


def test_a_figure_from_another_date_is_not_drawn_beside_todays_bars():
    today = dataclasses.replace(comparison(), as_of=D(2026, 1, 1))
    fig = charts.era_comparison_chart(today)
    assert not [t for t in fig.data if (t.name or "").startswith("Published")]
    table = tables.era_comparison_table(today, lambda pk: f"/visits/?figure={pk}")
    assert table.headers[5] == "Total to 2026-01-01"
    assert table.headers[-2:] == [
        "Published by CSIS (2018-03-28)",
        "Recorded under its rule (2018-03-28)",
    ]
    assert table.rows[0][-2] == 54 and table.rows[0][-1].href == "/visits/?figure=3"


def test_bars_link_to_their_visits():
    links = {("hu", "CHN-PRK"): "/visits/?era=hu"}
    fig = charts.era_comparison_chart(comparison(), links=links)
    assert list(fig.data[0].customdata) == ["/visits/?era=hu", ""]
    assert "Click for the list of visits" in fig.data[0].hovertemplate


def test_finding_chart_rates_and_links():
    p = dataclasses.replace(comparison().rows[0].published[0], recorded=57)
    finding = Finding(
        "CSIS",
        "T",
        "https://x.org",
        D(2018, 3, 28),
        "s",
        "S",
        [FindingRow("Hu Jintao", "hu", 10.0, p)],
    )
    fig = charts.finding_chart(finding, {3: "/visits/?figure=3"})
    assert [list(t.y) for t in fig.data] == [[5.4], [5.7]]
    assert [list(t.text) for t in fig.data] == [["54"], ["57"]]
    assert fig.data[1].customdata[0] == "/visits/?figure=3"
    assert fig.layout.title.text == "Visits per year in office, as CSIS counted on 28 March 2018"


def test_timeline_chart_bands_and_leader_stars():
    t = Timeline(
        pair=("CHN", "PRK"),
        min_level="minister",
        years=[
            YearRow(2005, {"CHN-PRK": 1, "PRK-CHN": 0}, {"CHN-PRK": 1, "PRK-CHN": 0}),
            YearRow(2006, {"CHN-PRK": 0, "PRK-CHN": 2}, {"CHN-PRK": 0, "PRK-CHN": 1}),
        ],
    )
    marks = [VisitMark(1, D(2005, 10, 28), "Hu (2005)", "CHN-PRK", 60)]
    fig = charts.timeline_chart(t, comparison().rows, marks)
    assert [list(b.y) for b in fig.data if b.type == "bar"] == [[1, 0], [0, 2]]
    stars = next(tr for tr in fig.data if tr.name == "Leader-level visit")
    assert list(stars.hovertext) == ["Hu (2005)"]
    # bands in fractional years, shifted half a year so a bar (centred on its year) sits
    # inside the band of the date it falls in; an ongoing era runs to the last bar, and
    # one that begins after the last year shown gets no band
    bands = [(round(s.x0, 3), round(s.x1, 3)) for s in fig.layout.shapes]
    assert bands == [(2002.369, 2012.372)]
    labels = [a for a in fig.layout.annotations if a.name == "era-label"]
    assert [a.text for a in labels] == ["Hu Jintao"]
    assert labels[0].x == pytest.approx((2004.5 + 2006.5) / 2)  # middle of the visible band


def test_tables_and_headline():
    c = comparison()
    table = tables.era_comparison_table(c)
    assert table.headers[:8] == [
        "Era",
        "Leader",
        "From",
        "Until",
        "Years",
        "Total to 2018-03-28",
        "CHN → PRK",
        "PRK → CHN",
    ]
    assert table.rows[0][-2:] == [54, 50] and table.rows[1][-2:] == ["", ""]
    assert tables.rate_table(c).rows[1] == ["Xi Jinping", 5.37, 9, 1.68]
    assert headline(c) == (
        "Under Xi Jinping (since November 2012): 9 high-level visits in "
        "5.4 years; under Hu Jintao: 50 in 10 years."
    )


def test_too_many_visits_to_name_give_counts_and_one_star_per_year():
    t = Timeline(
        pair=("CHN", "PRK"),
        min_level="minister",
        years=[
            YearRow(2005, {"CHN-PRK": 3, "PRK-CHN": 0}, {"CHN-PRK": 2, "PRK-CHN": 0}),
            YearRow(2006, {"CHN-PRK": 0, "PRK-CHN": 2}, {"CHN-PRK": 0, "PRK-CHN": 0}),
            YearRow(2007, {"CHN-PRK": 1, "PRK-CHN": 4}, {"CHN-PRK": 1, "PRK-CHN": 2}),
        ],
    )
    fig = charts.timeline_chart(t, comparison().rows, None)
    stars = next(tr for tr in fig.data if tr.name == "Leader-level visit")
    assert list(stars.x) == [2005, 2007] and list(stars.y) == [3.4, 5.4]
    assert list(stars.hovertext) == ["2 leader-level visits", "3 leader-level visits"]
    bars = [b for b in fig.data if b.type == "bar"]
    assert set(bars[0].hovertext) == {charts.UNNAMED}
    era = charts.era_comparison_chart(comparison(), None)
    assert list(era.data[0].hovertext) == [charts.UNNAMED, charts.UNNAMED]
    leader = charts.leader_visits_chart(comparison(), None)
    assert list(leader.data[0].hovertext) == [charts.UNNAMED, charts.UNNAMED]
