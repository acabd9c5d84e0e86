"""Load N synthetic visits straight into the database (COPY, no import checks) for
timing the pages: the seed data, then `bench.synthetic` rows with their visitors,
hosts and one source each. Every 1,250th visit is made by one person
("Synthetic Person Frequent"), so that at 1,000,000 rows a person page shows 800
visits.

    DATABASE_URL=postgres://…/db python bench/page_data.py [N]   (default 1000000)
"""

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import django_for_bench  # noqa: E402

django_for_bench("summitry-bench-page-data.sqlite3")

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.text import slugify  # noqa: E402

from bench.synthetic import synthetic_rows  # noqa: E402
from visits.bulk import insert_many  # noqa: E402
from visits.dates import latest_possible_date  # noqa: E402
from visits.models import Level, Person, Source, Visit  # noqa: E402
from visits.querysets import search_key  # noqa: E402
from visits.seeding import seed  # noqa: E402

FREQUENT = "Synthetic Person Frequent"
EVERY = 1250
NOW = timezone.now()


def people_ids(names: set[str]) -> dict[str, int]:
    known = set(Person.objects.filter(name__in=names).values_list("name", flat=True))
    insert_many(
        Person,
        [
            {"name": n, "slug": slugify(n), "search_key": search_key(n)}
            for n in sorted(names - known)
        ],
    )
    return dict(Person.objects.filter(name__in=names).values_list("name", "pk"))


def visit_row(i: int, row: dict, people: dict) -> dict:
    day = dt.date.fromisoformat(row["start_date"])
    visitor = FREQUENT if i % EVERY == 0 else row["visitor"]
    return {
        "start_date": day,
        "end_date": dt.date.fromisoformat(row["end_date"]),
        "date_precision": "day",
        "start_latest": latest_possible_date(day, "day"),
        "visitor_id": people[visitor],
        "visitor_title": row["visitor_title"],
        "visitor_country_id": row["visitor_country"],
        "host_country_id": row["host_country"],
        "level": Level.from_slug(row["level"]),
        "places": row["places"],
        "purpose": row["purpose"],
        "confidence": row["confidence"],
        "status": row["status"],
        "external_id": row["external_id"],
        "created_at": NOW,
        "updated_at": NOW,
    }


def main(n: int) -> None:
    started = time.perf_counter()
    seed()
    rows = list(synthetic_rows(n))
    names = {r["visitor"] for r in rows} | {r["hosts"] for r in rows} | {FREQUENT}
    with transaction.atomic():
        people = people_ids(names)
        insert_many(Visit, (visit_row(i, r, people) for i, r in enumerate(rows)))
        ids = dict(
            Visit.objects.filter(external_id__startswith="synthetic-").values_list(
                "external_id", "pk"
            )
        )
        insert_many(
            Source,
            ({"visit_id": ids[r["external_id"]], "url": r["source_url"]} for r in rows),
        )
        through = Visit.hosts.through
        insert_many(
            through,
            ({"visit_id": ids[r["external_id"]], "person_id": people[r["hosts"]]} for r in rows),
        )
    print(f"{n} visits in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
