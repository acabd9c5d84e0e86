"""The era summary stays what rebuild() computes, whatever the write path does; the
comparisons it feeds equal a live count over the visits."""

import datetime as dt
import random

import pytest

from tests.factories import CountryFactory, EraFactory, PersonFactory, SchemeFactory
from visits import services, summary
from visits.importing import import_rows
from visits.models import Era, EraCount, Level, Precision, Status, Visit
from visits.services.imports import SummaryMoves
from visits.stats import era_comparison, partner_comparison

pytestmark = pytest.mark.django_db
D = dt.date
SOURCE = [{"url": "https://example.org/s", "title": "S"}]


@pytest.fixture
def world():
    for code in ("CHN", "PRK", "USA"):
        CountryFactory(code=code)
    scheme = SchemeFactory()
    EraFactory(scheme=scheme, slug="a", start_date=D(2000, 3, 1), end_date=D(2005, 7, 1))
    EraFactory(scheme=scheme, slug="b", start_date=D(2005, 7, 1), end_date=D(2008, 1, 1))
    EraFactory(scheme=scheme, slug="c", start_date=D(2009, 1, 1))
    SchemeFactory(slug="no-eras", name="No eras")  # every visit outside
    return [PersonFactory() for _ in range(3)]


def stored() -> dict:
    rows = EraCount.objects.exclude(n=0).values_list(*summary.KEY, "n")
    return {tuple(row[:-1]): row[-1] for row in rows}


def assert_current():
    kept = stored()
    summary.rebuild()
    assert kept == stored()


def random_values(rng: random.Random, people) -> dict:
    visitor, host = rng.sample(["CHN", "PRK", "USA"], 2)
    precision = rng.choice([Precision.DAY, Precision.MONTH, Precision.YEAR])
    day = D(rng.randrange(1998, 2012), rng.randrange(1, 13), rng.randrange(1, 29))
    if precision != Precision.DAY:
        day = day.replace(day=1, month=day.month if precision == Precision.MONTH else 1)
    return {
        "start_date": day,
        "date_precision": precision,
        "visitor": rng.choice(people),
        "visitor_country_id": visitor,
        "host_country_id": host,
        "level": rng.choice(list(Level)),
        "status": rng.choice([Status.DRAFT, Status.PUBLISHED]),
    }


def random_write(rng: random.Random, people) -> None:
    visits = list(Visit.objects.order_by("pk"))
    step = rng.choice(["create", "create", "update", "publish", "unpublish", "revert", "delete"])
    if step == "create" or not visits:
        services.create_visit(
            user=None, values=random_values(rng, people), sources=SOURCE, confirm_duplicate=True
        )
        return
    visit = rng.choice(visits)
    if step == "update":
        values = random_values(rng, people)
        keep = rng.sample(list(values), rng.randrange(1, len(values)))
        if "start_date" in keep or "date_precision" in keep:  # valid only together
            keep += ["start_date", "date_precision"]
        if "visitor_country_id" in keep or "host_country_id" in keep:
            keep += ["visitor_country_id", "host_country_id"]
        values = {k: v for k, v in values.items() if k in keep}
        services.update_visit(user=None, visit=visit, values=values, confirm_duplicate=True)
    elif step == "publish":
        services.publish_visits(user=None, visits=[visit])
    elif step == "unpublish":
        services.unpublish_visits(user=None, visits=[visit])
    elif step == "revert":
        history = list(Visit.history.filter(id=visit.pk).values_list("history_id", flat=True))
        services.revert_visit(user=None, visit=visit, history_id=rng.choice(history))
    else:
        services.delete_visit(user=None, visit=visit)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_write_keeps_the_summary_equal_to_a_rebuild(world, seed):
    rng = random.Random(seed)
    for _ in range(40):
        random_write(rng, world)
        assert_current()
    assert stored(), "the sequence published something"


# Moved once, or every 7 visits; with upserts of 5 rows at most (on PostgreSQL the
# summary's moves are then COPYed and upserted at once, as an import's are).
@pytest.mark.parametrize(("held", "upsert"), [(SummaryMoves.LIMIT, 1000), (7, 1000), (7, 5)])
def test_an_import_keeps_the_summary_equal_to_a_rebuild(world, monkeypatch, held, upsert):
    monkeypatch.setattr(SummaryMoves, "LIMIT", held)
    monkeypatch.setattr(summary, "UPSERT_ROWS", upsert)
    rows = [
        {
            "start_date": f"{2000 + i % 12}-{1 + i % 12:02d}" if i % 3 else f"{2000 + i % 12}",
            "visitor": f"Person {i}",
            "visitor_country": "CHN" if i % 2 else "PRK",
            "host_country": "PRK" if i % 2 else "CHN",
            "level": ["leader", "minister", "senior"][i % 3],
            "source_url": f"https://example.org/{i}",
            "status": "published" if i % 5 else "draft",
            "external_id": f"x{i}",
        }
        for i in range(60)
    ]
    report = import_rows(rows, batch_size=10)
    assert report.written, report.errors
    assert_current()
    assert sum(stored().values()) == 2 * 48  # two schemes, 48 published
    changed = [{**row, "level": "leader", "start_date": "2010"} for row in rows[:20]]
    again = import_rows(changed, batch_size=10)
    assert again.written, again.errors
    assert_current()


def test_an_era_saved_or_deleted_rebuilds_its_scheme(world):
    day = D(2008, 6, 1)  # in no era of the test scheme
    services.create_visit(
        user=None,
        values={**random_values(random.Random(1), world), "start_date": day, "status": "published"},
        sources=SOURCE,
        confirm_duplicate=True,
    )
    gap = EraFactory(scheme=SchemeFactory(), slug="gap", start_date=D(2008, 1, 1), end_date=day)
    assert EraCount.objects.filter(era=None, scheme__slug="test-scheme", n=1).exists()
    gap.end_date = D(2009, 1, 1)
    gap.save()
    assert EraCount.objects.get(era=gap).n == 1
    assert_current()
    Era.objects.get(pk=gap.pk).delete()
    assert EraCount.objects.filter(era=None, scheme__slug="test-scheme", n=1).exists()
    assert_current()


AS_OF = [
    D(2004, 2, 29),
    D(2005, 6, 30),
    D(2005, 7, 1),
    D(2008, 12, 31),
    D(2009, 1, 1),
    D(2011, 8, 15),
]


@pytest.mark.parametrize("seed", [4, 5])
def test_comparisons_from_the_summary_equal_live_counts(world, seed):
    rng = random.Random(seed)
    for _ in range(80):
        values = random_values(rng, world)
        services.create_visit(user=None, values=values, sources=SOURCE, confirm_duplicate=True)
    published = Visit.objects.published()
    for as_of in AS_OF:
        for level in (Level.UNKNOWN, Level.MINISTER, Level.LEADER):
            common = {"scheme": "test-scheme", "min_level": level, "as_of": as_of}
            for pair in (("CHN", "PRK"), ("USA", "CHN")):
                for window in (None, 1, 3):
                    fast = era_comparison(pair=pair, window=window, **common)
                    assert fast == era_comparison(
                        pair=pair, window=window, visits=published, **common
                    )
            fast = partner_comparison(**common)
            assert fast == partner_comparison(visits=published, **common)
            assert sum(e.total for e in fast.eras) + sum(p.total for p in fast.outside) == (
                published.at_least(level).as_of(as_of).filter(visitor_country="CHN").count()
                + published.at_least(level).as_of(as_of).filter(host_country="CHN").count()
            )
