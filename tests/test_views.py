"""Public pages rendered by Django's test client (the browser tests drive Chromium)."""

import csv
import datetime as dt
import io

import pytest

from tests.factories import VisitFactory
from visits.models import Status, Visit

pytestmark = pytest.mark.django_db


def test_home_headline_charts_and_constant_queries(client, seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Under Xi Jinping (since November 2012):" in page
    assert "under Mao Zedong:" in page
    for chart in ["era-comparison", "timeline", "rate", "window", "leader-visits"]:
        assert f'id="fig-{chart}"' in page and f'data-chart="{chart}"' in page
    assert (
        "vendor/plotly.js-basic-dist-min/plotly-basic.min.js" in page and "cdn" not in page.lower()
    )


def test_home_queries_do_not_grow_with_visits(client, seeded, django_assert_max_num_queries):
    for i in range(50):
        VisitFactory(start_date=dt.date(1990, 1, 1) + dt.timedelta(days=30 * i))
    with django_assert_max_num_queries(16):
        assert client.get("/").status_code == 200


def test_compare_reads_the_url_and_fills_defaults(client, seeded):
    page = client.get("/compare/?scheme=dprk-supreme-leader&as_of=2011-01-01").content.decode()
    assert "Under Kim Jong-il (since July 1994):" in page
    assert 'value="2011-01-01"' in page


def test_compare_bad_parameters_show_form_errors(client, seeded):
    response = client.get("/compare/?pair=CHN&scheme=nope&min_level=king&as_of=soon&window=0")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"pair", "scheme", "min_level", "as_of", "window"}
    assert "Traceback" not in response.content.decode()


def test_chart_csv_matches_its_table(client, seeded):
    query = "pair=CHN,PRK&scheme=china-paramount&min_level=minister&as_of=2018-03-28"
    response = client.get(f"/compare/leader-visits.csv?{query}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Era",
        "Leader visits CHN → PRK",
        "Leader visits PRK → CHN",
        "Published CHN → PRK",
        "Published PRK → CHN",
    ]
    assert ["Hu Jintao", "1", "6", "1", "6"] in rows
    assert client.get(f"/compare/pie.csv?{query}").status_code == 404
    assert client.get("/compare/rate.csv?pair=CHN").status_code == 400


def test_visit_list_filters_sorts_pages_and_links_csv(client, seeded):
    response = client.get("/visits/?pair=CHN,PRK&min_level=leader&sort=-start_date")
    page = response.context["page"]
    dates = [v.start_date for v in page]
    assert dates == sorted(dates, reverse=True)
    assert all(v.level == 60 for v in page)
    assert (
        "/api/v1/visits/export.csv?pair=CHN%2CPRK&amp;min_level=leader" in response.content.decode()
    )
    assert client.get("/visits/?page=2").context["page"].number == 2
    bad = client.get("/visits/?date_from=soon")
    assert bad.status_code == 400 and "is not a date" in bad.content.decode()


def test_visit_detail_shows_everything_and_hides_drafts(client, seeded):
    visit = Visit.objects.get(visitor__name="Kim Il-sung", start_date=dt.date(1958, 11, 1))
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "November 1958" in page and "1 November 1958" not in page
    assert "date known to the month" in page
    assert visit.sources.first().url in page
    assert "Cite this record" in page and f"record {visit.pk}" in page
    assert "China: paramount leaders: <a" in page
    draft = VisitFactory(status=Status.DRAFT)
    assert client.get(f"/visits/{draft.pk}/").status_code == 404


def test_person_era_about_pages(client, seeded):
    person = client.get("/people/kim-jong-il/").content.decode()
    assert "김정일" in person and "Visits made" in person and 'id="fig-person"' in person
    era = client.get("/eras/china-paramount/hu/")
    assert era.status_code == 200
    assert (
        len(era.context["visits"])
        == Visit.objects.published()
        .filter(start_date__gte=dt.date(2002, 11, 15), start_date__lt=dt.date(2012, 11, 15))
        .count()
    )
    about = client.get("/about/").content.decode()
    for text in [
        "Minister of Foreign Affairs or above",
        "exclusive",
        "ambiguous",
        "Mr. and Mrs. Kim Go to Beijing",
        "How to cite",
        "Third Plenum",
    ]:
        assert text in about, text
    assert client.get("/eras/china-paramount/nope/").status_code == 404


def test_custom_404_page(client, db):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert "There is nothing at" in response.content.decode()
    api = client.get("/api/v1/visits/1.5/")
    assert api.status_code == 404 and api.json() == {"detail": "Not found.", "errors": {}}


def test_page_figure_is_the_api_figure(client, seeded):
    import json

    query = "pair=CHN,PRK&scheme=china-paramount&min_level=minister&as_of=2018-03-28&window=6"
    page = client.get(f"/compare/?{query}")
    chart = next(c for c in page.context["charts"] if c.slug == "era-comparison")
    api = client.get(f"/api/v1/charts/era-comparison/?{query}").json()
    assert json.loads(json.dumps(chart.figure)) == api


def test_visit_list_form_has_readable_labels(client, db):
    page = client.get("/visits/").content.decode()
    assert "[invalid name]" not in page
    for label in ["Countries (either direction)", "Level at least", "From", "To", "Search"]:
        assert f">{label}</label>" in page


def test_person_seen_only_in_drafts_is_hidden_from_the_public(client, countries):
    from tests.factories import PersonFactory, user_in

    shown = VisitFactory(visitor=PersonFactory(name="Public Person")).visitor
    hidden = PersonFactory(name="Draft Only")
    VisitFactory(status=Status.DRAFT, visitor=hidden, start_date=dt.date(2001, 1, 1))
    assert client.get(f"/people/{hidden.slug}/").status_code == 404
    assert client.get(f"/people/{shown.slug}/").status_code == 200
    choices = client.get("/visits/").context["filter"].form.fields["visitor"].queryset
    assert list(choices) == [shown]
    assert client.get(f"/visits/?visitor={hidden.slug}").status_code == 400
    client.force_login(user_in("Editors"))
    assert client.get(f"/people/{hidden.slug}/").status_code == 200
