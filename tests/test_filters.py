"""The visit filter vocabulary (visits.filters): several values, exclusion,
thresholds, a published figure's visits, and messages that name what was wrong."""

import datetime as dt

import pytest
from django.http import QueryDict

from tests.factories import EraFactory, PersonFactory, VisitFactory
from visits.filters import VisitFilter, unknown_parameters
from visits.models import Level, PublishedFigure, Status, Visit

pytestmark = pytest.mark.django_db


def run(query: str, queryset=None):
    filterset = VisitFilter(QueryDict(query), queryset or Visit.objects.all())
    return filterset


def kinds(query: str) -> list[str]:
    filterset = run(query)
    assert filterset.is_valid(), filterset.errors
    return sorted(filterset.qs.values_list("kind", flat=True))


@pytest.fixture
def three_kinds(countries):
    for i, kind in enumerate(["state", "event", "transit"]):
        VisitFactory(kind=kind, start_date=dt.date(2000 + i, 1, 1))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=state,event", ["event", "state"]),
        ("kind=state&kind=event", ["event", "state"]),
        ("kind=state,&kind=,event", ["event", "state"]),
        ("kind=", ["event", "state", "transit"]),
        ("exclude_kind=event,transit", ["state"]),
        ("exclude_kind=event&exclude_kind=transit", ["state"]),
        ("kind=state,event&exclude_kind=event", ["state"]),
    ],
)
def test_several_values_and_exclusion(three_kinds, query, expected):
    assert kinds(query) == expected


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("kind=state,picnic", "kind", "unknown value 'picnic'; use one of state, official,"),
        ("exclude_level=king", "exclude_level", "unknown value 'king'; use one of leader,"),
        ("min_confidence=100%", "min_confidence", "unknown value '100%'"),
        ("visitor_country=CHN,ZZZ", "visitor_country", "unknown country code 'ZZZ'"),
        ("figure=-1", "figure", "no published figure '-1'"),
    ],
)
def test_bad_values_are_named(countries, query, name, message):
    filterset = run(query)
    assert not filterset.is_valid()
    assert filterset.errors[name][0].startswith(message)


def test_levels_travel_as_slugs(countries):
    VisitFactory(level=Level.LEADER, start_date=dt.date(2000, 1, 1))
    VisitFactory(level=Level.SENIOR, start_date=dt.date(2001, 1, 1))
    VisitFactory(level=Level.MINISTER, start_date=dt.date(2002, 1, 1))
    levels = lambda q: sorted(run(q).qs.values_list("level", flat=True))  # noqa: E731
    assert levels("level=leader,minister") == [Level.MINISTER, Level.LEADER]
    assert levels("exclude_level=senior") == [Level.MINISTER, Level.LEADER]
    assert levels("min_level=senior&exclude_level=leader") == [Level.SENIOR]


def test_figure_is_its_pair_era_as_of_threshold_and_direction(countries):
    hu = EraFactory(slug="hu", start_date=dt.date(2002, 11, 15), end_date=dt.date(2012, 11, 15))
    figure = PublishedFigure.objects.create(
        era=hu,
        country_a_id="CHN",
        country_b_id="PRK",
        metric="leader_visits",
        visitor_country_id="PRK",
        host_country_id="CHN",
        value=6,
        as_of=dt.date(2010, 1, 1),
        publisher="P",
        title="T",
        url="https://p.example",
    )
    kim = PersonFactory(name="Kim Jong-il")
    leader = {"level": Level.LEADER, "visitor": kim}
    prk_chn = {"visitor_country_id": "PRK", "host_country_id": "CHN"}
    counted = VisitFactory(start_date=dt.date(2004, 4, 19), **leader, **prk_chn)
    VisitFactory(start_date=dt.date(2001, 1, 15), **leader, **prk_chn)  # before the era
    VisitFactory(start_date=dt.date(2010, 5, 3), **leader, **prk_chn)  # after the as-of date
    VisitFactory(start_date=dt.date(2005, 1, 1), **prk_chn)  # minister
    VisitFactory(start_date=dt.date(2005, 10, 28), level=Level.LEADER)  # CHN → PRK
    VisitFactory(start_date=dt.date(2006, 1, 1), status=Status.DRAFT, **leader, **prk_chn)
    assert list(run(f"figure={figure.pk}").qs) == [counted]
    drafts = run(f"figure={figure.pk}&status=draft").qs
    assert [v.start_date for v in drafts] == [dt.date(2006, 1, 1)]


def test_unknown_parameters_named_with_the_closest():
    known = ["kind", "exclude_kind", "date_from", "page"]
    assert unknown_parameters(["kind", "page"], known) == {}
    got = unknown_parameters(["kinds", "start_date__gte", "zzz"], known)
    assert got["kinds"] == (
        "unknown parameter; did you mean 'kind'? known: date_from, exclude_kind, kind, page"
    )
    assert got["zzz"].startswith("unknown parameter; known: ")
    assert list(got) == ["kinds", "start_date__gte", "zzz"]


def test_visitor_by_slug_or_by_any_spelling_of_a_name(countries):
    kim = PersonFactory(name="Kim Jong-il", aliases="Kim Jong Il; Kim Chong-il")
    visit = VisitFactory(visitor=kim)
    VisitFactory()
    for value in ("kim-jong-il", "kim jong il", "KIM CHONG-IL"):
        filterset = run(f"visitor={value}")
        assert filterset.is_valid(), (value, filterset.errors)
        assert list(filterset.qs) == [visit], value
    assert run("visitor=Kim").errors["visitor"][0].startswith("Select a valid choice")


def test_a_name_that_several_people_share_is_refused_with_their_slugs(countries):
    a = PersonFactory(name="Li Peng")
    b = PersonFactory(name="Li Peng", slug="li-peng-2")
    VisitFactory(visitor=a), VisitFactory(visitor=b)
    errors = run("visitor=li peng").errors["visitor"]
    assert errors == [f"'li peng' names several people: {a.slug}, li-peng-2"]
