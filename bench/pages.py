"""Time the main pages and API calls on the seeded data (median of N runs).

    python bench/pages.py [N]        (default 20)

Uses DATABASE_URL if set, else a throwaway SQLite file in /tmp.
"""

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import django_for_bench  # noqa: E402

django_for_bench("summitry-bench-pages.sqlite3")

from django.test import Client  # noqa: E402

from visits.seeding import seed  # noqa: E402

URLS = [
    "/",
    "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader&min_level=senior",
    "/visits/",
    "/api/v1/stats/era-comparison/?pair=CHN,PRK&scheme=china-paramount&as_of=2018-03-28",
    "/api/v1/visits/?page_size=1000",
    "/api/v1/charts/timeline/?pair=CHN,PRK",
]


def main(runs: int) -> None:
    seed()
    client = Client(HTTP_HOST="localhost")
    for url in URLS:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{statistics.median(times):7.1f} ms  {url}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
