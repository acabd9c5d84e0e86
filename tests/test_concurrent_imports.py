"""Two imports at once, each on its own database connection (PostgreSQL): the
second waits for the first's lock, then plans against what it left. The final count
is exact and neither raises."""

import threading

import pytest
from django.db import connection, connections

from visits.importing import import_rows
from visits.models import DataVersion, Source, Visit
from visits.seeding import seed_countries


def rows(first: int, last: int) -> list[dict]:
    return [
        {
            "start_date": f"{1960 + n % 60}-{n % 12 + 1:02d}-01",
            "visitor": f"Visitor {n}",
            "visitor_country": "PRK",
            "host_country": "CHN",
            "source_url": f"https://example.org/{n}",
            "status": "published",
        }
        for n in range(first, last)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_at_once_leave_exact_counts():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    seed_countries()
    DataVersion.objects.all().delete()  # as after a flush: both writers find no row
    files = [rows(0, 1000), rows(500, 1500)]
    reports, failures = [], []
    start = threading.Barrier(2)

    def run(file):
        try:
            start.wait()
            reports.append(import_rows(file))
        except Exception as exc:  # the test reports it below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert failures == []
    assert sorted((r.created, r.unchanged) for r in reports) == [(500, 500), (1000, 0)]
    assert Visit.objects.count() == 1500
    assert Source.objects.count() == 1500
    assert Visit.history.count() == 1500
    assert DataVersion.current().version == 2
