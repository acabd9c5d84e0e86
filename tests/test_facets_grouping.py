"""visits.facets.facets: stats.facets's answer, in one GROUPING SETS query on
PostgreSQL; and the API caches it under the data version."""

import pytest
from rest_framework.test import APIClient

from visits import stats
from visits.facets import facets
from visits.models import Visit

ALL = list(stats.FACETS)


def test_one_query_gives_stats_facets_answer(seeded, postgres_only, django_assert_num_queries):
    visits = Visit.objects.published()
    expected = stats.facets(visits, ALL)
    with django_assert_num_queries(1):
        assert facets(visits, ALL) == expected
    pair = visits.for_pair("CHN", "PRK").filter(level__gte=30)
    assert facets(pair, ["direction", "year", "level"]) == stats.facets(
        pair, ["direction", "year", "level"]
    )


def test_same_answer_on_any_database(seeded):
    visits = Visit.objects.published()
    assert facets(visits, ALL) == stats.facets(visits, ALL)
    assert facets(visits.none(), ["kind", "year"]) == {"kind": [], "year": []}


@pytest.mark.django_db
def test_api_facets_computed_once_per_data_version(seeded, django_assert_max_num_queries):
    api = APIClient()
    url = "/api/v1/stats/facets/?facet=level&facet=kind&facet=direction"
    first = api.get(url).json()
    with django_assert_max_num_queries(1):  # the data version's lookup only
        assert api.get(url).json() == first
    assert first["facets"]["direction"][0]["count"] > 0
    assert api.get(url + "&kind=state").json() != first
