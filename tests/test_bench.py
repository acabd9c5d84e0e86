"""The benchmark's own parts: synthetic rows, the Datasette side's SQL, the table."""

import csv
import datetime as dt
import math
from collections import Counter

import pytest

from bench import datasette_db, report
from bench.load import Download, Sample
from bench.synthetic import COUNTRIES, STAR, synthetic_rows, write_csv
from visits.eras import era_for
from visits.interchange import COLUMNS, CountryResolver, parse_rows
from visits.models import Level

RESOLVER = CountryResolver(codes=[(c,) for c in COUNTRIES])
ERAS = [
    ("mao", "1949-10-01", "1976-09-09"),
    ("hua", "1976-09-09", "1978-12-22"),
    ("deng", "1978-12-22", "1989-11-09"),
    ("xi", "2012-11-15", None),  # a gap 1989–2012: those visits are outside every era
]


@pytest.fixture(scope="module")
def rows():
    return list(synthetic_rows(8000))


def test_synthetic_rows_are_deterministic(rows):
    assert list(synthetic_rows(8000)) == rows
    assert list(synthetic_rows(8000, seed=2)) != rows


def test_synthetic_rows_are_valid_interchange(rows):
    assert list(rows[0]) == COLUMNS
    records, errors = parse_rows(rows, RESOLVER)
    assert errors == []
    assert len(records) == 8000
    assert {r.date_precision for r in records} == {"day", "month", "year"}
    assert max(len(r.sources) for r in records) == 3
    assert max(len(r.hosts) for r in records) == 3
    assert {r.status for r in records} == {"published"}
    assert len({r.level for r in records}) == len(Level)


def test_synthetic_rows_have_the_pair_both_ways_and_a_star(rows):
    directions = Counter((r["visitor_country"], r["host_country"]) for r in rows)
    assert directions["CHN", "PRK"] > 100
    assert directions["PRK", "CHN"] > 100
    visitors = Counter(r["visitor"] for r in rows)
    assert visitors[STAR] == 800
    assert len(visitors) > 300


def test_levels_agree_with_the_model():
    assert {level.slug: level.value for level in Level} == datasette_db.LEVELS


def test_one_pair_sql_counts_as_the_eras_rule_does(rows, tmp_path):
    db = datasette_db.build(write_csv(tmp_path / "v.csv", 8000), tmp_path / "v.db")
    assert db == 8000
    records, _ = parse_rows(rows, RESOLVER)
    spans = [Era(dt.date.fromisoformat(s), e and dt.date.fromisoformat(e)) for _, s, e in ERAS]
    expected = Counter()
    for r in records:
        pair = {r.visitor_country, r.host_country} == {"CHN", "PRK"}
        if pair and r.level >= Level.MINISTER:
            era = era_for(r.start_date, spans)
            expected[ERAS[spans.index(era)][0] if era else None] += 1
    import sqlite3

    with sqlite3.connect(tmp_path / "v.db") as conn:
        sql = datasette_db.one_pair_sql(ERAS, "CHN", "PRK", Level.MINISTER, "2030-01-01")
        got = {row[0]: row[1] for row in conn.execute(sql)}
    assert got == dict(expected)
    assert got[None] > 0  # the gap between deng and xi


class Era:
    def __init__(self, start_date, end_date):
        self.start_date, self.end_date = start_date, end_date


def test_markdown_table_escapes_pipes():
    table = report.markdown_table(["a", "b"], [["1", "x|y"]])
    assert table == "| a | b |\n| --- | --- |\n| 1 | x\\|y |"


def test_load_cell_and_ratio():
    sample = Sample(latencies=[0.010, 0.020, 0.030, 1.5], busy=2.0)
    assert report.load_cell(sample) == "25 ms / 1.5 s / 2.0 req/s"
    sample.errors.append("HTTP 500")
    assert report.load_cell(sample).endswith("**1 errors** (HTTP 500)")
    assert report.load_cell(None) == "n/a"
    assert report.ratio(10, 4) == "2.50×"
    assert report.ratio(10, 0) == "–"
    assert report.ratio(math.nan, 3) == "–"


def test_download_cell_says_loudly_when_an_export_is_truncated():
    whole = Download(200, 0.2, 4.0, 3 * 2**20, 20_001, 0)
    assert report.download_cell(whole, 20_000) == (
        "20,000 rows in 4.0 s, 5.0k rows/s, first byte 200 ms, 3 MiB"
    )
    cut = Download(200, 0.2, 4.0, 2**20, 7_001, 0)
    assert "**TRUNCATED: 7,000 of 20,000 rows**" in report.download_cell(cut, 20_000)


def test_write_csv_round_trips(tmp_path):
    path = write_csv(tmp_path / "rows.csv", 50)
    with open(path, encoding="utf-8", newline="") as handle:
        assert list(csv.DictReader(handle)) == list(synthetic_rows(50))


def test_readers_summary_pools_every_url_and_fails_on_errors_or_a_slow_p99():
    from bench.readers import failures, summary

    fast = Sample(latencies=[0.01] * 99 + [0.5], busy=10.0)
    slow = Sample(latencies=[0.02] * 98 + [1.0, 1.2], busy=10.0, errors=[])
    rows = summary({"/": fast, "/compare/": slow})
    overall = rows[-1]
    assert [r.url for r in rows] == ["/", "/compare/", "overall"]
    assert (rows[0].requests, rows[0].p50_ms, rows[0].p99_ms, rows[0].rate) == (100, 10, 500, 10)
    assert (overall.requests, overall.p50_ms, overall.p99_ms) == (200, 20, 1000)
    assert overall.rate == 20
    assert failures(rows) == ["overall p99 1000 ms >= 1000 ms"]  # a second is over budget
    assert failures(summary({"/": fast})) == []
    fast.errors.append("HTTP 503")
    assert failures(summary({"/": fast})) == ["1 errors on /"]


@pytest.mark.django_db
def test_the_write_floor_copies_every_table_an_import_adds_rows_to(countries):
    """bench.prepare.write_floor times the rows an import wrote, table by table (and
    the import ANALYZEs the same tables): a table the import writes and the list
    leaves out would make the floor too low."""
    from django.apps import apps

    from bench.prepare import written
    from visits.importing import import_rows
    from visits.seeding import seed_eras, seed_people

    seed_people()
    seed_eras()  # the era summary gets rows too
    models = [m for m in apps.get_app_config("visits").get_models(include_auto_created=True)]
    before = {m._meta.db_table: m.objects.count() for m in models}
    report = import_rows(synthetic_rows(300), allow_duplicates=True, skip_invalid=True)
    assert report.written and report.created > 250
    grown = {m._meta.db_table for m in models if m.objects.count() > before[m._meta.db_table]}
    assert grown == {table for table, _ in written()}
