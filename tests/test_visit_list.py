"""The /visits/ page: several values and exclusion, errors beside their field,
unknown parameters, selects offering what exists, count and facet links."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict

from tests.factories import VisitFactory
from visits.models import Level, Status, Visit

pytestmark = pytest.mark.django_db
PAGE = "/visits/"
COLD = 14  # with the page cache's version


def shown(response) -> list[int]:
    return [v.pk for v in response.context["page"]]


def test_several_values_exclusion_and_min_confidence(client, seeded):
    published = Visit.objects.published()
    response = client.get(f"{PAGE}?kind=official,state&exclude_confidence=low&min_level=leader")
    assert response.status_code == 200
    expected = published.filter(kind__in=["official", "state"], level__gte=Level.LEADER).exclude(
        confidence="low"
    )
    assert response.context["page"].paginator.count == expected.count() > 0
    low = client.get(f"{PAGE}?min_confidence=medium&exclude_kind=event&exclude_kind=transit")
    assert low.context["page"].paginator.count == (
        published.exclude(confidence="low").exclude(kind__in=["event", "transit"]).count()
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=2018-13", "date_from", "2018-13"),
        ("era=xi", "era", "needs scheme"),
        ("scheme=china-paramount&era=xi-jin", "era", "no era &#x27;xi-jin&#x27; in scheme"),
        ("scheme=nope", "scheme", "unknown era scheme"),
        ("kind=picnic", "kind", "unknown value &#x27;picnic&#x27;"),
        ("figure=999", "figure", "no published figure &#x27;999&#x27;"),
    ],
)
def test_errors_are_400_beside_their_field(client, seeded, query, field, message):
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert field in response.context["filter"].form.errors
    page = response.content.decode()
    beside = re.search(rf'<p class="error" role="alert" id="{field}-error">([^<]*)</p>', page)
    assert beside and message in beside.group(1)
    assert "0 visits." in page and response.context["facets"] == []


@pytest.mark.parametrize("query", ["kinds=event", "start_date__gte=2000", "kind=state&Q=kim"])
def test_unknown_parameters_are_400_and_named(client, seeded, query):
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    name = query.rpartition("&")[2].partition("=")[0]
    errors = response.context["filter"].form.non_field_errors()
    assert len(errors) == 1 and errors[0].startswith(f"{name}: unknown parameter;")
    assert f"<li>{name}: unknown parameter;" in response.content.decode()
    assert client.get(f"{PAGE}?kind=state&sort=-level&page=1").status_code == 200


def test_either_era_slug_resolves_in_every_scheme(client, seeded):
    short = client.get(f"{PAGE}?scheme=china-paramount&era=xi")
    full = client.get(f"{PAGE}?scheme=china-paramount&era=xi-jinping")
    assert shown(short) == shown(full) and short.context["page"].paginator.count > 0
    head = client.get(f"{PAGE}?scheme=china-head-of-state&era=xi-jinping")
    assert head.status_code == 200
    assert 0 < head.context["page"].paginator.count < short.context["page"].paginator.count
    page = full.content.decode()
    assert '<option value="xi" selected>Xi Jinping</option>' in page


def test_selects_offer_schemes_eras_figures_and_countries_with_visits(client, seeded):
    VisitFactory(
        visitor_country_id="TUV",
        host_country_id="NRU",
        status=Status.DRAFT,
        start_date=dt.date(2001, 1, 1),
    )
    form = client.get(PAGE).context["filter"].form
    countries = [code for code, _ in form.fields["visitor_country"].widget.choices]
    published = Visit.objects.published()
    with_visits = set(published.values_list("visitor_country", flat=True)) | set(
        published.values_list("host_country", flat=True)
    )
    assert set(countries) == with_visits and {"CHN", "PRK", "USA"} <= set(countries)
    assert not {"TUV", "NRU"} & set(countries)  # their only visit is a draft
    assert [s for s, _ in form.fields["scheme"].widget.choices] == [
        "",
        "china-head-of-state",
        "china-paramount",
        "dprk-supreme-leader",
    ]
    assert (
        len(form.fields["figure"].widget.choices) == 1 + 13
    )  # "—", CSIS's 6, Lowy's, ChinaPower's
    page = client.get(PAGE).content.decode()
    assert '<optgroup label="China: paramount leaders" data-scheme="china-paramount">' in page
    assert '<option value="kim-jong-un">Kim Jong-un</option>' in page


def test_count_and_facets_link_to_their_filter(client, seeded):
    response = client.get(f"{PAGE}?pair=CHN,PRK&min_level=leader")
    leaders = Visit.objects.published().for_pair("CHN", "PRK").filter(level=Level.LEADER)
    count = leaders.count()
    assert f"{count} visits." in response.content.decode()
    facets = {f.name: f for f in response.context["facets"]}
    assert list(facets) == ["level", "kind", "direction", "era", "year"]
    assert [(x.label, x.count) for x in facets["level"].links] == [("Leader", count)]
    directions = {x.label: x.count for x in facets["direction"].links}
    assert directions == {
        "PRK → CHN": leaders.filter(visitor_country="PRK").count(),
        "CHN → PRK": leaders.filter(visitor_country="CHN").count(),
    }
    assert sum(x.count for x in facets["era"].links) == count
    assert facets["era"].title == "Era (china-paramount)"
    assert sum(x.count for x in facets["year"].links) == count
    to_china = next(x for x in facets["direction"].links if x.label == "PRK → CHN")
    followed = client.get(f"{PAGE}{to_china.url}")
    assert followed.context["page"].paginator.count == to_china.count
    xi = next(x for x in facets["era"].links if x.label == "Xi Jinping")
    assert client.get(f"{PAGE}{xi.url}").context["page"].paginator.count == xi.count
    year = facets["year"].links[0]
    assert client.get(f"{PAGE}{year.url}").context["page"].paginator.count == year.count
    assert "page=" not in year.url and "min_level=leader" in year.url


def live_facets(visits, scheme: str) -> dict:
    from visits import stats
    from visits.facets import era_facet

    found = stats.facets(visits, ["level", "kind", "direction", "year"])
    return {**found, "era": era_facet(visits, scheme=scheme)}


def page_facets(response) -> dict:
    counts = response.context["page"].paginator.count, response.context["facets"]
    found = {f.name: [(x.label, x.count) for x in f.links] for f in counts[1]}
    return {"total": counts[0], **found}


@pytest.mark.parametrize(
    "query",
    ["", "?scheme=dprk-supreme-leader", "?level=leader", "?scheme=china-paramount&era=hu"],
)
def test_counts_equal_the_live_ones_with_and_without_filters(client, seeded, query):
    """Without a filter the counts come from the era summary (kind from the visits);
    with one, from the visits in one query: the same numbers either way, also after a
    write through the service."""
    from tests.factories import user_in
    from visits import listing, services
    from visits.filters import VisitFilter

    def expected() -> dict:
        params = QueryDict(query[1:])
        filterset = VisitFilter(params, Visit.objects.published())
        assert filterset.is_valid()
        scheme = params.get("scheme", "china-paramount")
        live = live_facets(filterset.qs, scheme)
        counts = listing.Counts(sum(c.count for c in live["level"]), live, scheme, live["era"])
        found = {
            f.name: [(x.label, x.count) for x in f.links] for f in listing.facets(params, counts)
        }
        return {"total": counts.total, **found}

    assert page_facets(client.get(f"{PAGE}{query}")) == expected()
    hu = Visit.objects.published().filter(start_date__year=2005).first()
    services.unpublish_visits(user=user_in("Editors"), visits=[hu])
    assert page_facets(client.get(f"{PAGE}{query}")) == expected()


def test_facet_of_a_chosen_scheme_and_selected_value(client, seeded):
    response = client.get(f"{PAGE}?scheme=dprk-supreme-leader&kind=state")
    facets = {f.name: f for f in response.context["facets"]}
    assert facets["era"].title == "Era (dprk-supreme-leader)"
    assert {x.label for x in facets["era"].links} <= {"Kim Il-sung", "Kim Jong-il", "Kim Jong-un"}
    assert [x.selected for x in facets["kind"].links] == [True]


def test_search_across_scripts_on_the_page(client, seeded):
    def found(query):
        return set(shown(client.get(PAGE, {"q": query, "sort": "start_date"})))

    latin = found("Kim Jong-il")
    for query in ("Kim Jong Il", "kimjongil", "KIM JONG-IL", "kim jong  il"):
        assert found(query) == latin, query
    published = Visit.objects.published()
    theirs = set(published.filter(visitor__slug="kim-jong-il").values_list("pk", flat=True)) | set(
        published.filter(hosts__slug="kim-jong-il").values_list("pk", flat=True)
    )
    assert found("김정일") == found("金正日") == theirs and len(theirs) > 30
    assert theirs < latin  # the Latin spelling also finds him named in a purpose


@pytest.mark.parametrize("n", [3, 300])
def test_queries_do_not_grow_with_visits_and_counts_come_from_the_cache(
    client, countries, n, django_assert_num_queries
):
    from tests.factories import PersonFactory, bulk_visits

    people = [PersonFactory() for _ in range(n)]  # visitors: no select lists them all
    bulk_visits(n, people, dt.date(1960, 1, 1), step_days=40, status=Status.PUBLISHED)
    cache.clear()
    # version (the counts' key, the citation), the scheme (none here, so no eras), the
    # facets (one GROUPING SETS query on PostgreSQL, else one per facet), the selects
    # (countries, schemes, figures, eras), the page, the release (version)
    facets = 1 if connection.vendor == "postgresql" else 4
    with django_assert_num_queries(COLD - 4 + facets):
        response = client.get(PAGE)
    assert response.context["page"].paginator.count == n
    assert f"{n} visits." in response.content.decode()
    assert '<select name="visitor"' not in response.content.decode()
    with django_assert_num_queries(1):  # the page from the page cache
        client.get(PAGE)
    with django_assert_num_queries(COLD - 5):  # for a session: the counts from the cache
        client.cookies["sessionid"] = "a reader's session"
        client.get(PAGE)


def test_visitor_suggestions_match_a_prefix_of_any_spelling(
    client, seeded, django_assert_num_queries
):
    with django_assert_num_queries(1):
        people = client.get("/people/suggest.json", {"q": "kim jong"}).json()["people"]
    names = [p["name"] for p in people]
    assert names == sorted(names) and {"Kim Jong-il", "Kim Jong-un"} <= set(names)
    assert all(n.replace("-", " ").lower().startswith("kim jong") for n in names)
    same = client.get("/people/suggest.json", {"q": "KIMJONG-"}).json()["people"]
    assert same == people
    assert client.get("/people/suggest.json", {"q": " -' "}).json() == {"people": []}


def test_visitor_suggestions_are_capped_and_public_only(
    client, countries, django_assert_num_queries
):
    from tests.factories import PersonFactory, bulk_visits

    shown = [PersonFactory(name=f"Suggested Person {i:02d}") for i in range(25)]
    bulk_visits(25, shown, dt.date(1990, 1, 1), status=Status.PUBLISHED)
    hidden = PersonFactory(name="Suggested Person 00 Draft")
    bulk_visits(1, [hidden], dt.date(1990, 1, 1), status=Status.DRAFT)
    with django_assert_num_queries(1):  # the same with 26 matches as with 3
        people = client.get("/people/suggest.json", {"q": "suggested"}).json()["people"]
    assert [p["name"] for p in people] == [p.name for p in shown[:20]]
    assert people[0] == {"name": "Suggested Person 00", "slug": shown[0].slug}


def test_visitor_box_has_a_datalist_and_no_inline_script(client, seeded):
    page = client.get("/visits/").content.decode()
    assert '<datalist id="visitor-suggestions" data-url="/people/suggest.json"></datalist>' in page
    assert 'id="id_visitor"' in page and "js/visit_list" in page
    assert not re.search(r"<script>(?!\s*</script>)", page)  # no inline code: a CSP is coming
