"""visits.exporting: the interchange CSV at any size, and the shipped server streaming
it whole (or visibly not at all) through a real gunicorn."""

import csv
import datetime as dt
import http.client
import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import PersonFactory, VisitFactory, bulk_visits
from tests.failing_export_urls import FAIL_AFTER_LINES
from visits import copy_export
from visits.exporting import export_chunked, export_csv
from visits.importing import import_rows
from visits.interchange import COLUMNS, csv_lines, export_visits
from visits.models import Person, Source, Visit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = connection.vendor == "postgresql"
only_postgres = pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's")


def text_of(blocks) -> str:
    return b"".join(blocks).decode()


@pytest.fixture
def varied(countries):
    """25 visits: precisions, several hosts and sources, titles with separators."""
    people = [PersonFactory(name=f"Person {i}") for i in range(4)]
    visits = bulk_visits(25, people, dt.date(1960, 1, 1), step_days=400, status="published")
    for i, visit in enumerate(visits):
        visit.date_precision = ("day", "month", "year")[i % 3]
        visit.start_date = visit.start_date.replace(day=1, month=1 if i % 3 == 2 else 6)
        visit.derive()
    Visit.objects.bulk_update(visits, ["date_precision", "start_date", "start_latest"])
    Visit.hosts.through.objects.bulk_create(
        Visit.hosts.through(visit_id=v.pk, person_id=p.pk)
        for v in visits[::2]
        for p in (people[3], people[1])
    )
    Source.objects.bulk_create(
        Source(visit=v, url=f"https://x.example/{v.pk}/{k}", title=f"Report {k}; part")
        for v in visits
        for k in range(1 + v.pk % 3)
    )
    return visits


def test_export_is_the_interchange_writers_csv_byte_for_byte(varied):
    exported = text_of(export_chunked(Visit.objects.all(), chunk=7))
    assert exported == "".join(csv_lines(export_visits(Visit.objects.all())))
    assert text_of(export_csv(Visit.objects.all())) == exported  # COPY on PostgreSQL
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 25 and list(rows[0]) == COLUMNS
    assert {r["start_date"].count("-") for r in rows} == {0, 1, 2}
    assert rows[0]["hosts"] == "Person 1; Person 3"
    several = [r for r in rows if r["source_url"].count(";") == 2][0]
    assert several["source_title"] == "Report 0, part; Report 1, part; Report 2, part"


def test_exported_rows_reimport_to_the_same_rows(varied):
    exported = text_of(export_csv(Visit.objects.all()))
    rows = list(csv.DictReader(io.StringIO(exported)))
    Visit.objects.all().delete()
    Person.objects.all().delete()
    assert import_rows(rows).created == 25
    assert Visit.objects.count() == 25
    assert text_of(export_csv(Visit.objects.all())) == exported


def test_export_queries_three_per_chunk(varied, django_assert_num_queries):
    with django_assert_num_queries(3 * 4):  # chunks of 7, 7, 7 and 4 visits
        text = text_of(export_chunked(Visit.objects.all(), chunk=7))
    assert text.count("\n") == 26
    with django_assert_num_queries(3 * 5 + 1):  # 25 = 5 x 5, then one empty chunk
        assert text_of(export_chunked(Visit.objects.all(), chunk=5)) == text


def test_export_of_nothing_is_the_header(db):
    assert text_of(export_csv(Visit.objects.none())) == ",".join(COLUMNS) + "\n"
    assert text_of(export_chunked(Visit.objects.none())) == ",".join(COLUMNS) + "\n"


AWKWARD = [
    'Chairman, "Great" Leader',
    "line one\nline two",
    "carriage\r\nreturn",
    " spaced ",
    "김정일 Kim Jŏng-il",
    "tab\there",
    "'quote",
]


def test_awkward_values_quote_as_pythons_csv_writer(countries):
    hosts = [PersonFactory(name=name, slug=f"h-{i}") for i, name in enumerate(AWKWARD[:3])]
    for i, text in enumerate(AWKWARD):
        visit = VisitFactory(
            visitor=PersonFactory(name=text, slug=f"v-{i}"),
            start_date=dt.date(1990, 1, 1 + i),
            end_date=dt.date(1990, 2, 1) if i % 2 else None,
            visitor_title=text,
            places=text,
            purpose=text,
            external_id=text if i % 2 else None,
            sourced=False,
        )
        visit.hosts.set(hosts[: i % 4])
        for k in range(i % 3):
            Source.objects.create(visit=visit, url=f"https://x.example/{i}/{k}", title=text)
    wanted = "".join(csv_lines(export_visits(Visit.objects.all())))
    assert '"Chairman, ""Great"" Leader"' in wanted and "\r\n" in wanted
    assert text_of(export_csv(Visit.objects.all())) == wanted
    assert text_of(export_chunked(Visit.objects.all())) == wanted


def test_export_takes_the_querysets_filters(varied):
    chosen = Visit.objects.filter(date_precision="month", start_date__year__gte=1970)
    wanted = "".join(csv_lines(export_visits(chosen)))
    assert wanted.count("\n") == 1 + chosen.count() and chosen.count() >= 5
    assert text_of(export_csv(chosen)) == wanted


# COPY streamed from a thread of its own, on a connection of its own: it sees only
# committed rows, so these tests commit theirs (transactional_db).


def copy_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "visits-copy-export"]


