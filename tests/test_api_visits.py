"""The visits resource: filters, bad parameters, pagination, export, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PersonFactory, VisitFactory, bulk_visits
from visits.importing import import_rows
from visits.interchange import csv_lines, export_visits
from visits.models import DataVersion, Level, Person, Source, Status, Visit

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
        ("kind=state,unofficial", ["summit", "xi"]),
        ("kind=state&kind=unofficial", ["summit", "xi"]),
        ("kind=state,unofficial&kind=other", ["old", "summit", "xi"]),
        ("kind=state,+unofficial,", ["summit", "xi"]),
        ("exclude_kind=official", ["old", "summit", "xi"]),
        ("exclude_kind=official,other", ["summit", "xi"]),
        ("exclude_kind=official&exclude_kind=other", ["summit", "xi"]),
        ("kind=official&exclude_kind=official", []),
        ("level=leader,minister", ["summit", "fm", "xi"]),
        ("exclude_level=leader", ["old", "fm", "usa"]),
        ("channel=party,state&exclude_channel=state", ["summit"]),
        ("confidence=low,high", ["old", "summit", "xi"]),
        ("exclude_confidence=low", ["summit", "fm", "usa", "xi"]),
        ("min_confidence=low", ["old", "summit", "fm", "usa", "xi"]),
        ("min_confidence=medium", ["summit", "fm", "usa", "xi"]),
        ("min_confidence=high", ["summit", "xi"]),
        ("min_confidence=medium&exclude_kind=official", ["summit", "xi"]),
        ("visitor_country=PRK,USA", ["summit", "usa"]),
        ("visitor_country=prk&visitor_country=usa", ["summit", "usa"]),
        ("host_country=CHN,PRK", ["old", "summit", "fm", "usa", "xi"]),
        ("q=chong-un", ["summit", "xi"]),
        ("q=KIM CHONG UN", ["summit", "xi"]),
        ("q=kimchongun", ["summit", "xi"]),
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


def test_modified_since_with_any_offset_is_the_same_instant(api, sample):
    # PostgreSQL takes offsets only up to ±15:59; the feed compares in UTC (found by
    # Schemathesis: a -17:54 offset was a 500).
    later = timezone.now() + dt.timedelta(seconds=1)
    Visit.objects.filter(pk=sample["fm"]).update(updated_at=later + dt.timedelta(hours=1))
    far_west = later.astimezone(dt.timezone(-dt.timedelta(hours=17, minutes=54)))
    response = api.get(LIST, {"modified_since": far_west.isoformat()})
    assert response.status_code == 200 and ids(response) == [sample["fm"]]


@pytest.mark.parametrize(
    ("query", "param", "message"),
    [
        ("date_from=soon", "date_from", "is not a date"),
        ("date_to=2019-02-30", "date_to", "is not a real date"),
        ("min_level=king", "min_level", "unknown value 'king'; use one of leader, "),
        ("level=emperor", "level", "unknown value 'emperor'; use one of leader, "),
        ("level=leader,emperor", "level", "unknown value 'emperor'"),
        ("exclude_level=emperor", "exclude_level", "unknown value 'emperor'"),
        ("exclude_kind=event,picnic", "exclude_kind", "unknown value 'picnic'; use one of"),
        ("channel=telepathy", "channel", "unknown value 'telepathy'"),
        ("exclude_channel=x", "exclude_channel", "unknown value 'x'"),
        ("confidence=sure", "confidence", "unknown value 'sure'"),
        ("exclude_confidence=sure", "exclude_confidence", "unknown value 'sure'"),
        ("min_confidence=sure", "min_confidence", "unknown value 'sure'; use one of high"),
        ("host_country=CHN,XXX", "host_country", "unknown country code 'XXX'"),
        ("figure=999999", "figure", "no published figure '999999'"),
        ("figure=abc", "figure", "no published figure 'abc'"),
        ("figure=99999999999999999999", "figure", "no published figure"),
        ("pair=CHN", "pair", "two different alpha-3 codes"),
        ("pair=CHN,XXX", "pair", "unknown country code 'XXX'"),
        ("visitor_country=XXX", "visitor_country", "unknown country code 'XXX'"),
        ("visitor=nobody", "visitor", "Select a valid choice"),
        ("scheme=nope&era=xi", "scheme", "unknown era scheme 'nope'"),
        ("era=xi", "era", "needs scheme"),
        ("scheme=test-scheme&era=nope", "era", "no era 'nope'"),
        ("modified_since=yesterday", "modified_since", "Enter a valid date/time"),
        ("ordering=colour", "ordering", "unknown ordering 'colour'"),
        ("page_size=0", "page_size", "from 1 to 1000"),
        ("page_size=1001", "page_size", "from 1 to 1000"),
        ("cursor=garbage", "cursor", "invalid cursor"),
        ("kind=picnic", "kind", "unknown value 'picnic'"),
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


def test_list_page_of_1000_uses_constant_queries(api, seeded, django_assert_num_queries):
    people = [PersonFactory() for _ in range(10)]
    Visit.objects.all().delete()
    visits = bulk_visits(1000, people, dt.date(1960, 1, 1), status="published")
    Source.objects.bulk_create(Source(visit=v, url=f"https://x.example/{v.pk}") for v in visits)
    Visit.hosts.through.objects.bulk_create(
        Visit.hosts.through(visit_id=v.pk, person_id=people[0].pk) for v in visits
    )
    # data version, count, page, hosts, sources, eras: six, whatever the page size
    with django_assert_num_queries(6):
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


def test_list_carries_the_filtered_total_on_every_page(api, sample):
    first = api.get(f"{LIST}?pair=CHN,PRK&page_size=3").json()
    second = api.get(first["next"]).json()
    assert (first["count"], second["count"]) == (4, 4)
    assert len(first["results"]) + len(second["results"]) == 4
    assert api.get(f"{LIST}?kind=state,unofficial").json()["count"] == 2
    assert api.get(f"{LIST}?kind=transit").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_count_is_one_query(api, sample, django_assert_num_queries):
    with django_assert_num_queries(6) as captured:
        assert api.get(f"{LIST}?kind=official,state").json()["count"] == 3
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "kind" in counts[0]


def test_figure_lists_exactly_the_visits_it_is_compared_with(api, seeded):
    from visits import stats
    from visits.models import PublishedFigure

    figures = PublishedFigure.objects.select_related("era__scheme").filter(country_b="PRK")
    assert figures.count() == 6  # CSIS's; the one-sided figures: tests/test_abroad.py
    comparison = stats.era_comparison(
        pair=("CHN", "PRK"), scheme="china-paramount", as_of=dt.date(2018, 3, 28)
    )
    recorded = {p.figure_id: p.recorded for row in comparison.rows for p in row.published}
    for figure in figures:
        body = api.get(f"{LIST}?figure={figure.pk}&page_size=1000").json()
        assert body["count"] == len(body["results"]) == recorded[figure.pk], figure
    hu = figures.get(era__slug="hu", metric="total")
    rows = api.get(f"{LIST}?figure={hu.pk}&page_size=1000").json()["results"]
    assert recorded[hu.pk] == 57
    assert {r["eras"]["china-paramount"] for r in rows} == {"hu"}
    assert all(r["start_date"] <= "2018-03-28" and r["status"] == "published" for r in rows)


def test_figure_counts_published_visits_only(api, seeded):
    from visits.models import PublishedFigure

    xi = PublishedFigure.objects.get(era__slug="xi", metric="total")
    before = api.get(f"{LIST}?figure={xi.pk}").json()["count"]
    VisitFactory(
        start_date=dt.date(2016, 1, 1), status=Status.DRAFT, level=Level.LEADER, sourced=False
    )
    api.force_authenticate(user_with_drafts())
    assert api.get(f"{LIST}?figure={xi.pk}").json()["count"] == before == 9
    assert api.get(f"{LIST}?figure={xi.pk}&status=draft").json()["count"] == 1


def user_with_drafts():
    from tests.factories import user_in

    return user_in("Editors")


@pytest.mark.parametrize(
    ("query", "names", "hint"),
    [
        ("start_date__gte=2000", ["start_date__gte"], ""),
        ("kinds=event", ["kinds"], "did you mean 'kind'?"),
        ("exclude_kinds=event&levle=leader", ["exclude_kinds", "levle"], "did you mean"),
        ("kind=state&Kind=state", ["Kind"], ""),
        ("search=kim", ["search"], ""),
    ],
)
def test_unknown_parameters_are_400_naming_them(api, sample, query, names, hint):
    for url in (LIST, "/api/v1/visits/export.csv"):
        response = api.get(f"{url}?{query}")
        assert response.status_code == 400, url
        errors = response.json()["errors"]
        assert sorted(errors) == names
        assert errors[names[0]][0].startswith("unknown parameter;")
        assert hint in errors[names[-1]][0] and "known: channel, confidence," in errors[names[0]][0]


def test_known_parameters_of_the_list_and_the_export(api, sample):
    query = "format=json&ordering=-start_date&page_size=2&kind=official"
    assert api.get(f"{LIST}?{query}").json()["count"] == 2
    export = api.get("/api/v1/visits/export.csv?kind=official&format=json")
    assert export.status_code == 200
    assert api.get("/api/v1/visits/export.csv?page_size=2").status_code == 400
    detail = f"{LIST}{sample['fm']}/"
    assert api.get(f"{detail}?format=json").status_code == 200
    unknown = api.get(f"{detail}?fields=id")
    assert unknown.status_code == 400 and list(unknown.json()["errors"]) == ["fields"]


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


def editor_client():
    from django.contrib.auth.models import User

    from tests.factories import user_in

    client = APIClient()
    client.force_authenticate(user_in("Editors", f"editor-{User.objects.count()}"))
    return client


def new_visit(**over):
    return {
        "start_date": "2018-03-25",
        "visitor": "kim-jong-un",
        "visitor_country": "PRK",
        "host_country": "CHN",
        "sources": [{"url": "https://example.org/second"}],
        **over,
    }


def test_possible_duplicate_is_409_with_candidates_until_confirmed(sample):
    api = editor_client()
    response = api.post(LIST, new_visit(start_date="2018-03"), format="json")
    assert response.status_code == 409, response.content
    body = response.json()
    assert [c["id"] for c in body["candidates"]] == [sample["summit"]]
    assert body["candidates"][0] == {
        "id": sample["summit"],
        "url": f"http://testserver{LIST}{sample['summit']}/",
        "date_label": "25 March 2018",
        "visitor": {"slug": "kim-jong-un", "name": "Kim Jong-un"},
    }
    assert "confirm_duplicate" in body["detail"]
    assert Visit.objects.count() == 6
    confirmed = api.post(LIST, new_visit(confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201 and "confirm_duplicate" not in confirmed.json()
    assert Visit.objects.count() == 7


def test_changing_a_visit_onto_another_is_409_other_changes_are_not(sample):
    api = editor_client()
    url = f"{LIST}{sample['fm']}/"
    moved = {"visitor": "kim-jong-un", "visitor_country": "PRK", "host_country": "CHN"}
    moved["start_date"] = "2018-03"
    response = api.patch(url, moved, format="json")
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["candidates"]] == [sample["summit"]]
    assert Visit.objects.get(pk=sample["fm"]).start_date == dt.date(2018, 5, 2)
    assert api.patch(url, {**moved, "confirm_duplicate": True}, format="json").status_code == 200
    summit = f"{LIST}{sample['summit']}/"
    assert api.patch(summit, {"purpose": "Still the first"}, format="json").status_code == 200


def test_if_match_stale_is_412_and_the_first_change_stays(sample):
    url = f"{LIST}{sample['summit']}/"
    first, second = editor_client(), editor_client()
    etag = first.get(url)["ETag"]
    assert etag == second.get(url)["ETag"] and etag.startswith('"1.')
    done = first.patch(url, {"purpose": "First's"}, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200 and done.json()["version"] == 2
    assert done["ETag"].startswith('"2.')
    stale = second.patch(url, {"purpose": "Second's"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["ETag"] == done["ETag"] == second.get(url)["ETag"]
    assert Visit.objects.get(pk=sample["summit"]).purpose == "First's"
    assert second.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert second.put(url, new_visit(), format="json", HTTP_IF_MATCH=etag).status_code == 412
    current = second.get(url)["ETag"]
    again = second.patch(url, {"purpose": "Second's"}, format="json", HTTP_IF_MATCH=current)
    assert again.status_code == 200 and again.json()["purpose"] == "Second's"
    assert (
        second.patch(url, {"level": "leader"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    )
    assert second.delete(url, HTTP_IF_MATCH=f"W/{again['ETag']}").status_code == 412
    assert second.delete(url, HTTP_IF_MATCH=second.get(url)["ETag"]).status_code == 204


def test_stale_version_found_under_the_lock_is_412(sample, monkeypatch):
    """A write that lands between the view's If-Match check and the service's lock."""
    from visits import services

    url = f"{LIST}{sample['summit']}/"
    api = editor_client()
    etag = api.get(url)["ETag"]
    real = services.update_visit

    def racing(**kwargs):
        real(user=None, visit=kwargs["visit"].pk, values={"purpose": "Meanwhile"})
        return real(**kwargs)

    monkeypatch.setattr(services, "update_visit", racing)
    response = api.patch(url, {"purpose": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412 and response["ETag"].startswith('"2.')
    assert Visit.objects.get(pk=sample["summit"]).purpose == "Meanwhile"


def test_detail_etag_answers_304_until_the_visit_or_the_data_changes(api, sample):
    url = f"{LIST}{sample['xi']}/"
    etag = api.get(url)["ETag"]
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    from tests.factories import EraFactory

    EraFactory(slug="xi", start_date=dt.date(2012, 11, 15))  # the visit's eras change
    refreshed = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert refreshed.status_code == 200 and refreshed["ETag"] != etag
    assert refreshed["ETag"].split(".")[0] == etag.split(".")[0] == '"1'


def feed(client, since, **params):
    response = client.get(LIST, {"modified_since": since.isoformat(), **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_change_feed_names_withdrawn_visits_as_tombstones(api, sample):
    from visits import services

    since = timezone.now()
    services.unpublish_visits(user=None, visits=[sample["fm"]])
    services.delete_visit(user=None, visit=sample["old"])
    services.delete_visit(user=None, visit=sample["draft"])  # never public
    services.update_visit(user=None, visit=sample["xi"], values={"purpose": "Changed"})
    unpublished = Visit.history.filter(id=sample["fm"]).first().history_date
    deleted = Visit.history.filter(id=sample["old"]).first().history_date

    rows = feed(api, since)["results"]
    assert [(r["id"], r["status"]) for r in rows] == [
        (sample["fm"], "withdrawn"),
        (sample["old"], "withdrawn"),
        (sample["xi"], "published"),
    ]
    assert rows[0] == {
        "id": sample["fm"],
        "status": "withdrawn",
        "updated_at": unpublished.isoformat().replace("+00:00", "Z"),
    }
    assert rows[1]["updated_at"] == deleted.isoformat().replace("+00:00", "Z")

    editor = [(r["id"], r["status"]) for r in feed(editor_client(), since)["results"]]
    assert editor == [
        (sample["fm"], "draft"),  # still visible to an editor: a row, not a tombstone
        (sample["old"], "withdrawn"),
        (sample["draft"], "withdrawn"),
        (sample["xi"], "published"),
    ]
    later = timezone.now()
    assert feed(api, later)["results"] == []


def test_change_feed_pages_through_visits_and_tombstones_in_order(api, sample):
    from visits import services

    since = timezone.now()
    expected = []
    for name in ["fm", "summit", "old", "usa", "xi"]:
        if name in ("summit", "usa"):
            services.delete_visit(user=None, visit=sample[name])
        else:
            services.update_visit(user=None, visit=sample[name], values={"purpose": name})
        expected.append(sample[name])
    seen, url = [], f"{LIST}?modified_since={since.isoformat().replace('+', '%2B')}&page_size=2"
    while url:
        page = api.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert seen == expected
    newest = feed(api, since, ordering="-updated_at", page_size=3)
    assert [r["id"] for r in newest["results"]] == expected[::-1][:3]
    back = api.get(api.get(newest["next"]).json()["previous"]).json()
    assert [r["id"] for r in back["results"]] == expected[::-1][:3]
    bad = api.get(LIST, {"modified_since": since.isoformat(), "ordering": "start_date"})
    assert bad.status_code == 400 and "use updated_at" in bad.json()["errors"]["ordering"][0]


def test_list_rows_are_exactly_the_details(api, seeded):
    """The list serializes by plain functions (api.serializers.visit_list_data); each
    row is the detail's VisitSerializer answer, key for key and in the same order."""
    visit = Visit.objects.published().filter(sources__isnull=False, hosts__isnull=False).first()
    Source.objects.create(
        visit=visit,
        url="https://x.example/second",
        title="Second",
        published_date=dt.date(2001, 2, 3),
        accessed_date=dt.date(2020, 1, 1),
    )
    rows = api.get(f"{LIST}?page_size=1000").json()["results"]
    assert len(rows) == Visit.objects.published().count()
    for row in rows[:40] + [r for r in rows if r["id"] == visit.pk]:
        detail = api.get(row["url"]).json()
        assert list(row) == list(detail)
        assert row == detail
    [row] = [r for r in rows if r["id"] == visit.pk]
    assert row["sources"][-1]["published_date"] == "2001-02-03"
    assert row["url"] == f"http://testserver/api/v1/visits/{visit.pk}/"


