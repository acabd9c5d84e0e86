"""Time `import_visits` of N synthetic rows into an empty database, and COPY of the
same rows as the floor; print rows/s and the import's peak RSS.

    python bench/imports.py [N]        (default 200000)

Uses DATABASE_URL if set, else a throwaway SQLite file in /tmp. The CSV is written
to /tmp; the import runs in a child process (`manage.py import_visits`), so its
peak RSS is its own.
"""

import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.setup import django_for_bench  # noqa: E402

django_for_bench("summitry-bench.sqlite3")

from django.db import connection  # noqa: E402

from bench.synthetic import synthetic_rows  # noqa: E402
from visits.interchange import COLUMNS  # noqa: E402
from visits.seeding import seed_countries  # noqa: E402


def write_csv(n: int) -> Path:
    path = Path(f"/tmp/summitry-bench-{n}.csv")
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS)
        writer.writeheader()
        writer.writerows(synthetic_rows(n))
    return path


def import_file(path: Path) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) of the child, and its summary line."""
    started = time.perf_counter()
    # random rows overlap by chance, and a few repeat a visitor, direction and day
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_visits", str(path)]
        + ["--allow-duplicates", "--skip-invalid"],
        capture_output=True,
        text=True,
        env=os.environ,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, done.stdout.strip().splitlines()[-1]


def copy_floor(path: Path) -> float | None:
    """COPY of the same CSV into a bare table of text columns (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return None
    columns = ", ".join(f"{c} text" for c in COLUMNS)
    with connection.cursor() as cursor, open(path, encoding="utf-8") as handle:
        cursor.execute(f"CREATE TEMPORARY TABLE floor ({columns})")
        started = time.perf_counter()
        cursor.copy_expert("COPY floor FROM STDIN WITH (FORMAT csv, HEADER)", handle)
        return time.perf_counter() - started


def main(n: int) -> None:
    seed_countries()
    path = write_csv(n)
    seconds, peak, summary = import_file(path)
    print(f"{connection.vendor}: {n} rows")
    print(f"  import_visits: {seconds:.1f} s, {n / seconds:,.0f} rows/s, peak RSS {peak:.0f} MiB")
    print(f"                 ({summary})")
    again, peak, summary = import_file(path)
    print(f"  re-import:     {again:.1f} s, {n / again:,.0f} rows/s ({summary})")
    floor = copy_floor(path)
    if floor:
        print(f"  COPY floor:    {floor:.1f} s, {n / floor:,.0f} rows/s (text columns, no checks)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
