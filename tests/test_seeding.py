import datetime as dt

import pytest

from visits.models import Country, Era, Person, PublishedFigure, Source, Visit
from visits.seeding import seed
from visits.stats import era_comparison

pytestmark = pytest.mark.django_db


def test_every_fixture_loads_against_current_migrations(seeded):
    assert (
        Country.objects.filter(code__in=["CHN", "PRK", "USA", "SUN", "DDR", "YUG", "CSK"]).count()
        == 7
    )
    assert Country.objects.get(code="SUN").is_former
    assert Era.objects.filter(scheme__slug="china-paramount").count() == 6
    assert Era.objects.filter(scheme__slug="dprk-supreme-leader").count() == 3
    assert Visit.objects.published().count() == Visit.objects.count() > 150
    assert not Visit.objects.filter(sources__isnull=True).exists()
    assert all(e.description and e.source_url for e in Era.objects.all())
    assert PublishedFigure.objects.count() == 6


def test_seed_is_idempotent(seeded):
    counts = [m.objects.count() for m in (Visit, Person, Source, Era, PublishedFigure)]
    history = [Visit.history.count(), Era.history.count(), Person.history.count()]
    reports = seed()
    assert reports[0].created == reports[0].updated == 0
    assert [m.objects.count() for m in (Visit, Person, Source, Era, PublishedFigure)] == counts
    assert [Visit.history.count(), Era.history.count(), Person.history.count()] == history


def test_csis_comparison_as_of_2018(seeded):
    result = era_comparison(
        pair=("CHN", "PRK"), scheme="china-paramount", as_of=dt.date(2018, 3, 28)
    )
    rows = {r.slug: r for r in result.rows}
    assert rows["hu"].leader_visits == {"CHN-PRK": 1, "PRK-CHN": 6}
    published = {
        r.slug: sorted(p.value for p in r.published if p.metric == "total") for r in result.rows
    }
    assert (published["mao"], published["hu"], published["xi"]) == ([21], [54], [7])
    hu_total = next(p for p in rows["hu"].published if p.metric == "total")
    assert hu_total.recorded == rows["hu"].total