def test_count_is_counted_once_per_data_version(api, sample, django_assert_num_queries):
    first = api.get(f"{LIST}?kind=official,state&page_size=2").json()
    with django_assert_num_queries(4) as captured:  # no COUNT, no eras: cached
        second = api.get(first["next"]).json()
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert (first["count"], second["count"]) == (3, 3)
    version = DataVersion.current().version
    VisitFactory(kind="state")  # a write moves the data version, so the count is new
    assert DataVersion.current().version > version
    assert api.get(f"{LIST}?kind=official,state&page_size=2").json()["count"] == 4


def test_country_filters_cost_no_query_once_the_codes_are_known(
    api, sample, django_assert_num_queries
):
    url = f"{LIST}?visitor_country=CHN&host_country=PRK,USA&pair=CHN,PRK&page_size=1"
    first = api.get(url).json()
    assert first["count"] == 3
    with django_assert_num_queries(4):  # data version, page, hosts, sources
        second = api.get(first["next"]).json()
    assert second["count"] == 3 and len(second["results"]) == 1
    response = api.get(f"{LIST}?visitor_country=CHN&host_country=QQQ")
    assert response.status_code == 400
    assert response.json()["errors"] == {"host_country": ["unknown country code 'QQQ'"]}


def test_multilateral_filter_and_fields(api, countries):
    parade = VisitFactory(kind="event", multilateral=True, notes="Xinhua gives 2-4 Sep")
    talks = VisitFactory(kind="official", start_date=dt.date(2006, 1, 10))
    assert ids(api.get(f"{LIST}?multilateral=false")) == [talks.pk]
    assert ids(api.get(f"{LIST}?multilateral=true")) == [parade.pk]
    detail = api.get(f"{LIST}{parade.pk}/").json()
    assert (detail["multilateral"], detail["notes"]) == (True, "Xinhua gives 2-4 Sep")
    bad = api.get(f"{LIST}?multilateral=perhaps")
    assert bad.status_code == 400 and "multilateral" in bad.json()["errors"]
