"""The shipped China ⇄ DPRK data, read as plain CSV: coded by docs/codebook.md, every
visit sourced, sources described, text in our own words."""

import csv
from collections import Counter
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def rows(name: str) -> list[dict]:
    with open(FIXTURES / name, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


VISITS = rows("china_dprk_visits.csv")
SOURCES = {row["url"]: row for row in rows("sources.csv")}


def urls(visit: dict) -> list[str]:
    return [u.strip() for u in visit["source_url"].split(";") if u.strip()]


def test_every_visit_is_published_with_a_source_and_a_stable_id():
    assert len(VISITS) == 169
    assert all(v["status"] == "published" and urls(v) for v in VISITS)
    ids = [v["external_id"] for v in VISITS]
    assert len(set(ids)) == len(ids) and all(i.startswith("chn-prk-") for i in ids)


def test_at_least_80_percent_rest_on_a_described_source():
    described = {u for u, s in SOURCES.items() if s["title"] or s["publisher"]}
    assert all(u in SOURCES for v in VISITS for u in urls(v))
    share = sum(any(u in described for u in urls(v)) for v in VISITS) / len(VISITS)
    assert share >= 0.8, share


def test_other_is_rare_and_explained():
    kinds = Counter(v["kind"] for v in VISITS)
    assert kinds["other"] <= 0.05 * len(VISITS)
    assert all("Kind other" in v["notes"] for v in VISITS if v["kind"] == "other")


def test_purposes_carry_no_working_remarks():
    for visit in VISITS:
        purpose = visit["purpose"]
        assert purpose and "(" not in purpose and "Wikipedia" not in purpose, purpose


@pytest.mark.parametrize(
    ("visitor", "start", "field", "value"),
    [
        ("Choe Yong-gon", "1964-10", "level", "head_of_state"),  # head of state in 1964
        ("Kim Yong-il (premier)", "2009-03-17", "visitor_title", "Premier of the DPRK"),
        ("Kim Yong-il", "2010-02-23", "level", "minister"),  # the party official
    ],
)
def test_the_audits_rows(visitor, start, field, value):
    visit = next(v for v in VISITS if v["visitor"] == visitor and v["start_date"] == start)
    assert visit[field].startswith(value)
