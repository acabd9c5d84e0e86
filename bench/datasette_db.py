"""The Datasette side of the benchmark: the same rows in a SQLite file, and the SQL
that computes what Summitry's era comparisons compute.

The table `visits` has Summitry's visit columns (dates as ISO text with their
precision and last possible day, level as its stored number) plus the interchange's
flat list columns (hosts, source_url, source_title), and the indexes of
visits.models.Visit.Meta.indexes and its db_index fields.
"""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from visits.dates import latest_possible_date, parse_date

# visits.models.Level, by slug (tests/test_bench.py checks they agree).
LEVELS = {
    "leader": 60,
    "head_of_state": 50,
    "head_of_government": 40,
    "senior": 30,
    "minister": 20,
    "sub_minister": 10,
    "unknown": 0,
}
# fmt: off
COLUMNS = [
    "start_date", "end_date", "date_precision", "start_latest", "visitor", "visitor_title",
    "visitor_country", "host_country", "level", "channel", "kind", "hosts", "places", "purpose",
    "source_url", "source_title", "confidence", "status", "external_id",
]
# fmt: on
SCHEMA = f"""
create table visits (id integer primary key, {", ".join(COLUMNS)});
"""
INDEXES = """
create index visits_pair_start on visits (visitor_country, host_country, start_date);
create index visits_level_start on visits (level, start_date);
create index visits_start on visits (start_date);
create index visits_status on visits (status);
create unique index visits_external_id on visits (external_id);
"""


def visit_values(row: dict[str, str]) -> tuple:
    """One interchange row as the table's values, in COLUMNS order."""
    start, precision = parse_date(row["start_date"])
    derived = {
        "start_date": start.isoformat(),
        "end_date": row["end_date"] or None,
        "date_precision": precision,
        "start_latest": latest_possible_date(start, precision).isoformat(),
        "level": LEVELS[row["level"] or "unknown"],
    }
    return tuple(derived[c] if c in derived else row[c] for c in COLUMNS)


def build(csv_path: Path, db_path: Path) -> int:
    """Write a fresh SQLite file from an interchange CSV; returns the row count."""
    db_path.unlink(missing_ok=True)
    db = sqlite3.connect(db_path)
    try:
        db.executescript("pragma journal_mode=off; pragma synchronous=off;" + SCHEMA)
        insert = (
            f"insert into visits ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})"
        )
        with open(csv_path, encoding="utf-8", newline="") as handle:
            db.executemany(insert, (visit_values(r) for r in csv.DictReader(handle)))
        db.executescript(INDEXES + "analyze;")
        db.commit()
        return db.execute("select count(*) from visits").fetchone()[0]
    finally:
        db.close()


Era = tuple[str, str, str | None]  # slug, start date, end date (exclusive) or None


def _eras_cte(eras: Sequence[Era]) -> str:
    values = ", ".join(
        f"('{slug}', '{start}', " + (f"'{end}')" if end else "null)") for slug, start, end in eras
    )
    return f"eras (slug, start_date, end_date) as (values {values})"


def _in_era(alias: str = "v") -> str:
    return (
        f"{alias}.start_date >= e.start_date"
        f" and (e.end_date is null or {alias}.start_date < e.end_date)"
    )


def one_pair_sql(eras: Sequence[Era], a: str, b: str, min_level: int, as_of: str) -> str:
    """Per era (null: outside every era): total, each direction, leader-level visits
    by direction, ambiguous: the counts of stats.era_comparison."""
    ab = f"v.visitor_country = '{a}' and v.host_country = '{b}'"
    ba = f"v.visitor_country = '{b}' and v.host_country = '{a}'"
    return f"""with {_eras_cte(eras)}
select e.slug as era, count(*) as total,
  sum({ab}) as "{a}-{b}", sum({ba}) as "{b}-{a}",
  sum({ab} and v.level = 60) as "leader {a}-{b}",
  sum({ba} and v.level = 60) as "leader {b}-{a}",
  sum(e.end_date is not null and v.start_latest >= e.end_date) as ambiguous
from visits v left join eras e on {_in_era()}
where (({ab}) or ({ba})) and v.status = 'published'
  and v.level >= {min_level} and v.start_date <= '{as_of}'
group by e.slug order by min(e.start_date)"""


def all_pairs_sql(eras: Sequence[Era], country: str, min_level: int, as_of: str) -> str:
    """Per era and partner country of `country`: visits out, visits in."""
    return f"""with {_eras_cte(eras)}
select e.slug as era,
  case when v.visitor_country = '{country}' then v.host_country else v.visitor_country end
    as partner,
  sum(v.visitor_country = '{country}') as outgoing, sum(v.host_country = '{country}') as incoming
from eras e join visits v on {_in_era()}
where (v.visitor_country = '{country}' or v.host_country = '{country}')
  and v.status = 'published' and v.level >= {min_level} and v.start_date <= '{as_of}'
group by e.slug, partner order by e.start_date, partner"""
