"""Time importing N synthetic interchange rows into an empty database.

    python bench/import_100k.py [N]        (default 100000)

Uses DATABASE_URL if set, else a throwaway SQLite file in /tmp.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.setup import django_for_bench  # noqa: E402

django_for_bench("summitry-bench.sqlite3")

from bench.synthetic import synthetic_rows  # noqa: E402
from visits.importing import import_rows  # noqa: E402
from visits.seeding import seed_countries  # noqa: E402


def main(n: int) -> None:
    seed_countries()
    rows = list(synthetic_rows(n))
    started = time.perf_counter()
    # random rows overlap by chance, and a few repeat a visitor, direction and day
    report = import_rows(rows, allow_duplicates=True, skip_invalid=True)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = import_rows(rows, allow_duplicates=True, skip_invalid=True)
    second = time.perf_counter() - started
    print(f"{os.environ['DATABASE_URL'].split(':')[0]}: {n} rows")
    print(f"  first import:  {first:.1f} s  ({report.summary()})")
    print(f"  re-import:     {second:.1f} s  ({again.summary()})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
