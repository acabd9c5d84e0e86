"""Summitry beside Datasette on the same N synthetic visits: `make bench N=100000`.

    python bench/run.py [N] [--seconds S] [--rounds R] [--clients C] [--import-limit K]

1. writes N deterministic synthetic interchange rows to /tmp (bench/synthetic.py);
2. on PostgreSQL (database summitry_bench, recreated; server from DATABASE_URL or
   postgres://postgres@127.0.0.1:5432): migrates, seeds the reference data, times
   `manage.py import_visits FILE --allow-duplicates` (rows/s, the child's peak RSS)
   and COPY of the same file into a scratch table (the floor);
3. builds a SQLite file of the same rows with the same indexes for Datasette;
4. serves Summitry as shipped (gunicorn, gunicorn.conf.py if present, DEBUG off,
   static files collected, Redis for the cache and throttles as docker-compose.yml
   runs it, where redis-server is installed) and Datasette, and runs each load against both in
   alternating slices (Datasette, Summitry, Datasette, …), C client threads;
5. prints one table and writes it to bench/latest.md.

Throttles are lifted for the run (one client address asks thousands of times).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import datasette_db, prepare, report  # noqa: E402
from bench.load import Sample, download, run_slice  # noqa: E402
from bench.synthetic import write_csv  # noqa: E402

ROOT = prepare.ROOT
PY = sys.executable
TMP = Path("/tmp")
SCHEME, COUNTRY, PAIR, MIN_LEVEL = "china-paramount", "CHN", ("CHN", "PRK"), 20
STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:7.1f} s] {message}", flush=True)


@contextmanager
def serving(name: str, argv: list[str], env: dict, url: str, log: Path):
    """Start a server in its own process group; stop the whole group on exit."""
    with open(log, "w") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"{name} exited ({process.returncode}); see {log}")
            try:
                urllib.request.urlopen(url, timeout=60).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"{name} did not answer {url} within a minute; see {log}")
        say(f"{name} up (pid {process.pid}, log {log})")
        yield process
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def redis_as_shipped(port: int):
    """A Redis server as docker-compose.yml runs one (no persistence), for the app's
    cache, throttles and sessions; yields its URL, or None (and the app falls back to
    its database cache, as it does without REDIS_URL) where redis-server is missing."""
    if not shutil.which("redis-server"):
        say("redis-server not found: Summitry serves with its database cache")
        yield None
        return
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    argv += ["--save", "", "--appendonly", "no"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"redis-server did not answer on port {port}")
        say(f"redis-server up (pid {process.pid}, {url})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def gunicorn_argv(port: int) -> list[str]:
    config = ROOT / "gunicorn.conf.py"
    shipped = ["-c", str(config)] if config.exists() else ["--workers", "2"]
    return [PY, "-m", "gunicorn", "config.wsgi", *shipped, "--bind", f"127.0.0.1:{port}"]


def datasette_argv(db: Path, port: int) -> list[str]:
    settings = {
        "sql_time_limit_ms": 600_000,
        "facet_time_limit_ms": 600_000,
        "max_csv_mb": 0,
        "default_facet_size": 100,
        "suggest_facets": "off",  # only the facets asked for, as Summitry computes
    }
    options = [x for k, v in settings.items() for x in ("--setting", k, str(v))]
    return [PY, "-m", "datasette", "serve", "-i", str(db), "-h", "127.0.0.1", "-p", str(port)] + (
        options
    )


def loads(db: str, eras: list, as_of: str) -> list[tuple[str, str | None, str]]:
    """(work, Datasette path, Summitry path) for the side-by-side loads."""
    table = f"/{db}/visits.json?"
    facets = ["level", "kind", "visitor_country", "host_country"]

    def sql(text: str) -> str:
        return f"/{db}.json?_shape=array&sql={quote(text)}"

    return [
        (
            "API filtered page (CHN→PRK by date, 50 rows)",
            table + "visitor_country=CHN&host_country=PRK&_sort=start_date&_size=50&_shape=objects",
            "/api/v1/visits/?visitor_country=CHN&host_country=PRK&ordering=start_date&page_size=50",
        ),
        (
            "facets, whole table (level, kind, visitor, host country)",
            table + "_size=0&" + "&".join(f"_facet={f}" for f in facets),
            "/api/v1/stats/facets/?" + "&".join(f"facet={f}" for f in facets),
        ),
        (
            f"era comparison, one pair (CHN–PRK, {SCHEME})",
            sql(datasette_db.one_pair_sql(eras, *PAIR, MIN_LEVEL, as_of)),
            f"/api/v1/stats/era-comparison/?pair={','.join(PAIR)}&scheme={SCHEME}",
        ),
        (
            f"era comparison, all pairs ({SCHEME})",
            sql(datasette_db.all_pairs_sql(eras, COUNTRY, MIN_LEVEL, as_of)),
            f"/api/v1/stats/era-comparison/?scheme={SCHEME}",
        ),
    ]


def pages(person: str, visit: str) -> list[tuple[str, str, bool]]:
    """(work, Summitry path, needs the admin session) for the Summitry-only loads."""
    return [
        ("`/`", "/", False),
        ("`/compare/` (CHN–PRK)", f"/compare/?pair={','.join(PAIR)}&scheme={SCHEME}", False),
        ("`/visits/`", "/visits/", False),
        ("person page (~800 visits)", f"/people/{person}/", False),
        ("visit detail", f"/visits/{visit}/", False),
        ("admin changelist", "/admin/visits/visit/", True),
    ]


class Bench:
    def __init__(self, args, ds: str, app: str, app_pid: int, ds_pid: int):
        self.args, self.ds, self.app = args, ds, app
        self.app_pid, self.ds_pid = app_pid, ds_pid
        self.rows: list[list[str]] = []

    def alternate(self, work: str, ds_path: str | None, app_path: str | None, headers=None):
        """Slices of each load in turn; a path that does not answer 200 once is n/a."""
        samples = {}
        for side, base, path in (("Datasette", self.ds, ds_path), ("Summitry", self.app, app_path)):
            samples[side] = Sample() if path and self.probe(base, path, headers) else None
        for _ in range(self.args.rounds):
            for side, base, path in (
                ("Datasette", self.ds, ds_path),
                ("Summitry", self.app, app_path),
            ):
                if samples[side] is not None:
                    run_slice(
                        base,
                        path,
                        samples[side],
                        seconds=self.args.seconds,
                        clients=self.args.clients,
                        headers=headers,
                    )
        ds, app = samples["Datasette"], samples["Summitry"]
        both = f"Datasette {report.load_cell(ds)}; " if ds_path else ""
        say(f"{work}: {both}Summitry {report.load_cell(app)}")
        return ds, app

    def probe(self, base: str, path: str, headers) -> bool:
        request = urllib.request.Request(base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                response.read()
                return response.status == 200
        except OSError as exc:
            say(f"  {base}{path[:80]}… answers {exc}: shown as n/a")
            return False

    def side_by_side(self, work, ds_path, app_path, floor: Sample | None = None) -> None:
        """A row of both servers' figures; `floor`, the same numbers straight from SQL."""
        ds, app = self.alternate(work, ds_path, app_path)
        rate = report.ratio(app.rate if app else 0, ds.rate if ds else 0)
        floor_cell = ""
        if floor is not None:
            floor_cell = f"SQL: {report.load_cell(floor)}"
            if app is not None:
                floor_cell += f"; Summitry's median {app.median / floor.median:.1f}× it"
        self.rows.append([work, report.load_cell(ds), report.load_cell(app), rate, floor_cell])

    def export(self, db: str, n: int) -> None:
        ds = app = None
        for _ in range(self.args.export_rounds):
            ds = download(self.ds, f"/{db}/visits.csv?_stream=on&_size=max", self.ds_pid)
            say(f"export: Datasette {report.download_cell(ds, n)}")
            app = download(self.app, "/api/v1/visits/export.csv", self.app_pid)
            say(f"export: Summitry {report.download_cell(app, n)}")
        complete = app.rows == n and app.status == 200 and not app.error
        if not complete:
            say(f"!!! SUMMITRY'S EXPORT IS INCOMPLETE: {app.rows:,} of {n:,} rows !!!")
        self.rows.append(
            [
                "CSV export of all rows",
                report.download_cell(ds, n),
                report.download_cell(app, n),
                report.ratio(app.rows_per_second, ds.rows_per_second),
                "",
            ]
        )

    def during_exports(self, db: str, n: int, probe: tuple[str, str]) -> None:
        """A light page, one client, while two full exports stream from the same server."""
        cells = []
        for base, export, path, pid in (
            (self.ds, f"/{db}/visits.csv?_stream=on&_size=max", probe[0], self.ds_pid),
            (self.app, "/api/v1/visits/export.csv", probe[1], self.app_pid),
        ):
            with ThreadPoolExecutor(2) as pool:
                running = [pool.submit(download, base, export, pid) for _ in range(2)]
                sample = Sample()
                while not all(f.done() for f in running):
                    run_slice(base, path, sample, seconds=1, clients=1)
                exports = [f.result() for f in running]
            cut = [d for d in exports if d.rows != n or d.status != 200 or d.error]
            cell = report.load_cell(sample)
            if cut:
                cell += f" — **{len(cut)} of 2 exports incomplete ({cut[0].rows:,} rows)**"
            cells.append(cell)
        say(f"page during two exports: Datasette {cells[0]}; Summitry {cells[1]}")
        self.rows.append(["a visit, one client, during two exports", *cells, "", ""])

    def summitry_only(self, work: str, path: str, headers=None) -> None:
        _, app = self.alternate(work, None, path, headers)
        self.rows.append([work, "—", report.load_cell(app), "", ""])


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=100_000, help="visits (100000)")
    parser.add_argument("--seconds", type=float, default=5, help="one slice of a load (5)")
    parser.add_argument("--rounds", type=int, default=2, help="slices per server and load (2)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (4)")
    parser.add_argument("--export-rounds", type=int, default=1, help="exports per server (1)")
    parser.add_argument("--app-port", type=int, default=int(os.environ.get("APP_PORT", 8781)))
    parser.add_argument("--datasette-port", type=int, default=int(os.environ.get("DS_PORT", 8782)))
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("REDIS_PORT", 8783)))
    parser.add_argument(
        "--output", type=Path, default=ROOT / "bench" / "latest.md", help="the Markdown table"
    )
    return parser.parse_args()


