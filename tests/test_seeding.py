import datetime as dt

import pytest
from django.db import models, transaction
from django.db.models.fields import AutoFieldMixin

from tests.conftest import SEED_LOADS
from visits.models import Country, Era, Person, PublishedFigure, Source, Visit
from visits.querysets import search_key
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
    assert PublishedFigure.objects.count() == 6 + 7  # CSIS's; Lowy's and ChinaPower's
    assert Country.objects.get(code="CHN").region == "Asia"
    assert Country.objects.get(code="XKX").subregion == "Southern Europe"


def test_seed_is_idempotent(seeded):
    counts = [m.objects.count() for m in (Visit, Person, Source, Era, PublishedFigure)]
    history = [m.history.count() for m in (Visit, Era, Person, Source)]
    reports = seed()
    assert reports[0].created == reports[0].updated == 0
    assert [m.objects.count() for m in (Visit, Person, Source, Era, PublishedFigure)] == counts
    assert [m.history.count() for m in (Visit, Era, Person, Source)] == history


def test_sources_are_described_through_the_write_path(seeded):
    source = Source.objects.get(
        url="https://www.caixinglobal.com/2018-03-28/a-history-of-visits-by-north-korean-leaders-to-china-101227794.html",
        visit__start_date=dt.date(1953, 11, 12),
    )
    assert (source.title, source.publisher) == (
        "A History of Visits by North Korean Leaders to China",
        "Caixin Global",
    )
    assert source.published_date == dt.date(2018, 3, 28)
    assert source.history.filter(history_change_reason="sources described").exists()
    described = Visit.objects.published().filter(sources__publisher__gt="").distinct().count()
    assert described / Visit.objects.published().count() >= 0.8


@pytest.mark.parametrize(
    "spelling", ["金正日", "김정일", "Kim Jong Il", "kim chong-il", "Kim Chŏng-il", "KimJongIl"]
)
def test_a_person_is_found_by_any_script_or_romanisation(seeded, client, spelling):
    kim = Person.objects.get(name="Kim Jong-il")
    assert kim in Person.objects.filter(search_key__contains=search_key(spelling))
    page = client.get("/visits/", {"visitor": spelling})
    assert page.status_code == 200
    assert {v.visitor_id for v in page.context["page"].object_list} == {kim.pk}


def test_an_import_matches_a_person_by_native_name_or_alias(seeded):
    from visits.importing import import_rows

    count = Person.objects.count()
    rows = [
        {
            "start_date": "2030-01-02",
            "visitor": name,
            "visitor_country": "CHN",
            "host_country": "PRK",
            "external_id": f"test-{n}",
        }
        for n, name in enumerate(["习近平", "習近平"])
    ]
    report = import_rows(rows, dry_run=True, allow_duplicates=True)
    assert report.errors == [] and report.people_created == 0 and report.created == 2
    assert Person.objects.count() == count


def test_the_two_kim_yong_ils_are_two_people(seeded):
    premier = Person.objects.get(name="Kim Yong-il (premier)")
    official = Person.objects.get(name="Kim Yong-il")
    assert "金英日" in premier.aliases and "金永日" in official.aliases
    assert premier.visits.get().start_date == dt.date(2009, 3, 17)
    assert premier.hosted_visits.filter(visitor__name="Wen Jiabao").exists()


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


def contents(tables) -> dict:
    """Each table's rows without what differs between two writes of the same data:
    generated ids (a history row's copy of one, foreign keys to them) and timestamps."""

    def generated(field) -> bool:
        return isinstance(field, AutoFieldMixin) or field.name == "id"

    def kept(field) -> bool:
        target = field.related_model._meta.pk if field.is_relation else None
        return not (
            generated(field)
            or isinstance(field, models.DateTimeField)
            or (target is not None and generated(target))
        )

    out = {}
    for model in tables:
        names = [f.attname for f in model._meta.concrete_fields if kept(f)]
        rows = model._base_manager.values_list(*names) if names else model._base_manager.all()
        out[model.__name__] = sorted(map(repr, rows)) if names else rows.count()
    return out


def visit_hosts() -> list:
    return sorted(
        Visit.hosts.through.objects.values_list(
            "visit__start_date", "visit__visitor__slug", "person__slug"
        )
    )


def test_seeded_writes_exactly_what_seed_writes(db, seed_snapshot):
    tables = list(seed_snapshot.captures[0].before)
    assert {Country, Person, Visit, Source, Era, PublishedFigure} <= set(tables)
    with transaction.atomic():
        seed()
        written, hosts = contents(tables), visit_hosts()
        transaction.set_rollback(True)
    assert Visit.objects.count() == 0
    loads = dict(SEED_LOADS)
    seed_snapshot.load()
    assert SEED_LOADS["captured rows"] == loads["captured rows"] + 1
    assert contents(tables) == written
    assert visit_hosts() == hosts
    assert Visit.objects.count() == len(written["Visit"]) > 150


def test_seeded_after_other_writes_runs_seed_itself_then_remembers(db, seed_snapshot):
    tables = list(seed_snapshot.captures[0].before)
    runs = []
    for _ in range(2):
        with transaction.atomic():
            Country.objects.bulk_create([Country(code="CHN", name="Renamed earlier")])
            loads = dict(SEED_LOADS)
            seed_snapshot.load()
            runs.append(({k: SEED_LOADS[k] - n for k, n in loads.items()}, contents(tables)))
            assert Country.objects.get(code="CHN").name == "Renamed earlier"
            assert Country.objects.get(code="PRK").name == "North Korea"
            assert Visit.objects.count() > 150
            transaction.set_rollback(True)
    (first, written), (second, rewritten) = runs
    assert first == {"seed()": 1, "captured rows": 0}
    assert second == {"seed()": 0, "captured rows": 1}
    assert rewritten == written