def copies_running() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE 'COPY (%%' AND state = 'active' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@only_postgres
def test_streamed_copy_is_the_chunked_csv(transactional_db, varied, monkeypatch):
    monkeypatch.setattr(copy_export, "BLOCK", 100)
    blocks = list(export_csv(Visit.objects.all()))
    assert len(blocks) > 5 and b"".join(blocks[1:]).count(b"\n") == 25
    assert b"".join(blocks).decode() == text_of(export_chunked(Visit.objects.all()))
    assert copy_threads() == []


@only_postgres
def test_closing_a_streamed_export_cancels_the_copy(transactional_db, varied, monkeypatch):
    monkeypatch.setattr(copy_export, "BLOCK", 1)  # a block per row
    monkeypatch.setattr(copy_export, "QUEUE", 1)  # the thread waits for the reader
    blocks = export_csv(Visit.objects.all())
    assert next(blocks) == copy_export.HEADER
    assert next(blocks).count(b"\n") == 1
    assert len(copy_threads()) == 1
    blocks.close()
    assert copy_threads() == [] and copies_running() == 0


@only_postgres
def test_a_failing_copy_raises_in_the_reader(transactional_db, varied, monkeypatch):
    monkeypatch.setattr(copy_export, "STATEMENT", "COPY (SELECT 1/0 WHERE 0 IN ({ids})) TO STDOUT")
    blocks = export_csv(Visit.objects.all())
    assert next(blocks) == copy_export.HEADER
    with pytest.raises(Exception, match="division by zero"):
        next(blocks)
    assert copy_threads() == []


def test_export_command_writes_the_same_csv(varied, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "all.csv"
    call_command("export_visits", "-o", str(out))
    assert out.read_text() == text_of(export_csv(Visit.objects.all()))


# A real gunicorn with the shipped configuration (gunicorn.conf.py), on a SQLite file
# (the chunked export) or on PostgreSQL (COPY).

FILL = """
import datetime as dt
from visits.models import Person, Source, Visit
from visits.seeding import seed_countries
seed_countries()
people = Person.objects.bulk_create(
    Person(name=f"Person {i}", slug=f"person-{i}", search_key=f"person{i}") for i in range(50)
)
visits = []
for i in range(N):
    v = Visit(start_date=dt.date(1950, 1, 1) + dt.timedelta(days=i), visitor=people[i % 50],
              visitor_country_id="CHN", host_country_id="PRK", level=40, status="published")
    v.derive()
    visits.append(v)
visits = Visit.objects.bulk_create(visits, batch_size=2000)
Source.objects.bulk_create(
    (Source(visit=v, url=f"https://x.example/{v.pk}") for v in visits), batch_size=2000
)
"""
ROWS = 20_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_database(tmp_path_factory):
    """The database the server reads, filled with ROWS visits: a SQLite file, or on
    PostgreSQL a database of its own (the COPY path, which reads committed rows)."""
    if POSTGRES:
        name = f"{connection.settings_dict['NAME']}_served"
        url = f"{os.environ['DATABASE_URL'].rsplit('/', 1)[0]}/{name}"
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'db.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    fill = FILL.replace("range(N)", f"range({ROWS})")
    subprocess.run([*manage, "shell", "-c", fill], env=env, cwd=ROOT, check=True)
    yield url
    if POSTGRES:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def admin(*statements: str) -> None:
    import psycopg2

    pg = psycopg2.connect(**{**connection.get_connection_params(), "dbname": "postgres"})
    pg.autocommit = True
    try:
        with pg.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        pg.close()


def serve(database_url, settings="config.settings"):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-export",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_STATIC_COLLECTED": "0",
    }
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


@pytest.fixture
def gunicorn(served_database, request):
    server, port = serve(served_database, getattr(request, "param", "config.settings"))
    yield port
    server.terminate()
    server.wait(timeout=30)


def get_export(port: int) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/api/v1/visits/export.csv")
    return conn.getresponse()


def test_shipped_server_config_is_threaded():
    config = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    assert config["worker_class"] == "gthread" and config["threads"] > 1


def test_shipped_server_exports_every_row(gunicorn):
    response = get_export(gunicorn)
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    rows = list(csv.DictReader(io.StringIO(response.read().decode())))
    assert len(rows) == ROWS
    assert rows[0]["start_date"] == "1950-01-01" and rows[-1]["external_id"] == ""
    assert rows[-1]["start_date"] == str(dt.date(1950, 1, 1) + dt.timedelta(days=ROWS - 1))


@pytest.mark.parametrize("gunicorn", ["tests.failing_export_settings"], indirect=True)
def test_an_export_failing_part_way_is_an_incomplete_transfer(gunicorn, served_database):
    response = get_export(gunicorn)
    assert response.status == 200  # the headers went before the failure
    with pytest.raises(http.client.IncompleteRead) as failed:
        response.read()
    received = failed.value.partial.decode()
    assert received.count("\n") == FAIL_AFTER_LINES  # the header and the rows before it
    if POSTGRES:  # and the COPY behind it was stopped, its connection closed
        assert server_connections(served_database.rsplit("/", 1)[1]) == 0


def server_connections(name: str) -> int:
    """Connections to database `name` other than idle ones kept by the server, after
    waiting up to 5 s for them to go."""
    import psycopg2

    pg = psycopg2.connect(**{**connection.get_connection_params(), "dbname": "postgres"})
    pg.autocommit = True
    with pg.cursor() as cursor:
        for _ in range(50):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND state <> 'idle'",
                [name],
            )
            if (count := cursor.fetchone()[0]) == 0:
                break
            time.sleep(0.1)
    pg.close()
    return count