def prepare_data(n: int) -> tuple[Path, Path, str]:
    """The CSV, the SQLite file and the PostgreSQL URL, with the import timed."""
    csv_path = TMP / f"summitry-bench-{n}.csv"
    say(f"writing {n:,} synthetic visits to {csv_path}")
    write_csv(csv_path, n)
    url = prepare.database_url()
    say(f"recreating {url}; migrating, seeding reference data, collecting static files")
    prepare.recreate_database(url)
    prepare.setup_django(url)
    return csv_path, TMP / "summitry-bench.db", url


def snapshot(url: str) -> str:
    """The bench database before the import, copied for the write floor."""
    from django.db import connections

    connections.close_all()
    return prepare.snapshot(url)


def measure_import(csv_path: Path, n: int, url: str) -> list[str]:
    before = snapshot(url)
    say(f"import_visits {csv_path.name} --allow-duplicates …")
    imported = prepare.import_visits(csv_path, n, url, TMP / "summitry-bench-import.log")
    say(
        f"  {imported.rate:,.0f} rows/s, {imported.seconds:.1f} s, peak RSS "
        f"{imported.peak_rss / 2**20:.0f} MiB"
    )
    copied = prepare.copy_floor(csv_path, n, url)
    say(f"  COPY floor: {copied.rate:,.0f} rows/s, {copied.seconds:.1f} s")
    written = prepare.write_floor(url, before, n, TMP)
    say(f"  write floor: {written.rate:,.0f} rows/s, {written.seconds:.1f} s")
    return [
        f"`import_visits`, {n:,} rows",
        "—",
        f"{imported.rate:,.0f} rows/s ({imported.seconds:.1f} s), "
        f"peak RSS {imported.peak_rss / 2**20:.0f} MiB",
        "",
        f"COPY of the file into a bare table: {copied.rate:,.0f} rows/s "
        f"({copied.seconds:.1f} s); the rows the import wrote, COPYed into the schema "
        f"(indexes, foreign keys, history, summary): {written.rate:,.0f} rows/s "
        f"({written.seconds:.1f} s); import at {imported.rate / written.rate:.2f}× of that",
    ]


