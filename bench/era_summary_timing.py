"""Time the era comparisons against their raw SQL floor, in-process (no HTTP server).

    DATABASE_URL=postgres://... python bench/era_summary_timing.py

For the one-pair comparison the floor is the live aggregate's SQL (what
era_comparison ran before the era summary) run directly with psycopg2; the
comparison itself now reads the summary plus the as-of year. Medians of 15 runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from visits import stats  # noqa: E402
from visits.models import Visit  # noqa: E402

RUNS = 15


def median_ms(work) -> float:
    work()  # warm
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def raw_ms(sql: str) -> float:
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    return median_ms(run)


def main() -> None:
    pair, scheme = ("CHN", "PRK"), "china-paramount"
    print(f"visits: {Visit.objects.count():,}")
    with CaptureQueriesContext(connection) as live:
        stats.era_comparison(pair=pair, scheme=scheme, visits=Visit.objects.published())
    floor = raw_ms(live.captured_queries[-1]["sql"])
    rows = [
        ("one pair, raw SQL floor (live aggregate)", floor),
        (
            "one pair, era_comparison (live, before)",
            median_ms(
                lambda: stats.era_comparison(
                    pair=pair, scheme=scheme, visits=Visit.objects.published()
                )
            ),
        ),
        (
            "one pair, era_comparison (summary)",
            median_ms(lambda: stats.era_comparison(pair=pair, scheme=scheme)),
        ),
        (
            "all pairs, partner_comparison (summary)",
            median_ms(lambda: stats.partner_comparison(scheme=scheme)),
        ),
        (
            "all pairs, partner_comparison (live)",
            median_ms(
                lambda: stats.partner_comparison(scheme=scheme, visits=Visit.objects.published())
            ),
        ),
    ]
    client = Client(HTTP_HOST="localhost")
    for url in (
        "/api/v1/stats/era-comparison/?pair=CHN,PRK&scheme=china-paramount",
        "/api/v1/stats/era-comparison/?scheme=china-paramount",
        "/partners/",
    ):
        assert client.get(url).status_code == 200, url
        rows.append((f"GET {url} (test client)", median_ms(lambda url=url: client.get(url))))
    for name, ms in rows:
        print(f"{name:<75} {ms:8.1f} ms  {ms / floor:5.2f}x floor")


if __name__ == "__main__":
    main()
