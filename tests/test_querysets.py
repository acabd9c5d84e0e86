"""Query vocabulary: search across scripts and spellings, eras named either way,
confidence thresholds."""

import datetime as dt

import pytest

from tests.factories import EraFactory, PersonFactory, SchemeFactory, VisitFactory
from visits.importing import import_rows
from visits.interchange import read_csv
from visits.models import Era, Person, Visit
from visits.querysets import loose_pattern, normalise, search_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Kim Jong-il", "kimjongil"),
        ("Kim Jong Il", "kimjongil"),
        ("KIM  JONG\u2010IL", "kimjongil"),
        ("Kim Cho'ng-u'n", "kimchongun"),
        ("김정일", "김정일"),
        ("金正日", "金正日"),
        ("Ｋｉｍ", "kim"),  # full-width Latin, NFKC
        (" - ", ""),
    ],
)
def test_normalise(text, key):
    assert normalise(text) == key


def test_search_key_joins_every_name_apart():
    assert search_key("Kim Jong-il", "김정일", "Kim Jong Il", "金正日") == (
        "kimjongil|김정일|kimjongil|金正日"
    )
    assert search_key("Mao", "", "Zedong") == "mao|zedong"


def test_loose_pattern_allows_separators_between_letters():
    import re

    pattern = re.compile(loose_pattern("kimjongil"), re.IGNORECASE)
    for text in ("met Kim Jong-il in", "KIM JONG IL", "Kim Jong\u2011il", "kimjongil"):
        assert pattern.search(text), text
    assert not pattern.search("Kim Jong-un")


def test_person_key_is_kept_on_save(db):
    kim = PersonFactory(name="Kim Jong-il", native_name="김정일", aliases="Kim Chong-il; 金正日")
    assert Person.objects.get(pk=kim.pk).search_key == "kimjongil|김정일|kimchongil|金正日"
    kim.aliases = "Kim Jong Il"
    kim.save(update_fields=["aliases"])
    assert Person.objects.get(pk=kim.pk).search_key == "kimjongil|김정일|kimjongil"


@pytest.fixture
def kim_visits(countries):
    kim = PersonFactory(name="Kim Jong-il", native_name="김정일", aliases="Kim Jong Il; 金正日")
    hu = PersonFactory(name="Hu Jintao", native_name="胡锦涛", aliases="胡錦濤")
    return {
        "visited": VisitFactory(visitor=kim, visitor_country_id="PRK", host_country_id="CHN"),
        "hosted": VisitFactory(visitor=hu, start_date=dt.date(2005, 10, 28)),
        "named": VisitFactory(
            purpose="Talks with Kim Jong Il's envoys", start_date=dt.date(2006, 1, 1)
        ),
        "other": VisitFactory(purpose="Trade", start_date=dt.date(2007, 1, 1)),
    }


def found(text):
    return set(Visit.objects.search(text).values_list("pk", flat=True))


def test_search_ignores_case_spaces_and_hyphens_and_reads_every_script(kim_visits):
    kim_visits["hosted"].hosts.add(Person.objects.get(slug="kim-jong-il"))
    v = {k: x.pk for k, x in kim_visits.items()}
    everything = {v["visited"], v["hosted"], v["named"]}
    for text in ("Kim Jong-il", "Kim Jong Il", "kimjongil", "KIM JONG-IL", "jong il"):
        assert found(text) == everything, text
    for text in ("김정일", "金正日", "정일"):
        assert found(text) == {v["visited"], v["hosted"]}, text
    assert found("胡錦濤") == found("胡锦涛") == found("hu jintao") == {v["hosted"]}
    assert found("trade") == {v["other"]}
    assert found("'") == {v["named"]}  # no letter: looked for as it is
    assert found("100%") == set()


def test_people_the_importer_creates_in_bulk_are_searchable(countries):
    rows, errors = read_csv(
        "start_date,visitor,visitor_country,host_country,level,status\n"
        "2018-03-25,Choe Son-hui,PRK,CHN,minister,draft\n"
    )
    assert errors == [] and import_rows(rows).created == 1
    assert Person.objects.get(name="Choe Son-hui").search_key == "choesonhui"
    assert Visit.objects.search("Choe Son Hui").count() == 1


def test_era_named_by_its_slug_or_its_leaders(db):
    xi = PersonFactory(name="Xi Jinping", slug="xi-jinping")
    short = EraFactory(slug="xi", leader=xi, start_date=dt.date(2012, 11, 15))
    other = SchemeFactory(slug="heads")
    full = EraFactory(scheme=other, slug="xi-jinping", leader=xi, start_date=dt.date(2013, 3, 14))
    assert Era.objects.in_scheme_named("test-scheme", "xi") == short
    assert Era.objects.in_scheme_named("test-scheme", "xi-jinping") == short
    assert Era.objects.in_scheme_named("heads", "xi-jinping") == full
    assert Era.objects.in_scheme_named("heads", "xi") is None
    assert Era.objects.in_scheme_named("nope", "xi") is None


def test_leader_of_two_eras_in_a_scheme_names_neither(db):
    mao = PersonFactory(name="Mao Zedong", slug="mao-zedong")
    EraFactory(
        slug="first", leader=mao, start_date=dt.date(1949, 1, 1), end_date=dt.date(1950, 1, 1)
    )
    EraFactory(slug="second", leader=mao, start_date=dt.date(1951, 1, 1))
    assert Era.objects.in_scheme_named("test-scheme", "mao-zedong") is None
    assert Era.objects.in_scheme_named("test-scheme", "second").slug == "second"


@pytest.mark.parametrize(
    ("threshold", "kept"),
    [("low", ["low", "medium", "high"]), ("medium", ["medium", "high"]), ("high", ["high"])],
)
def test_confidence_at_least(countries, threshold, kept):
    for i, confidence in enumerate(["low", "medium", "high"]):
        VisitFactory(confidence=confidence, start_date=dt.date(2000 + i, 1, 1))
    got = Visit.objects.confidence_at_least(threshold).order_by("start_date")
    assert [v.confidence for v in got] == kept
