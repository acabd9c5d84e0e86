import datetime as dt

import pytest

from tests.factories import (
    CountryFactory,
    EraFactory,
    PersonFactory,
    SchemeFactory,
    VisitFactory,
    bulk_visits,
)
from visits import summary
from visits.models import Level, PublishedFigure, Status, Visit
from visits.stats import era_comparison, timeline

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def eras():
    scheme = SchemeFactory()
    return {
        "hu": EraFactory(
            scheme=scheme,
            slug="hu",
            start_date=D(2002, 11, 15),
            end_date=D(2012, 11, 15),
            leader=PersonFactory(name="Hu Jintao"),
        ),
        "xi": EraFactory(scheme=scheme, slug="xi", start_date=D(2012, 11, 15)),
    }


def visit(day, *, visitor="CHN", host="PRK", level=Level.MINISTER, **kw):
    return VisitFactory(
        start_date=day,
        visitor_country=CountryFactory(code=visitor),
        host_country=CountryFactory(code=host),
        level=level,
        **kw,
    )


def compare(**kw):
    """The comparison from the era summary (rebuilt: factories write around the
    services), checked equal to the live count over the published visits."""
    kw.setdefault("as_of", D(2018, 3, 28))
    summary.rebuild()
    live = era_comparison(
        pair=("CHN", "PRK"), scheme="test-scheme", visits=Visit.objects.published(), **kw
    )
    result = era_comparison(pair=("CHN", "PRK"), scheme="test-scheme", **kw)
    assert result == live
    return result


def test_counts_by_era_direction_and_leader_level(eras):
    visit(D(2005, 10, 28), level=Level.LEADER)
    visit(D(2010, 5, 3), visitor="PRK", host="CHN", level=Level.LEADER)
    visit(D(2010, 8, 26), visitor="PRK", host="CHN", level=Level.SENIOR)
    visit(D(2012, 11, 15))  # first day of Xi
    visit(D(2013, 1, 1), level=Level.SUB_MINISTER)  # below threshold
    visit(D(2014, 1, 1), status=Status.DRAFT)  # not public
    visit(D(2014, 1, 1), visitor="CHN", host="USA")  # another pair
    hu, xi = compare().rows
    assert (hu.total, hu.directions) == (3, {"CHN-PRK": 1, "PRK-CHN": 2})
    assert hu.leader_visits == {"CHN-PRK": 1, "PRK-CHN": 1}
    assert (xi.total, xi.directions) == (1, {"CHN-PRK": 1, "PRK-CHN": 0})
    assert hu.leader == "Hu Jintao"
    assert hu.per_year == pytest.approx(0.3, abs=0.01)


def test_as_of_limits_visits_and_era_length(eras):
    visit(D(2018, 3, 28))
    visit(D(2018, 3, 29))
    result = compare()
    xi = result.rows[1]
    assert xi.total == 1
    assert xi.until == D(2018, 3, 28)
    assert xi.years == pytest.approx(5.37, abs=0.01)
    assert xi.ongoing
    assert len(compare(as_of=D(2010, 1, 1)).rows) == 1  # Xi had not begun


def test_window_counts_first_n_years(eras):
    visit(D(2003, 1, 1))
    visit(D(2008, 11, 14))
    visit(D(2008, 11, 15))  # exactly 6 years in: outside the window
    hu, xi = compare(window=6).rows
    assert hu.in_window == 2 and hu.window_complete
    assert xi.in_window == 0 and not xi.window_complete  # Xi had 5.4 years by then


def test_ambiguous_and_outside(eras):
    visit(D(2012, 11, 1), date_precision="month")  # Nov 2012 crosses into Xi
    visit(D(2002, 1, 1), date_precision="year")  # before the first era
    result = compare()
    assert [r.ambiguous for r in result.rows] == [1, 0]
    assert result.rows[0].total == 1
    assert result.outside == 1 and result.outside_directions == {"CHN-PRK": 1, "PRK-CHN": 0}
    assert result.total == 2


