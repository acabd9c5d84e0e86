"""Stats, facets and charts endpoints: the numbers of visits.stats, as JSON."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from visits.chart_registry import api_charts

pytestmark = pytest.mark.django_db
CSIS = "pair=CHN,PRK&scheme=china-paramount&min_level=minister&as_of=2018-03-28"


@pytest.fixture
def api():
    return APIClient()


def test_era_comparison_as_csis_saw_it(api, seeded):
    data = api.get(f"/api/v1/stats/era-comparison/?{CSIS}&window=6").json()
    assert data["pair"] == ["CHN", "PRK"] and data["as_of"] == "2018-03-28"
    eras = {e["slug"]: e for e in data["eras"]}
    assert list(eras) == ["mao", "hua", "deng", "jiang", "hu", "xi"]
    hu = eras["hu"]
    assert hu["leader_visits"] == {"CHN-PRK": 1, "PRK-CHN": 6}
    assert hu["total"] == sum(hu["directions"].values())
    published = {p["value"] for e in data["eras"] for p in e["published"] if p["metric"] == "total"}
    assert published == {21, 54, 7}
    xi = eras["xi"]
    assert (xi["until"], xi["ongoing"], xi["window_complete"]) == ("2018-03-28", True, False)
    assert xi["published"][0]["recorded"] == xi["total"]


def test_stats_ignore_drafts_and_accept_visit_filters(api, seeded):
    base = api.get(f"/api/v1/stats/era-comparison/?{CSIS}").json()
    narrowed = api.get(f"/api/v1/stats/era-comparison/?{CSIS}&kind=state").json()
    assert sum(e["total"] for e in narrowed["eras"]) < sum(e["total"] for e in base["eras"])


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("pair=CHN&scheme=china-paramount", "pair"),
        ("scheme=china-paramount&window=6", "window"),
        ("scheme=nope", "scheme"),
        ("pair=CHN,PRK&scheme=nope", "scheme"),
        ("pair=CHN,PRK", "scheme"),
        ("pair=CHN,PRK&scheme=china-paramount&min_level=king", "min_level"),
        ("pair=CHN,PRK&scheme=china-paramount&as_of=soon", "as_of"),
        ("pair=CHN,PRK&scheme=china-paramount&window=0", "window"),
        ("pair=CHN,PRK&scheme=china-paramount&date_from=never", "date_from"),
    ],
)
def test_era_comparison_bad_parameters(api, seeded, query, param):
    response = api.get(f"/api/v1/stats/era-comparison/?{query}")
    assert response.status_code == 400
    assert param in response.json()["errors"]


def test_timeline_with_zero_years_and_bands(api, seeded):
    data = api.get("/api/v1/stats/timeline/?pair=CHN,PRK&scheme=dprk-supreme-leader").json()
    years = [y["year"] for y in data["years"]]
    assert years == list(range(years[0], years[-1] + 1))
    assert {
        "year": 1955,
        "total": 0,
        "directions": {"CHN-PRK": 0, "PRK-CHN": 0},
        "leader_visits": {"CHN-PRK": 0, "PRK-CHN": 0},
    } in data["years"]
    assert [e["slug"] for e in data["eras"]] == ["kim-il-sung", "kim-jong-il", "kim-jong-un"]


def test_facets(api, seeded):
    data = api.get(
        "/api/v1/stats/facets/?pair=CHN,PRK&min_level=leader&facet=direction&facet=level"
    ).json()["facets"]
    assert data["level"] == [
        {"value": "leader", "count": sum(d["count"] for d in data["direction"])}
    ]
    assert {d["value"] for d in data["direction"]} == {"CHN-PRK", "PRK-CHN"}
    bad = api.get("/api/v1/stats/facets/?facet=colour")
    assert bad.status_code == 400 and "unknown facet 'colour'" in bad.json()["errors"]["facet"][0]


@pytest.mark.parametrize("name", api_charts())
def test_every_chart_returns_plotly_json(api, seeded, name):
    fig = api.get(f"/api/v1/charts/{name}/?{CSIS}&window=5").json()
    assert fig["data"] and fig["layout"]["title"]["text"]
    assert fig["layout"]["xaxis"]["title"]["text"] and fig["layout"]["yaxis"]["title"]["text"]
    assert fig["layout"]["annotations"][0]["text"].startswith("Source: Summitry dataset")


def test_chart_bars_match_the_comparison(api, seeded):
    fig = api.get(f"/api/v1/charts/era-comparison/?{CSIS}").json()
    data = api.get(f"/api/v1/stats/era-comparison/?{CSIS}").json()
    bars = {t["name"]: t["y"] for t in fig["data"] if t["type"] == "bar"}
    assert bars["PRK → CHN"] == [e["directions"]["PRK-CHN"] for e in data["eras"]]
    assert fig["data"][0]["x"] == [e["name"] for e in data["eras"]]
    assert "Kim Jong-il" in " ".join(fig["data"][1]["hovertext"])


def test_unknown_chart_is_404(api, db):
    assert api.get("/api/v1/charts/pie/?pair=CHN,PRK").status_code == 404


@pytest.mark.parametrize(
    ("url", "query", "name"),
    [
        ("/api/v1/stats/era-comparison/", f"{CSIS}&windows=6", "windows"),
        ("/api/v1/stats/era-comparison/", f"{CSIS}&era=xi", "era"),
        ("/api/v1/stats/era-comparison/", f"{CSIS}&page_size=2", "page_size"),
        ("/api/v1/stats/timeline/", "pair=CHN,PRK&window=6", "window"),
        ("/api/v1/stats/timeline/", "pair=CHN,PRK&start_date__gte=2000", "start_date__gte"),
        ("/api/v1/stats/facets/", "facet=kind&kinds=event", "kinds"),
        ("/api/v1/stats/facets/", "facet=kind&as_of=2018-03-28", "as_of"),
        ("/api/v1/charts/era-comparison/", f"{CSIS}&exclude_kinds=event", "exclude_kinds"),
    ],
)
def test_unknown_parameters_are_400_naming_them(api, seeded, url, query, name):
    response = api.get(f"{url}?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [name]
    assert response.json()["errors"][name][0].startswith("unknown parameter;")


def test_stats_take_several_values_exclusion_and_min_confidence(api, seeded):
    from visits import stats
    from visits.models import Visit

    query = "kind=official,state&exclude_confidence=low&min_confidence=medium"
    data = api.get(f"/api/v1/stats/era-comparison/?{CSIS}&{query}").json()
    visits = Visit.objects.published().filter(kind__in=["official", "state"])
    expected = stats.era_comparison(
        pair=("CHN", "PRK"),
        scheme="china-paramount",
        as_of=dt.date(2018, 3, 28),
        visits=visits.exclude(confidence="low"),
    )
    assert [e["total"] for e in data["eras"]] == [r.total for r in expected.rows]
    everything = api.get(f"/api/v1/stats/era-comparison/?{CSIS}").json()
    assert sum(e["total"] for e in data["eras"]) < sum(e["total"] for e in everything["eras"])
    facets = api.get(f"/api/v1/stats/facets/?facet=kind&{query}").json()["facets"]["kind"]
    assert {f["value"] for f in facets} == {"official", "state"}
    assert sum(f["count"] for f in facets) == visits.exclude(confidence="low").count()


def test_era_comparison_without_pair_compares_every_partner(api, seeded):
    data = api.get("/api/v1/stats/era-comparison/?scheme=china-paramount&as_of=2018-03-28").json()
    assert (data["country"], data["min_level"], data["as_of"]) == ("CHN", "minister", "2018-03-28")
    eras = {e["slug"]: e for e in data["eras"]}
    hu = eras["hu"]["partners"][0]
    assert (hu["country"], hu["name"]) == ("PRK", "North Korea")
    assert hu["directions"] == {"CHN-PRK": 31, "PRK-CHN": 26}
    assert hu["leader_visits"] == {"CHN-PRK": 1, "PRK-CHN": 6}
    assert hu["total"] == 57 and hu["per_year"] == round(57 / eras["hu"]["years"], 2)
    pair = api.get(f"/api/v1/stats/era-comparison/?{CSIS}").json()
    for era in pair["eras"]:
        prk = {p["country"]: p for p in eras[era["slug"]]["partners"]}.get("PRK")
        assert (prk["directions"] if prk else {"CHN-PRK": 0, "PRK-CHN": 0}) == era["directions"]


def test_era_comparison_without_pair_reads_visit_filters(api, seeded):
    from visits.models import Visit

    url = "/api/v1/stats/era-comparison/?scheme=china-paramount&as_of=2018-03-28"
    narrowed = api.get(f"{url}&kind=official").json()
    hu = {e["slug"]: e for e in narrowed["eras"]}["hu"]
    official = Visit.objects.published().filter(
        kind="official", level__gte=20, start_date__range=(hu["start_date"], "2012-11-14")
    )
    prk = {p["country"]: p for p in hu["partners"]}["PRK"]
    assert prk["total"] == official.for_pair("CHN", "PRK").count() < 57
    assert sum(p["total"] for p in hu["partners"]) == official.count()


def test_era_comparison_queries_are_pinned(api, seeded, django_assert_num_queries):
    # the data version (ETag), the scheme's validation, then partner_comparison's four
    with django_assert_num_queries(6):  # scheme, eras, one count, country names
        api.get("/api/v1/stats/era-comparison/?scheme=china-paramount")
    with django_assert_num_queries(
        7
    ):  # the pair's countries checked; scheme, eras, figures, one count
        api.get("/api/v1/stats/era-comparison/?pair=CHN,PRK&scheme=china-paramount")
