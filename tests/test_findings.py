"""Published figures like for like, and the breakdown of the visits behind each, on
the shipped seed data; every expected value is recomputed from the records."""

import datetime as dt

import pytest

from visits import findings
from visits.models import Level, PublishedFigure, Visit
from visits.stats import figure_rule

pytestmark = pytest.mark.django_db
PAIR = ("CHN", "PRK")


def recorded(figure: PublishedFigure):
    return Visit.objects.published().filter(figure_rule(figure))


def test_like_for_like_sets_each_figure_beside_its_own_rule(seeded, django_assert_num_queries):
    with django_assert_num_queries(5):  # the keys, and one comparison
        (finding,) = findings.like_for_like(pair=PAIR)
    assert (finding.publisher, finding.as_of) == ("CSIS", dt.date(2018, 3, 28))
    assert [(r.era, r.figure.value, r.figure.recorded) for r in finding.totals] == [
        ("Xi Jinping", 7, 9),
        ("Hu Jintao", 54, 57),
        ("Mao Zedong", 21, 26),
    ]
    for row in finding.rows:
        figure = PublishedFigure.objects.get(pk=row.figure.figure_id)
        assert row.figure.recorded == recorded(figure).count()
    xi = finding.totals[0]
    assert xi.years == 5.36 and xi.recorded_per_year == round(9 / 5.36, 2)


def test_figure_gaps_group_the_recorded_visits(seeded, django_assert_num_queries):
    figures = list(PublishedFigure.objects.select_related("era"))
    with django_assert_num_queries(1):  # counts only, however many visits
        gaps = findings.figure_gaps(figures, examples=0)
    assert all(not g.visits for gap in gaps.values() for g in gap.groups)
    for f in figures:
        gap, visits = gaps[f.pk], recorded(f)
        assert gap.recorded == visits.count() and gap.value == f.published
        groups = {g.slug: g for g in gap.groups}
        assert groups["multilateral"].count == visits.filter(multilateral=True).count()
        bilateral = visits.filter(kind="event", multilateral=False).count()
        assert groups["event"].count == bilateral
        assert groups["transit"].count == visits.filter(kind="transit").count()
        assert groups["low-confidence"].count == visits.filter(confidence="low").count()
        if f.metric == "total":
            assert groups["at-threshold"].count == visits.filter(level=f.min_level).count()
            assert groups["at-threshold"].params == {"level": Level(f.min_level).slug}
        else:
            assert "at-threshold" not in groups
        grouped = (
            visits.filter(kind__in=["event", "transit"])
            | visits.filter(multilateral=True)
            | visits.filter(confidence="low")
        )
        if f.metric == "total":
            grouped = grouped | visits.filter(level=f.min_level)
        assert gap.other == gap.recorded - grouped.distinct().count()


def test_each_group_names_its_first_visits_by_date(seeded, django_assert_num_queries):
    figures = list(PublishedFigure.objects.select_related("era"))
    named = sum(
        1
        for gap in findings.figure_gaps(figures, examples=0).values()
        for g in gap.groups
        if g.count
    )
    with django_assert_num_queries(1 + named):  # counts, then each group with visits
        gaps = findings.figure_gaps(figures, examples=2)
    for f in figures:
        visits = recorded(f).order_by("start_date", "pk")
        for group in gaps[f.pk].groups:
            match = dict(findings.GROUPS_MATCH[group.slug])
            if group.slug == "at-threshold":
                match = {"level": f.min_level}
            first = list(visits.filter(**match).values_list("pk", flat=True)[:2])
            assert [v.id for v in group.visits] == first
            assert group.more == group.count - len(first)
    assert any(g.more for gap in gaps.values() for g in gap.groups)  # some are cut short


def test_xi_gap_names_the_parade_and_the_belt_and_road_forum(seeded):
    xi = PublishedFigure.objects.get(era__slug="xi")
    events = {g.slug: g for g in findings.figure_gaps([xi])[xi.pk].groups}["multilateral"]
    days = {v.label.split(" (")[1].rstrip(")") for v in events.visits}
    assert {"2 September 2015", "14 May 2017"} <= days
    assert events.params == {"multilateral": "true"}


def test_no_figures_no_gaps(db):
    assert findings.figure_gaps([]) == {}
    assert findings.like_for_like(pair=PAIR) == []


def test_api_published_entries_link_exactly_their_visits(client, seeded):
    url = "/api/v1/stats/era-comparison/?pair=CHN,PRK&scheme=china-paramount&as_of=2018-03-28"
    eras = client.get(url).json()["eras"]
    xi = next(e for e in eras if e["slug"] == "xi")["published"][0]
    figure = PublishedFigure.objects.get(era__slug="xi", metric="total")
    assert xi["visits_url"] == f"/visits/?figure={figure.pk}"
    assert xi["api_visits_url"] == f"/api/v1/visits/?figure={figure.pk}"
    assert xi["recorded"] == recorded(figure).count() == 9


def test_about_lists_each_gap_by_group(client, seeded):
    page = client.get("/about/").content.decode()
    xi = PublishedFigure.objects.get(era__slug="xi", metric="total")
    assert f"/visits/?figure={xi.pk}&amp;multilateral=true" in page
    assert "Choe Ryong-hae (2 September 2015)" in page and "Kim Yong-jae (14 May 2017)" in page
    assert "does not say which count is wrong" in page
    gaps = findings.pair_figure_gaps(pair=PAIR)
    cut = [(g.label, g.count, g.more) for gap in gaps.values() for g in gap.groups if g.more]
    assert cut and all(f"{label}: {n}</a>" in page for label, n, _ in cut)
    assert all(f" and {more} more." in page for _, _, more in cut)
