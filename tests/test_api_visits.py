"""The visits resource: filters, bad parameters, pagination, export, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PersonFactory, VisitFactory
from visits.importing import import_rows
from visits.interchange import csv_lines, export_visits
from visits.models import Level, Person, Source, Status, Visit

pytestmark = pytest.mark.django_db
LIST = "/api/v1/visits/"


@pytest.fixture
def api():
    return APIClient()


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_visit_shape(api, seeded):
    visit = Visit.objects.get(visitor__name="Hu Jintao", start_date=dt.date(2005, 10, 28))
    data = api.get(f"{LIST}{visit.pk}/").json()
    assert data["visitor"] == {
        "slug": "hu-jintao",
        "name": "Hu Jintao",
        "url": "http://testserver/api/v1/people/hu-jintao/",
    }
    assert (data["direction"], data["level"], data["date_label"]) == (
        "CHN-PRK",
        "leader",
        "28 October 2005",
    )
    assert data["eras"] == {
        "china-paramount": "hu",
        "china-head-of-state": "hu-jintao",
        "dprk-supreme-leader": "kim-jong-il",
    }
    assert data["ambiguous"] == {
        "china-paramount": False,
        "china-head-of-state": False,
        "dprk-supreme-leader": False,
    }
    assert data["hosts"][0]["slug"] == "kim-jong-il"
    assert data["sources"][0]["url"].startswith("http://covid-19.chinadaily.com.cn/")


def test_month_precision_visit_marked_ambiguous_across_boundary(api, seeded):
    visit = VisitFactory(
        start_date=dt.date(2012, 11, 1),
        date_precision="month",
        visitor_country_id="PRK",
        host_country_id="CHN",
    )
    data = api.get(f"{LIST}{visit.pk}/").json()
    assert data["eras"]["china-paramount"] == "hu"
    assert data["ambiguous"]["china-paramount"] is True
    assert data["date_label"] == "November 2012"


@pytest.fixture
def sample(db):
    kim = PersonFactory(name="Kim Jong-un", slug="kim-jong-un", aliases="Kim Chong-un")
    xi = PersonFactory(name="Xi Jinping", slug="xi-jinping")
    v = {
        "summit": VisitFactory(
            start_date=dt.date(2018, 3, 25),
            visitor=kim,
            level=Level.LEADER,
            visitor_country__code="PRK",
            host_country__code="CHN",
            kind="unofficial",
            channel="party",
            confidence="high",
            purpose="First summit",
            places="Beijing",
        ),
        "xi": VisitFactory(
            start_date=dt.date(2019, 6, 20),
            visitor=xi,
            level=Level.LEADER,
            kind="state",
            confidence="high",
        ),
        "fm": VisitFactory(
            start_date=dt.date(2018, 5, 2),
            level=Level.MINISTER,
            kind="official",
            confidence="medium",
        ),
        "old": VisitFactory(
            start_date=dt.date(1958, 11, 1),
            date_precision="month",
            level=Level.SENIOR,
            kind="other",
            confidence="low",
        ),
        "usa": VisitFactory(
            start_date=dt.date(2018, 6, 12),
            visitor_country__code="USA",
            host_country__code="CHN",
            level=Level.HEAD_OF_STATE,
        ),
        "draft": VisitFactory(start_date=dt.date(2018, 7, 1), status=Status.DRAFT),
    }
    v["xi"].hosts.add(kim)
    return {k: x.pk for k, x in v.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pair=CHN,PRK", ["old", "summit", "fm", "xi"]),
        ("pair=prk,chn", ["old", "summit", "fm", "xi"]),
        ("visitor_country=PRK", ["summit"]),
        ("host_country=CHN", ["summit", "usa"]),
        ("visitor=kim-jong-un", ["summit"]),
        ("level=leader", ["summit", "xi"]),
        ("min_level=head_of_state", ["summit", "usa", "xi"]),
        ("min_level=minister", ["old", "summit", "fm", "usa", "xi"]),
        ("kind=state", ["xi"]),
        ("channel=party", ["summit"]),
        ("confidence=low", ["old"]),
        ("date_from=2018-05&date_to=2018", ["fm", "usa"]),
        ("date_from=1958-11-30", ["summit", "fm", "usa", "xi"]),
        ("date_to=1958-11-01", ["old"]),
        ("date_to=2018-03-25", ["old", "summit"]),
        ("q=chong-un", ["summit", "xi"]),
        ("q=beijing", ["summit"]),
        ("ordering=-start_date", ["xi", "usa", "fm", "summit", "old"]),
        ("ordering=-level&pair=CHN,PRK", ["xi", "summit", "old", "fm"]),
        ("status=draft", []),
    ],
)
def test_filters_anonymous(api, sample, query, expected):
    assert ids(api.get(f"{LIST}?{query}")) == [sample[k] for k in expected]


def test_era_filter(api, sample, seeded):
    got = ids(api.get(f"{LIST}?scheme=china-paramount&era=xi&pair=CHN,PRK&page_size=1000"))
    expected = list(
        Visit.objects.published()
        .for_pair("CHN", "PRK")
        .filter(start_date__gte=dt.date(2012, 11, 15))
        .order_by("start_date", "pk")
        .values_list("pk", flat=True)
    )
    assert got == expected and sample["summit"] in got and sample["old"] not in got


def test_modified_since_is_a_change_feed(api, sample):
    later = timezone.now() + dt.timedelta(seconds=1)
    Visit.objects.filter(pk=sample["fm"]).update(updated_at=later + dt.timedelta(hours=1))
    assert ids(api.get(LIST, {"modified_since": later.isoformat()})) == [sample["fm"]]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("date_from=soon", "date_from", "is not a date"),
        ("date_to=2019-02-30", "date_to", "is not a real date"),
        ("min_level=king", "min_level", "king is not one of the available choices"),
        ("level=emperor", "level", "not one of the available choices"),
        ("pair=CHN", "pair", "two different alpha-3 codes"),
        ("pair=CHN,XXX", "pair", "unknown country code 'XXX'"),
        ("visitor_country=XXX", "visitor_country", "Select a valid choice"),
        ("visitor=nobody", "visitor", "Select a valid choice"),
        ("scheme=nope&era=xi", "scheme", "unknown era scheme 'nope'"),
        ("era=xi", "era", "needs scheme"),
        ("scheme=test-scheme&era=nope", "era", "no era 'nope'"),
        ("modified_since=yesterday", "modified_since", "Enter a valid date/time"),
        ("ordering=colour", "ordering", "unknown ordering 'colour'"),
        ("page_size=0", "page_size", "from 1 to 1000"),
        ("page_size=1001", "page_size", "from 1 to 1000"),
        ("cursor=garbage", "cursor", "invalid cursor"),
        ("kind=picnic", "kind", "not one of the available choices"),
        ("date_from=2019&date_to=2018", "date_to", "is before date_from"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, sample, query, param, message):
    from tests.factories import EraFactory

    EraFactory(slug="xi", start_date=dt.date(2012, 11, 15))
    response = api.get(f"{LIST}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert message in " ".join(body["errors"][param])


def test_pages_lose_and_repeat_nothing_while_rows_are_inserted(api, db):
    people = [PersonFactory() for _ in range(3)]
    day = dt.date(2000, 1, 1)
    for i in range(25):  # many share a date: ties must not shift pages
        VisitFactory(start_date=day + dt.timedelta(days=i // 5), visitor=people[i % 3])
    seen, url = [], f"{LIST}?page_size=7"
    inserted = 0
    while url:
        page = api.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
        if url and inserted < 3:  # before and inside what was read so far
            VisitFactory(start_date=day + dt.timedelta(days=inserted), visitor=people[0])
            inserted += 1
    original = list(Visit.objects.order_by("pk").values_list("pk", flat=True)[:25])
    assert len(seen) == len(set(seen))
    assert set(original) <= set(seen)


def test_previous_link_returns_the_same_page(api, db):
    for i in range(12):
        VisitFactory(start_date=dt.date(2001, 1, 1) + dt.timedelta(days=i))
    first = api.get(f"{LIST}?page_size=5").json()
    second = api.get(first["next"]).json()
    back = api.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]
    assert first["previous"] is None and back["previous"] is None
    third = api.get(second["next"]).json()
    assert len(third["results"]) == 2 and third["next"] is None


def test_list_page_of_1000_uses_constant_queries(api, seeded, django_assert_max_num_queries):
    people = [PersonFactory() for _ in range(10)]
    Visit.objects.all().delete()
    visits = Visit.objects.bulk_create(
        Visit(
            start_date=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            visitor=people[i % 10],
            start_latest=dt.date(1960, 1, 1) + dt.timedelta(days=i),
            status="published",
            visitor_country_id="CHN",
            host_country_id="PRK",
            level=Level.MINISTER,
        )
        for i in range(1000)
    )
    Source.objects.bulk_create(Source(visit=v, url=f"https://x.example/{v.pk}") for v in visits)
    Visit.hosts.through.objects.bulk_create(
        Visit.hosts.through(visit_id=v.pk, person_id=people[0].pk) for v in visits
    )
    with django_assert_max_num_queries(14):
        response = api.get(f"{LIST}?page_size=1000")
    results = response.json()["results"]
    assert len(results) == 1000
    assert results[0]["hosts"][0]["slug"] == people[0].slug
    assert results[0]["eras"]["china-paramount"] == "mao"
    assert results[-1]["sources"] == [
        {
            "url": f"https://x.example/{results[-1]['id']}",
            "title": "",
            "publisher": "",
            "published_date": None,
            "accessed_date": None,
            "archive_url": "",
        }
    ]


def test_export_csv_uses_filters_and_round_trips(api, sample):
    response = api.get("/api/v1/visits/export.csv?pair=CHN,PRK")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["start_date"] for r in rows] == ["1958-11", "2018-03-25", "2018-05-02", "2019-06-20"]
    assert text == "".join(
        csv_lines(export_visits(Visit.objects.published().for_pair("CHN", "PRK")))
    )
    Visit.objects.all().delete()
    Person.objects.all().delete()
    assert import_rows(rows).created == 4
    again = b"".join(api.get("/api/v1/visits/export.csv").streaming_content).decode()
    assert again == text


def test_export_csv_bad_parameter_is_400(api, db):
    response = api.get("/api/v1/visits/export.csv?min_level=king")
    assert response.status_code == 400
    assert "min_level" in response.json()["errors"]


@pytest.mark.parametrize(
    "query", ["date_from=100%25", "date_to=%25s", "pair=%25d,CHN", "scheme=%25(x)s&era=a"]
)
def test_percent_signs_in_bad_values_are_400_not_500(api, db, query):
    response = api.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert "%" in str(response.json()["errors"])
