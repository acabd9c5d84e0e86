"""The partners page: every partner of a scheme's country, era by era."""

import pytest

from visits.models import Visit

pytestmark = pytest.mark.django_db


def test_partners_page_ranks_partners_per_era(client, seeded, django_assert_num_queries):
    with django_assert_num_queries(7):  # schemes; scheme, eras, one count, country names;
        # release, the page cache's version
        response = client.get("/partners/?as_of=2018-03-28")
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.scheme == "china-paramount" and comparison.country == "CHN"
    hu = next(e for e in comparison.eras if e.slug == "hu")
    assert (hu.partners[0].country, hu.partners[0].directions) == (
        "PRK",
        {"CHN-PRK": 31, "PRK-CHN": 26},
    )
    abroad = Visit.objects.published().filter(
        visitor_country="CHN", level__gte=20, start_date__range=("2002-11-15", "2012-11-14")
    )
    others = {p.country: p.directions[f"CHN-{p.country}"] for p in hu.partners[1:]}
    assert sum(others.values()) == abroad.exclude(host_country="PRK").count() > 50
    assert others["RUS"] == abroad.filter(host_country="RUS").count()
    html = response.content.decode()
    assert '<th scope="row">North Korea</th><td>57</td><td>31</td><td>26</td><td>1 / 6</td>' in html
    assert 'href="/partners/"' in html  # the nav link


def test_partners_page_takes_another_scheme(client, seeded):
    response = client.get("/partners/?scheme=dprk-supreme-leader&min_level=leader")
    comparison = response.context["comparison"]
    assert (comparison.country, comparison.min_level) == ("PRK", "leader")
    assert all(
        set(p.directions) == {"PRK-CHN", "CHN-PRK"} for e in comparison.eras for p in e.partners
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [("scheme=nope", "scheme"), ("min_level=king", "min_level"), ("as_of=soon", "as_of")],
)
def test_partners_page_bad_parameters_are_400_naming_them(client, seeded, query, name):
    response = client.get(f"/partners/?{query}")
    assert response.status_code == 400
    assert name in response.context["errors"]
