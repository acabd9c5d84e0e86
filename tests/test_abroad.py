"""One country against every partner (visits.abroad), the one-sided published figures,
and the page of China's heads of state abroad, on the shipped seed.

Every published figure's `recorded` is recomputed here from the fixture CSVs in plain
Python (dates, eras, leaders, UN M49 regions read from the files and from the
hdx-python-country package directly), never from the app's own queries."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from hdx.location.country import Country as HDXCountry
from rest_framework.test import APIClient

from visits import abroad
from visits.models import PublishedFigure, Visit

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEME = "china-head-of-state"


def first_day(text: str) -> dt.date:
    """The earliest day a YYYY, YYYY-MM or YYYY-MM-DD date can mean."""
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return dt.date(*parts[:3])


def fixture_visits() -> list[dict]:
    rows = []
    for name in ("china_dprk_visits.csv", "china_presidents_abroad.csv"):
        with open(FIXTURES / name, encoding="utf-8") as handle:
            rows += [r for r in csv.DictReader(handle) if r["status"] == "published"]
    return rows


def fixture_eras(slug: str = SCHEME) -> dict[str, dict]:
    schemes = json.loads((FIXTURES / "era_schemes.json").read_text(encoding="utf-8"))
    (scheme,) = [s for s in schemes if s["slug"] == slug]
    return {e["slug"]: e for e in scheme["eras"]}


# The codebook's ladder, lowest first.
LADDER = ["unknown", "sub_minister", "minister", "senior", "head_of_government"]
LADDER += ["head_of_state", "leader"]


def fixture_figures() -> list[tuple[dict, dict]]:
    docs = json.loads((FIXTURES / "published_figures_abroad.json").read_text(encoding="utf-8"))
    return [(doc["source"], fig) for doc in docs for fig in doc["figures"]]


@pytest.fixture
def api():
    return APIClient()


M49 = HDXCountry.countriesdata(use_live=False)["countries"]


def expected(source: dict, fig: dict) -> tuple[float, int]:
    """(the figure's recorded number, the visits it counts), by the fixture files."""
    era = fixture_eras()[fig["era"]]
    start = max(first_day(era["start_date"]), first_day(fig.get("period_start") or "1900"))
    ends = [dt.date.fromisoformat(fig.get("as_of") or source["as_of"])]
    if fig.get("period_end"):
        ends.append(dt.date.fromisoformat(fig["period_end"]))
    if era["end_date"]:
        ends.append(dt.date.fromisoformat(era["end_date"]) - dt.timedelta(days=1))
    last = min(ends)
    assert fig["side"] == "CHN-any" and fig["metric"] == "leader_trips"
    counted = [
        r
        for r in fixture_visits()
        if r["visitor_country"] == "CHN"
        and r["visitor"] == era["leader"]
        and start <= first_day(r["start_date"]) <= last
        and (not fig.get("region") or M49[r["host_country"]]["Region Name"] == fig["region"])
    ]
    if fig.get("unit") == "host_countries":
        return len({r["host_country"] for r in counted}), len(counted)
    if "rate" in fig:
        years = ((last - start).days + 1) / 365.25
        return round(len(counted) / years, 2), len(counted)
    return len(counted), len(counted)


def test_every_published_figure_is_recomputed_from_the_fixture(seeded):
    comparison = abroad.side_comparison(side=("CHN", None), scheme=SCHEME)
    by_id = {p.figure_id: p for row in comparison.rows for p in row.published}
    figures = fixture_figures()
    assert len(by_id) == len(figures) == 7
    for source, fig in figures:
        stored = PublishedFigure.objects.get(
            era__scheme__slug=SCHEME,
            era__slug=fig["era"],
            url=source["url"],
            unit=fig.get("unit", "visits"),
            region=fig.get("region", ""),
        )
        app = by_id[stored.pk]
        assert app.value == float(fig.get("rate") or fig["value"])
        assert (app.recorded, app.visits) == expected(source, fig), (fig["era"], source["url"])


def test_every_pair_figure_is_recomputed_from_the_fixture(seeded):
    """CSIS's figures (fixtures/published_figures.json) by the same plain reading."""
    from visits import stats

    doc = json.loads((FIXTURES / "published_figures.json").read_text(encoding="utf-8"))
    as_of = dt.date.fromisoformat(doc["source"]["as_of"])
    comparison = stats.era_comparison(pair=("CHN", "PRK"), scheme="china-paramount", as_of=as_of)
    recorded = {
        (row.slug, p.metric, p.direction): p.recorded
        for row in comparison.rows
        for p in row.published
    }
    assert len(recorded) == len(doc["figures"]) == 6
    rows = fixture_visits()
    for fig in doc["figures"]:
        era = fixture_eras(fig["scheme"])[fig["era"]]
        start = first_day(era["start_date"])
        end = dt.date.fromisoformat(era["end_date"]) if era["end_date"] else dt.date.max
        direction = fig.get("direction")
        counted = [
            r
            for r in rows
            if {r["visitor_country"], r["host_country"]} == {"CHN", "PRK"}
            and start <= first_day(r["start_date"]) < end
            and first_day(r["start_date"]) <= as_of
            and (not direction or [r["visitor_country"], r["host_country"]] == direction)
            and (
                r["level"] == "leader"
                if fig["metric"] == "leader_visits"
                else LADDER.index(r["level"]) >= LADDER.index(fig["min_level"])
            )
        ]
        key = (fig["era"], fig["metric"], "-".join(direction) if direction else None)
        assert recorded[key] == len(counted), key


def test_the_figures_list_exactly_the_visits_they_count(client, seeded):
    comparison = abroad.side_comparison(side=("CHN", None), scheme=SCHEME)
    for row in comparison.rows:
        for p in row.published:
            page = client.get(f"/visits/?figure={p.figure_id}")
            assert page.status_code == 200
            assert page.context["page"].paginator.count == p.visits
            api = client.get(f"/api/v1/visits/?figure={p.figure_id}&page_size=1").json()
            assert api["count"] == p.visits


def test_side_comparison_counts_each_era_from_the_records(seeded, django_assert_num_queries):
    with django_assert_num_queries(5):  # scheme, eras, figures, one count, the country's name
        comparison = abroad.side_comparison(
            side=("CHN", None), scheme=SCHEME, as_of=dt.date(2026, 12, 3)
        )
    rows = {r.slug: r for r in comparison.rows}
    eras = fixture_eras()
    visits = [r for r in fixture_visits() if r["visitor_country"] == "CHN"]
    for slug, era in eras.items():
        start = first_day(era["start_date"])
        end = dt.date.fromisoformat(era["end_date"]) if era["end_date"] else dt.date(2026, 12, 4)
        mine = [r for r in visits if start <= first_day(r["start_date"]) < end]
        own = [r for r in mine if r["visitor"] == era["leader"]]
        assert rows[slug].leader_trips == len(own), slug
        assert rows[slug].partners == len(
            {r["host_country"] for r in mine if r["level"] not in ("sub_minister", "unknown")}
        ), slug
    assert rows["xi-jinping"].leader_trips > 100 and rows["jiang-zemin"].leader_trips > 80


def test_guests_are_counted_from_the_other_side(seeded):
    guests = abroad.side_comparison(side=(None, "CHN"), scheme="china-paramount")
    assert guests.direction == "any-CHN" and not guests.outward
    prk = Visit.objects.published().filter(host_country="CHN", level__gte=20)
    assert guests.total == prk.count() > 0
    assert all(row.partners <= 1 for row in guests.rows)  # only North Korea's, so far


@pytest.mark.parametrize(
    ("text", "side"),
    [("CHN-any", ("CHN", None)), ("any-CHN", (None, "CHN")), ("chn-ANY", ("CHN", None))],
)
def test_parse_side(text, side):
    assert abroad.parse_side(text) == side


@pytest.mark.parametrize("text", ["CHN", "CHN-PRK", "any-any", "CH-any", "", "CHN-any-x"])
def test_parse_side_refuses(text):
    with pytest.raises(ValueError, match="CHN-any or any-CHN"):
        abroad.parse_side(text)


def test_api_one_sided_comparison(api, seeded):
    url = f"/api/v1/stats/era-comparison/?side=CHN-any&scheme={SCHEME}&as_of=2026-12-03"
    data = api.get(url).json()
    assert data["side"] == "CHN-any" and data["country"] == "CHN"
    eras = {e["slug"]: e for e in data["eras"]}
    xi = eras["xi-jinping"]
    assert xi["leader_trips"] == (
        Visit.objects.published()
        .filter(visitor__name="Xi Jinping", start_date__gte="2013-03-14")
        .count()
    )
    chinapower = [p for p in xi["published"] if p["publisher"] == "CSIS ChinaPower Project"]
    assert sorted((p["unit"], p["region"], p["value"]) for p in chinapower) == [
        ("host_countries", "", 69.0),
        ("visits", "", 98.0),
        ("visits", "Asia", 39.0),
    ]
    lowy = next(p for p in xi["published"] if p["per_year"])
    assert (lowy["value"], lowy["first_day"], lowy["last_day"]) == (
        14.3,
        "2013-03-14",
        "2019-12-31",
    )
    assert lowy["visits_url"].startswith("/visits/?figure=")


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("side=CHN", "side"),
        ("side=QQQ-any", "side"),
        ("side=CHN-any&pair=CHN,PRK", "side"),
        ("window=5", "window"),
    ],
)
def test_api_side_errors_name_the_parameter(api, seeded, query, name):
    response = api.get(f"/api/v1/stats/era-comparison/?scheme={SCHEME}&{query}")
    assert response.status_code == 400
    assert name in response.json()["errors"]


