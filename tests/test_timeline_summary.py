"""The timeline from the era summary equals the live count of stats.timeline."""

import datetime as dt

import pytest

from tests.factories import VisitFactory
from visits import chart_registry, stats, summary, timeline_summary
from visits.models import Level, Visit

pytestmark = pytest.mark.django_db
D = dt.date
PAIR = ("CHN", "PRK")
DAYS = [
    D(1953, 12, 31),  # before a year ends
    D(1976, 9, 9),  # an era boundary
    D(1994, 7, 8),
    D(2012, 1, 1),  # the first day of a year: the partial year is one day
    D(2018, 3, 28),
    D(2019, 12, 31),
    None,  # today
]


@pytest.mark.parametrize("as_of", DAYS)
@pytest.mark.parametrize("level", [Level.MINISTER, Level.SENIOR, Level.LEADER])
def test_summary_timeline_equals_the_live_one(seeded, as_of, level):
    live = stats.timeline(
        pair=PAIR, min_level=level, as_of=as_of or dt.date.today(), visits=Visit.objects.published()
    )
    for scheme in ("china-paramount", "dprk-supreme-leader"):  # any scheme: the same counts
        summed = timeline_summary.timeline(pair=PAIR, scheme=scheme, min_level=level, as_of=as_of)
        assert summed == live
    assert live.years and sum(y.total for y in live.years) > 0


def test_one_query_however_many_visits(seeded, django_assert_num_queries):
    with django_assert_num_queries(1):
        few = timeline_summary.timeline(pair=PAIR, scheme="china-paramount", as_of=D(2018, 3, 28))
    VisitFactory.create_batch(30, visitor_country_id="CHN", host_country_id="PRK")
    summary.rebuild()  # the factory writes past the services that keep it current
    with django_assert_num_queries(1):
        many = timeline_summary.timeline(pair=PAIR, scheme="china-paramount")
    assert sum(y.total for y in many.years) > sum(y.total for y in few.years)


def test_no_visits_no_years(seeded):
    empty = timeline_summary.timeline(pair=("PRK", "USA"), scheme="china-paramount")
    assert empty.years == [] and empty.pair == ("PRK", "USA")


def test_comparison_pages_read_the_summary_unless_filtered(seeded):
    common = {"pair": PAIR, "scheme": "china-paramount", "min_level": Level.MINISTER}
    plain = chart_registry.ComparisonData(**common, as_of=D(2018, 3, 28))
    assert plain.counted_visits is None
    narrowed = Visit.objects.published().exclude(kind="event")
    filtered = chart_registry.ComparisonData(
        **common, as_of=D(2018, 3, 28), visits=narrowed, filters={"exclude_kind": "event"}
    )
    assert filtered.counted_visits is narrowed
    assert filtered.timeline == stats.timeline(
        pair=PAIR, min_level=Level.MINISTER, as_of=D(2018, 3, 28), visits=narrowed
    )
    assert sum(y.total for y in filtered.timeline.years) < sum(
        y.total for y in plain.timeline.years
    )