def test_published_figures_beside_records_under_their_own_rule(eras):
    for day in (D(2004, 4, 19), D(2006, 1, 10)):
        visit(day, visitor="PRK", host="CHN", level=Level.LEADER)
    visit(D(2008, 1, 1))
    common = {
        "era": eras["hu"],
        "country_a_id": "CHN",
        "country_b_id": "PRK",
        "as_of": D(2018, 3, 28),
        "publisher": "CSIS",
        "title": "T",
        "url": "https://x.org",
    }
    PublishedFigure.objects.create(metric="total", value=54, **common)
    PublishedFigure.objects.create(
        metric="leader_visits",
        value=6,
        min_level=Level.LEADER,
        visitor_country_id="PRK",
        host_country_id="CHN",
        **common,
    )
    hu = compare(min_level=Level.SENIOR).rows[0]
    total, leader = sorted(hu.published, key=lambda p: p.metric, reverse=True)
    assert (total.value, total.recorded) == (54, 3)  # at the figure's minister threshold
    assert total.coverage == pytest.approx(3 / 54)
    assert (leader.direction, leader.value, leader.recorded) == ("PRK-CHN", 6, 2)


def test_unknown_scheme_raises(db):
    from visits.models import EraScheme

    with pytest.raises(EraScheme.DoesNotExist):
        era_comparison(pair=("CHN", "PRK"), scheme="nope")


@pytest.mark.parametrize("n", [10, 1000])
def test_comparison_queries_do_not_grow_with_visits(eras, n, django_assert_num_queries):
    people = [PersonFactory() for _ in range(5)]
    CountryFactory(code="CHN"), CountryFactory(code="PRK")
    bulk_visits(n, people, D(2003, 1, 1), step_days=5, status="published")
    summary.rebuild()
    with django_assert_num_queries(4):  # scheme, eras, figures, summary + partial year
        result = era_comparison(
            pair=("CHN", "PRK"), scheme="test-scheme", as_of=D(2018, 3, 28), window=5
        )
    assert result.total == n
    with django_assert_num_queries(4):  # scheme, eras, figures, one live aggregate
        live = era_comparison(
            pair=("CHN", "PRK"),
            scheme="test-scheme",
            as_of=D(2018, 3, 28),
            window=5,
            visits=Visit.objects.published(),
        )
    assert live == result


def test_timeline_fills_years_without_visits(eras):
    visit(D(2005, 10, 28), level=Level.LEADER)
    visit(D(2008, 1, 1), visitor="PRK", host="CHN")
    result = timeline(pair=("CHN", "PRK"))
    assert [y.year for y in result.years] == [2005, 2006, 2007, 2008]
    assert [y.total for y in result.years] == [1, 0, 0, 1]
    assert result.years[0].leader_visits == {"CHN-PRK": 1, "PRK-CHN": 0}
    assert result.years[3].directions == {"CHN-PRK": 0, "PRK-CHN": 1}


def test_default_window_compares_complete_eras(eras, django_assert_num_queries):
    from visits.stats import default_window

    with django_assert_num_queries(1):  # no pair: no published figure to look for
        window = default_window(scheme="test-scheme", as_of=D(2018, 3, 28))
    assert (window.years, window.reason) == (10, "the shortest complete era, Hu's")
    CountryFactory(code="CHN"), CountryFactory(code="PRK")
    PublishedFigure.objects.create(
        era=eras["xi"],
        country_a_id="CHN",
        country_b_id="PRK",
        as_of=D(2018, 3, 28),
        value=7,
        publisher="CSIS",
        title="T",
        url="https://x.org",
    )
    with django_assert_num_queries(2):
        window = default_window(scheme="test-scheme", as_of=D(2026, 1, 1), pair=("PRK", "CHN"))
    assert window.years == 5  # Xi's era had lasted 5.4 years on CSIS's date
    assert window.reason.endswith("when CSIS counted on 28 March 2018")


def test_level_counts_by_rank_and_direction(eras, django_assert_num_queries):
    from visits.stats import level_counts

    visit(D(2005, 1, 1), level=Level.HEAD_OF_GOVERNMENT)
    visit(D(2006, 1, 1), level=Level.HEAD_OF_GOVERNMENT, visitor="PRK", host="CHN")
    visit(D(2007, 1, 1), visitor="PRK", host="CHN")
    with django_assert_num_queries(1):
        directions, rows = level_counts(Visit.objects.all())
    assert directions == ["PRK-CHN", "CHN-PRK"]
    assert [(r.level.label, r.directions) for r in rows] == [
        ("Head of government", {"CHN-PRK": 1, "PRK-CHN": 1}),
        ("Minister", {"PRK-CHN": 1}),
    ]