def test_abroad_page_states_each_figure_beside_its_own_count(client, seeded):
    response = client.get("/abroad/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["heading"] == "China's heads of state abroad, era by era"
    assert "China&#x27;s heads of state abroad, era by era</h1>" in html
    comparison = response.context["comparison"]
    for line in response.context["published"]:
        assert f"/visits/?figure={line.count.figure_id}" in html
        assert line.count.publisher in html
    finding = dict(response.context["finding"])
    xi = next(p for row in comparison.rows for p in row.published if p.unit == "host_countries")
    assert (
        f"Xi Jinping (2013–2020) 69 countries, {xi.recorded:g} recorded here"
        in (finding["CSIS ChinaPower Project"])
    )
    era, ranked = response.context["ranking"][0]  # the latest era first
    assert era.slug == "xi-jinping"
    xi = Visit.objects.published().filter(visitor_country="CHN", start_date__gte="2013-03-14")
    expected = {}
    for host, level, visitor in xi.values_list("host_country", "level", "visitor__name"):
        n, own = expected.get(host, (0, 0))
        expected[host] = (n + (level >= 20), own + (visitor == "Xi Jinping"))
    assert {p.country: (p.visits, p.leader_trips) for p in ranked} == expected
    assert [p.visits for p in ranked] == sorted((p.visits for p in ranked), reverse=True)
    assert ranked[0].region == "Asia" and {p.region for p in ranked} >= {"Europe", "Africa"}


@pytest.mark.parametrize(
    ("query", "name"),
    [("side=CHN", "side"), ("scheme=nope", "scheme"), ("as_of=2019-13-01", "as_of"), ("x=1", "x")],
)
def test_abroad_page_errors_name_the_parameter(client, seeded, query, name):
    response = client.get(f"/abroad/?{query}")
    assert response.status_code == 400
    assert name in response.context["errors"]
    assert f"{name}:" in response.content.decode()


def test_abroad_page_queries_do_not_grow_with_visits(client, seeded, django_assert_num_queries):
    # the data version, the schemes, the side's country; side_comparison's five; the
    # gaps' counts, one query per group naming its first visits (16 on the seed: they
    # grow with the figures, not the visits); partner_ranking's one
    with django_assert_num_queries(25):
        assert client.get("/abroad/?as_of=2026-12-03").status_code == 200


def test_page_figure_is_the_api_chart(api, client, seeded):
    query = f"side=CHN-any&scheme={SCHEME}&as_of=2026-12-03"
    chart = api.get(f"/api/v1/charts/abroad-rate/?{query}")
    assert chart.status_code == 200
    page = client.get(f"/abroad/?{query}")
    assert page.context["figure"] == chart.json()
    names = [t["name"] for t in chart.json()["data"]]
    assert names[2:] == ["Published rate (its own rule)", "Recorded here under the same rule"]
    diamonds, circles = chart.json()["data"][2:]
    assert diamonds["y"] == [5.5, 9.6, 11.4, 14.3]
    lowy = [p for r in page.context["comparison"].rows for p in r.published if p.per_year]
    assert circles["y"] == [p.recorded for p in lowy]
    assert api.get("/api/v1/charts/abroad-rate/?side=CHN").status_code == 400
    narrowed = api.get(f"/api/v1/charts/abroad-rate/?{query}&exclude_kind=transit").json()
    assert narrowed["data"][0]["y"] != chart.json()["data"][0]["y"]  # Xi's transits left out
