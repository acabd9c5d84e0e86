"""Public pages rendered by Django's test client (the browser tests drive Chromium)."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.cache import cache

from tests.factories import VisitFactory, user_in
from visits import era_page, services, stats, summary
from visits.models import Level, PublishedFigure, Status, Visit
from visits.stats import figure_q

pytestmark = pytest.mark.django_db


def expected_finding() -> str:
    """The like-for-like sentence computed straight from the data: each published
    total beside the published visits that stats.figure_q counts for it."""
    totals = PublishedFigure.objects.filter(metric="total").order_by("-era__start_date")
    parts = []
    for i, f in enumerate(totals):
        n = Visit.objects.published().for_pair("CHN", "PRK").filter(figure_q(f)).count()
        name = f.era.name
        parts.append(
            f"{name} {f.value} published, {n} recorded here"
            if i == 0
            else f"{name} {f.value} / {n}"
        )
    return "As CSIS counted on 28 March 2018: " + "; ".join(parts)


def test_home_leads_with_the_finding_then_todays_totals(client, seeded):
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    sentence = expected_finding()
    assert sentence.startswith(
        "As CSIS counted on 28 March 2018: Xi Jinping 7 published, 9 recorded"
    )
    assert sentence + " \u2014 per year in office by then, 1.7, 5.7 and 1.0 recorded here." in page
    assert page.index(sentence) < page.index('id="fig-finding"') < page.index("Today's totals")
    assert "Under Xi Jinping (since November 2012):" in page
    for chart in ["finding", "era-comparison", "timeline", "rate", "window", "leader-visits"]:
        assert f'id="fig-{chart}"' in page and f'data-chart="{chart}"' in page
    assert (
        "/compare/?pair=CHN%2CPRK&amp;scheme=china-paramount&amp;min_level=minister&amp;as_of=2018-03-28"
        in page
    )
    assert "cdn" not in page.lower()


def test_home_never_sets_a_published_figure_beside_todays_count(client, seeded):
    charts = {c.slug: c for c in client.get("/").context["charts"]}
    era = charts["era-comparison"]
    assert not [t for t in era.figure["data"] if t["name"].startswith("Published")]
    headers = era.table.headers
    assert headers[5].startswith("Total to ") and headers[-2:] == [
        "Published by CSIS (2018-03-28)",
        "Recorded under its rule (2018-03-28)",
    ]
    xi = next(r for r in era.table.rows if r[0] == "Xi Jinping")
    assert (xi[-2], str(xi[-1]), xi[-1].href) == (7, "9", f"/visits/?figure={figure('xi').pk}")


def figure(era_slug: str, metric: str = "total") -> PublishedFigure:
    return PublishedFigure.objects.get(era__slug=era_slug, metric=metric)


def test_home_queries_pinned_cold_and_warm(client, seeded, django_assert_num_queries):
    cache.clear()
    # version, form (2), window (2), comparison (4), finding (5), gaps (2), timeline, marks,
    # the citation in base.html (version, countries, scheme) and its release (version),
    # and the page cache's published version
    with django_assert_num_queries(23):
        client.get("/")
    with django_assert_num_queries(1):  # the whole page from the cache, by the version
        assert client.get("/").status_code == 200
    client.cookies["sessionid"] = "a reader's session"  # pages for a session are not cached
    with django_assert_num_queries(4):  # the figures, tables and finding from the cache
        assert client.get("/").status_code == 200


def test_compare_queries_pinned(client, seeded, django_assert_num_queries):
    cache.clear()
    url = "/compare/?scheme=dprk-supreme-leader&exclude_kind=event&min_confidence=medium"
    with django_assert_num_queries(19):  # no published figure under this scheme: no finding
        client.get(url)
    with django_assert_num_queries(1):  # the page cache
        client.get(url)


def test_home_queries_do_not_grow_with_visits(client, seeded, django_assert_num_queries):
    for i in range(50):
        VisitFactory(start_date=dt.date(1990, 1, 1) + dt.timedelta(days=30 * i))
    cache.clear()
    with django_assert_num_queries(23):
        assert client.get("/").status_code == 200


def test_a_write_through_the_service_shows_on_the_next_read(client, seeded):
    assert "Xi Jinping 7 published, 9 recorded here" in client.get("/").content.decode()
    parade = Visit.objects.get(start_date=dt.date(2015, 9, 2), visitor_country="PRK")
    services.unpublish_visits(user=user_in("Editors"), visits=[parade])
    page = client.get("/").content.decode()
    assert "Xi Jinping 7 published, 8 recorded here" in page


def test_compare_kind_and_confidence_controls_narrow_every_count(client, seeded):
    query = "as_of=2018-03-28&exclude_kind=event,transit&min_confidence=medium"
    response = client.get(f"/compare/?{query}")
    xi = next(r for r in response.context["comparison"].rows if r.slug == "xi")
    expected = (
        Visit.objects.published()
        .for_pair("CHN", "PRK")
        .exclude(kind__in=["event", "transit"])
        .confidence_at_least("medium")
        .filter(figure_q(figure("xi")))
        .count()
    )
    assert xi.total == expected == 6
    checked = re.findall(
        r'<input type="checkbox" name="exclude_kind" value="(\w+)"[^>]*checked', page(response)
    )
    assert checked == ["event", "transit"]
    repeated = client.get("/compare/?as_of=2018-03-28&exclude_kind=event&exclude_kind=transit")
    assert next(r for r in repeated.context["comparison"].rows if r.slug == "xi").total == 6
    rows = list(
        csv.reader(io.StringIO(client.get(f"/compare/era-comparison.csv?{query}").content.decode()))
    )
    assert next(r for r in rows if r[0] == "Xi Jinping")[5] == "6"
    assert client.get("/compare/?exclude_kind=parade").status_code == 400


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
        "Published CHN → PRK (CSIS, 2018-03-28)",
        "Recorded under its rule",
        "Published PRK → CHN (CSIS, 2018-03-28)",
        "Recorded under its rule",
    ]
    assert ["Hu Jintao", "1", "6", "1", "1", "6", "6"] in rows
    finding = list(
        csv.reader(io.StringIO(client.get(f"/compare/finding.csv?{query}").content.decode()))
    )
    xi = next(r for r in finding if r[0] == "Xi Jinping")
    assert xi[1:5] == ["All visits, minister or above", "5.36", "7", "9"]
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
    visit = Visit.objects.get(visitor__name="Zhou Enlai", start_date=dt.date(1970, 4, 1))
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "April 1970" in page and "1 April 1970" not in page
    assert "date known to the month" in page
    assert visit.sources.first().url in page
    assert "Cite this record" in page and f"record {visit.pk}" in page
    assert "China: paramount leaders: <a" in page
    draft = VisitFactory(status=Status.DRAFT)
    assert client.get(f"/visits/{draft.pk}/").status_code == 404


def test_person_era_about_pages(client, seeded):
    person = client.get("/people/kim-jong-il/").content.decode()
    assert "Visits made" in person and 'id="fig-person-timeline"' in person
    assert (
        'data-chart="person-timeline"' in person
        and "/people/kim-jong-il/person-timeline.csv" in person
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/people/kim-jong-il/person-timeline.csv").content.decode())
        )
    )
    assert rows[0] == ["Date", "Visit", "Visitor", "Direction"]
    assert (
        len(rows) - 1
        == Visit.objects.published().filter(visitor__slug="kim-jong-il").count()
        + Visit.objects.published().filter(hosts__slug="kim-jong-il").count()
    )
    era = client.get("/eras/china-paramount/hu/")
    assert era.status_code == 200
    hu = Visit.objects.published().filter(
        start_date__gte=dt.date(2002, 11, 15), start_date__lt=dt.date(2012, 11, 15)
    )
    assert era.context["visits"].total == hu.count()
    assert era.context["visits"].listed == list(hu.order_by("start_date", "pk")[:50])
    era_page = era.content.decode()
    assert 'id="fig-era-levels"' in era_page and "Head of government" in era_page
    assert "head_of_government" not in era_page
    levels = list(
        csv.reader(
            io.StringIO(client.get("/eras/china-paramount/hu/era-levels.csv").content.decode())
        )
    )
    assert sum(int(r[-1]) for r in levels[1:]) == hu.count()
    about = client.get("/about/").content.decode()
    for text in [
        "Minister of Foreign Affairs or above",
        "exclusive",
        "ambiguous",
        "Mr. and Mrs. Kim Go to Beijing",
        "How to cite",
        "does not say which count is wrong",
        f"/visits/?figure={figure('xi').pk}&amp;multilateral=true",
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


def page(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("n", [3, 300])
def test_person_page_queries_do_not_grow_with_visits(
    client, countries, n, django_assert_num_queries
):
    from tests.factories import PersonFactory, bulk_visits

    person = PersonFactory(name="Frequent Visitor")
    bulk_visits(n, [person], dt.date(1960, 1, 1), step_days=30, status=Status.PUBLISHED)
    with django_assert_num_queries(PERSON_QUERIES):
        response = client.get(f"/people/{person.slug}/")
    assert len(response.context["visits"]) == n
    html = response.content.decode()
    assert f"Visits made ({n})" in html
    for visit in response.context["visits"]:  # list, table and chart link each visit
        assert html.count(f'"{visit.get_absolute_url()}"') == 3
        assert f'<a href="{visit.get_absolute_url()}">{visit.date_label}</a>: to ' in html
    assert "<h2>Visits hosted (0)</h2>\n<ul><li>None recorded.</li></ul>" in html


ERA_QUERIES = 8  # era, summary counts, first visits, data version, citation (2), release,
# the page cache's version


@pytest.mark.parametrize("n", [3, 120])
def test_era_page_counts_from_the_summary_and_lists_the_first_visits(
    client, countries, n, django_assert_num_queries
):
    from tests.factories import EraFactory, PersonFactory, bulk_visits

    era = EraFactory(slug="long", start_date=dt.date(1960, 1, 1), end_date=dt.date(2000, 1, 1))
    people = [PersonFactory(name="Often"), PersonFactory(name="Rarely")]
    bulk_visits(n, people, dt.date(1960, 1, 1), step_days=30, status=Status.PUBLISHED)
    bulk_visits(
        2,
        people,
        dt.date(1970, 1, 1),
        level=Level.LEADER,
        visitor_country_id="PRK",
        host_country_id="CHN",
        status=Status.PUBLISHED,
    )
    bulk_visits(1, people, dt.date(1959, 12, 31), status=Status.PUBLISHED)  # before the era
    bulk_visits(1, people, dt.date(2000, 1, 1), status=Status.PUBLISHED)  # on its end: after
    bulk_visits(1, people, dt.date(1980, 1, 1), status=Status.DRAFT)
    summary.rebuild()  # bulk_create skips the write path that keeps the summary
    with django_assert_num_queries(ERA_QUERIES):
        response = client.get(era.get_absolute_url())
    live = Visit.objects.published().filter(
        start_date__gte=era.start_date, start_date__lt=era.end_date
    )
    listed = response.context["visits"]
    assert listed.total == live.count() == n + 2
    assert listed.listed == list(live.order_by("start_date", "pk")[:50])
    assert listed.more == max(n + 2 - 50, 0)
    assert era_page.level_counts(era) == stats.level_counts(live)
    html = page(response)
    assert f"<h2>Visits ({n + 2})</h2>" in html
    more = f'<a href="/visits/?scheme=test-scheme&amp;era=long">and {n + 2 - 50} more</a>'
    assert (more in html) == (n > 50)
    table = list(
        csv.reader(io.StringIO(page(client.get(f"{era.get_absolute_url()}era-levels.csv"))))
    )
    assert sum(int(r[-1]) for r in table[1:]) == n + 2


def test_visit_url_is_what_reverse_gives(seeded):
    from django.urls import reverse

    from visits.links import visit_url

    for pk in [1, 42, *Visit.objects.values_list("pk", flat=True)[:3]]:
        assert visit_url(pk) == reverse("visit-detail", args=[pk])


def test_chart_table_rows_escape_and_link(seeded):
    from django.template import Context, Template

    from visits.tables import Link, Table

    table = Table(["a", "b", "c"], [["<X>", Link("t&1", "/v/?a=1&b=2"), 5.36], [None, 2, ""]])
    html = Template("{% load chart_tables %}{% table_rows t %}").render(Context({"t": table}))
    assert html == (
        '<tr><th scope="row">&lt;X&gt;</th><td><a href="/v/?a=1&amp;b=2">t&amp;1</a></td>'
        '<td>5.36</td></tr><tr><th scope="row">None</th><td>2</td><td></td></tr>'
    )


PERSON_QUERIES = 8  # person, visits made, hosted, data version, citation (2), release,
# the page cache's version


def test_about_shows_the_codebook_from_its_file(client, db):
    from visits.codebook import CODEBOOK

    about = client.get("/about/").content.decode()
    assert '<section class="codebook" aria-labelledby="codebook">' in about
    assert '<h2 id="codebook">Codebook</h2>' in about
    assert '<h3 id="codebook-sources">Sources</h3>' in about  # not the page's own #sources
    assert about.count('id="sources"') == 1
    row = "<td>Premier (Zhou Enlai, Hua Guofeng, Li Peng, Zhu Rongji, Wen Jiabao, Li Keqiang, Li Qiang)</td>"
    assert row in about
    assert "Premier (Zhou Enlai" in CODEBOOK.read_text(encoding="utf-8")


def test_visit_page_shows_notes_and_the_multilateral_flag(client, countries):
    visit = VisitFactory(kind="event", multilateral=True, notes="KCNA gives 2-4 September.")
    page = client.get(f"/visits/{visit.pk}/").content.decode()
    assert "at a multilateral event" in page and "KCNA gives 2-4 September." in page