def comparison_floor(args, url: str) -> Sample:
    sqls = prepare.comparison_sql(PAIR, SCHEME)
    floor = Sample()
    for _ in range(args.rounds):
        prepare.sql_slice(url, sqls, floor, seconds=args.seconds, clients=args.clients)
    say(f"one-pair comparison's SQL floor ({len(sqls)} queries): {report.load_cell(floor)}")
    return floor


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    csv_path, sqlite_path, url = prepare_data(args.n)
    rows = [measure_import(csv_path, args.n, url)]
    say(f"building {sqlite_path} for Datasette")
    datasette_db.build(csv_path, sqlite_path)
    cookie, sample = prepare.admin_cookie(), prepare.samples()
    eras, floor = prepare.eras(SCHEME), comparison_floor(args, url)
    ds_url, app_url = (f"http://127.0.0.1:{p}" for p in (args.datasette_port, args.app_port))
    with ExitStack() as stack:
        ds = stack.enter_context(
            serving(
                "datasette",
                datasette_argv(sqlite_path, args.datasette_port),
                dict(os.environ),
                ds_url + "/-/versions.json",
                TMP / "summitry-bench-datasette.log",
            )
        )
        redis_url = stack.enter_context(redis_as_shipped(args.redis_port))
        app_env = prepare.environment(url) | ({"REDIS_URL": redis_url} if redis_url else {})
        app = stack.enter_context(
            serving(
                "gunicorn",
                gunicorn_argv(args.app_port),
                app_env,
                app_url + "/healthz",
                TMP / "summitry-bench-gunicorn.log",
            )
        )
        bench = Bench(args, ds_url, app_url, app.pid, ds.pid)
        bench.rows = rows
        as_of = time.strftime("%Y-%m-%d")
        for i, (work, ds_path, app_path) in enumerate(loads(sqlite_path.stem, eras, as_of)):
            bench.side_by_side(work, ds_path, app_path, floor if i == 2 else None)
        bench.export(sqlite_path.stem, args.n)
        visit = sample["visit"]
        bench.during_exports(
            sqlite_path.stem,
            args.n,
            (f"/{sqlite_path.stem}/visits/{visit}.json", f"/visits/{visit}/"),
        )
        for work, path, admin in pages(sample["person"], sample["visit"]):
            bench.summitry_only(work, path, {"Cookie": cookie} if admin else None)
    write(args, bench.rows, "Redis" if redis_url else "the database (no redis-server)")


def write(args, rows: list[list[str]], cache: str) -> None:
    command = f"make bench N={args.n}"
    heading = report.heading(args.n, command) + f"  \nSummitry's cache and throttles: {cache}"
    text = heading + "\n\n" + report.markdown_table(report.HEADER, rows)
    print("\n" + text + "\n", flush=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    say(f"written to {args.output}")


if __name__ == "__main__":
    main()
