"""The PostgreSQL side of the benchmark: a fresh database, the timed import and its
COPY floor, and what the load needs from Django (a session, a person, SQL).

Django runs in this process against the bench database (environment() sets it up
before django.setup()); the import runs as a child so that its peak memory is its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from bench.synthetic import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "summitry_bench"
SECRET_KEY = "bench-not-secret-" + "x" * 40
# Reports the import's peak RSS (KiB) on the last line: the child's own, not ours.
MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
)


def database_url(name: str = DATABASE) -> str:
    """DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432), database `name`."""
    base = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432"
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


def environment(url: str) -> dict[str, str]:
    """The shipped production settings (DEBUG off), on the bench database. Throttles
    are lifted: a benchmark's client is one address asking thousands of times."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return env | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_STATIC_COLLECTED": "1",
        "SUMMITRY_ANON_RATE": "100000000/minute",
        "SUMMITRY_USER_RATE": "100000000/minute",
    }


def recreate_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    _server(url, f'drop database if exists "{name}" with (force)', f'create database "{name}"')


def _server(url: str, *statements: str) -> None:
    """Run `statements` on the server of `url`, outside any transaction."""
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    admin.close()


def setup_django(url: str) -> None:
    """Django in this process on the bench database: migrated, reference data seeded
    (countries, people, era schemes, published figures; no visits), static collected
    if it never was."""
    os.environ.update(environment(url))
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    from visits import seeding

    call_command("migrate", verbosity=0)
    seeding.seed_countries()
    seeding.seed_people()
    seeding.seed_eras()
    seeding.seed_published_figures()
    from django.conf import settings

    # Collecting compresses every file (minutes); `make bench` collects when static/ changed.
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", "--noinput", verbosity=0)


@dataclass
class Timed:
    rows: int
    seconds: float
    peak_rss: int = 0  # bytes

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def import_visits(csv_path: Path, rows: int, url: str, log: Path) -> Timed:
    """Time `manage.py import_visits FILE --allow-duplicates` in a child process."""
    command = [sys.executable, "-c", MEASURE, sys.executable, "manage.py", "import_visits"]
    command += [str(csv_path), "--allow-duplicates"]
    started = time.perf_counter()
    with open(log, "w") as out:
        done = subprocess.run(command, cwd=ROOT, env=environment(url), stdout=out, stderr=out)
    seconds = time.perf_counter() - started
    lines = log.read_text().splitlines()
    if done.returncode != 0:
        raise SystemExit(f"import_visits failed (exit {done.returncode}); see {log}")
    return Timed(rows, seconds, int(lines[-1]) * 1024)


def copy_floor(csv_path: Path, rows: int, url: str) -> Timed:
    """COPY the same file into a scratch table of the interchange's columns (text)."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            columns = ", ".join(f"{c} text" for c in COLUMNS)
            cursor.execute(f"create table bench_copy ({columns})")
            conn.commit()
            started = time.perf_counter()
            with open(csv_path, encoding="utf-8") as handle:
                cursor.copy_expert("copy bench_copy from stdin with (format csv, header)", handle)
            conn.commit()
            seconds = time.perf_counter() - started
            cursor.execute("drop table bench_copy")
            conn.commit()
    finally:
        conn.close()
    return Timed(rows, seconds)


def written() -> list[tuple[str, str]]:
    """(table, key column) of every table an import adds rows to, in an order their
    foreign keys allow (visits.services.imports.written_models)."""
    from visits.services.imports import written_models

    return [(m._meta.db_table, m._meta.pk.column) for m in written_models()]


def snapshot(url: str) -> str:
    """A copy of the database (no connection may be open to it), for write_floor: the
    schema and reference data as the import found them. Returns the copy's URL."""
    name = urlsplit(url).path.lstrip("/")
    copy = f"{name}_before"
    _server(url, f'drop database if exists "{copy}" with (force)')
    _server(url, f'create database "{copy}" template "{name}"')
    return url.rsplit("/", 1)[0] + f"/{copy}"


def write_floor(url: str, before: str, rows: int, folder: Path) -> Timed:
    """The database's own cost of what the import wrote: the rows it added to every
    table it writes (visits, people, sources, hosts, their history, the era summary),
    read out with COPY and COPYed into `before` (the snapshot of the database before
    the import: the same indexes, foreign keys and rows) in one transaction, commit
    and its deferred key checks included. No Python planning or checking: what the
    schema alone costs for these rows. `before` is dropped afterwards."""
    files, tables = [], written()
    with psycopg2.connect(before) as old, old.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(f"SELECT coalesce(max({key}), 0) FROM {t}" for t, key in tables)
        )
        last = [n for (n,) in cursor.fetchall()]
    with psycopg2.connect(url) as new, new.cursor() as cursor:
        for (table, key), after in zip(tables, last, strict=True):
            path = folder / f"summitry-bench-floor-{table}.csv"
            with open(path, "w", encoding="utf-8") as out:
                query = f"SELECT * FROM {table} WHERE {key} > {after}"
                cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)", out)
            files.append((table, path))
    conn = psycopg2.connect(before)
    try:
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for table, path in files:
                with open(path, encoding="utf-8") as handle:
                    cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", handle)
        conn.commit()
        seconds = time.perf_counter() - started
    finally:
        conn.close()
        for _, path in files:
            path.unlink()
        name = urlsplit(before).path.lstrip("/")
        _server(before, f'drop database if exists "{name}" with (force)')
    return Timed(rows, seconds)


def admin_cookie() -> str:
    """A superuser's session cookie, made the way Django's test client logs in."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.utils.module_loading import import_string

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.org", "bench-password"
    )
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend a password login records: the first that can load a user (axes's
    # standalone backend only checks lockouts and has no get_user).
    session[BACKEND_SESSION_KEY] = next(
        path
        for path in settings.AUTHENTICATION_BACKENDS
        if hasattr(import_string(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def samples() -> dict[str, str]:
    """A busy person's slug and one of their visits, for the page loads."""
    from bench.synthetic import STAR
    from visits.models import Person

    star = Person.objects.get(name=STAR)
    return {"person": star.slug, "visit": str(star.visits.order_by("pk").first().pk)}


def eras(scheme: str) -> list[tuple[str, str, str | None]]:
    from visits.models import Era

    return [
        (e.slug, e.start_date.isoformat(), e.end_date.isoformat() if e.end_date else None)
        for e in Era.objects.filter(scheme__slug=scheme).order_by("start_date")
    ]


def comparison_sql(pair: tuple[str, str], scheme: str) -> list[str]:
    """The SQL that stats.era_comparison runs for `pair` (its raw floor)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from visits import stats

    with CaptureQueriesContext(connection) as captured:
        stats.era_comparison(pair=pair, scheme=scheme)
    return [q["sql"] for q in captured.captured_queries]


def sql_slice(url: str, sqls: list[str], sample, *, seconds: float, clients: int) -> None:
    """Like load.run_slice, but each request is `sqls` run in turn over psycopg2."""
    import threading

    def work():
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cursor:
                while True:
                    started = time.perf_counter()
                    for sql in sqls:
                        cursor.execute(sql)
                        cursor.fetchall()
                    sample.latencies.append(time.perf_counter() - started)
                    if time.perf_counter() >= until:
                        return
        finally:
            conn.close()

    started = time.perf_counter()
    until = started + seconds
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.busy += time.perf_counter() - started
