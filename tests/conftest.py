from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings

# The cache is the process's memory in every test, from collection on (Schemathesis
# loads the schema then): pinned query counts count the answers' queries, not the
# database cache's, and no test needs the cache table before its database exists.
# tests/test_cache.py tests the database cache that the settings choose.
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
override_settings(CACHES=LOCAL_CACHE).enable()


def _tables():
    """Every concrete model with a table, M2M through tables and history included."""
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _rows(model) -> dict:
    """The table's rows as {primary key: {attname: value}}."""
    names = [f.attname for f in model._meta.concrete_fields if not f.generated]
    key = model._meta.pk.attname
    return {row[key]: row for row in model._base_manager.values(*names)}


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not f.generated]


def _inserts(model, pks: set) -> list[tuple[str, list]]:
    """INSERT statements (several rows each) that write the rows `pks` of `model`
    back exactly as the database holds them now."""
    qn = connection.ops.quote_name
    columns = _columns(model)
    key = columns.index(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(qn, columns))} FROM {qn(model._meta.db_table)}")
        rows = [row for row in cursor.fetchall() if row[key] in pks]
    per = max(1, (connection.features.max_query_params or 30_000) // len(columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(map(qn, columns))}) VALUES "
    return [
        (head + ", ".join([one] * len(batch)), [v for row in batch for v in row])
        for batch in (rows[i : i + per] for i in range(0, len(rows), per))
    ]


# How `seeded` wrote the seed in this run (printed at the end).
SEED_LOADS = {"captured rows": 0, "seed()": 0}


@dataclass
class Capture:
    """What the shipped seed wrote, starting from one state of the tables it writes."""

    before: dict  # {model: rows} of every table the seed writes, as it found them
    inserts: list  # [(sql, params)]: the new rows, several per INSERT
    changed: list  # [(model, objects, fields)]: rows it changed (the data version)
    resets: list  # SQL moving PostgreSQL's sequences past the new rows

    @classmethod
    def of_seed(cls) -> Capture:
        """Run seed() and capture every table's new rows as INSERT statements and its
        changed rows as objects."""
        from visits.seeding import seed

        before, inserts, changed = {}, [], []
        tables = {model: _rows(model) for model in _tables()}
        seed()
        for model, old in tables.items():
            after = _rows(model)
            new = {pk for pk in after if pk not in old}
            edits = [row for pk, row in after.items() if pk in old and row != old[pk]]
            assert set(old) <= set(after), f"seed() deleted {model.__name__} rows"
            if new or edits:
                before[model] = old
            if new:
                inserts += _inserts(model, new)
            if edits:
                fields = [name for name in edits[0] if name != model._meta.pk.attname]
                changed.append((model, [model(**row) for row in edits], fields))
        resets = connection.ops.sequence_reset_sql(no_style(), list(before))
        return cls(before, inserts, changed, resets)

    def write(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, params in self.inserts:
                cursor.execute(sql, params)
            for model, objs, fields in self.changed:
                model._base_manager.bulk_update(objs, fields)
            for sql in self.resets:
                cursor.execute(sql)


@dataclass
class Seeds:
    """seed() remembered by the state it started from: the empty test database
    (captured once per session), the emptied one after a transactional test..."""

    captures: list

    def load(self) -> None:
        """Write what `seed()` writes: the captured rows when the tables are in a state
        a capture started from (~100× faster), else `seed()` itself, captured."""
        now = {}
        for capture in self.captures:
            for model in capture.before:
                if model not in now:
                    now[model] = _rows(model)
            if all(now[model] == rows for model, rows in capture.before.items()):
                SEED_LOADS["captured rows"] += 1
                capture.write()
                return
        SEED_LOADS["seed()"] += 1
        capture = Capture.of_seed()
        if len(self.captures) < 8:
            self.captures.append(capture)


@pytest.fixture(scope="session")
def seed_snapshot(django_db_setup, django_db_blocker) -> Seeds:
    """The seed captured once per session, in a transaction that is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        capture = Capture.of_seed()
        transaction.set_rollback(True)
    return Seeds([capture])


@pytest.fixture
def seeded(db, seed_snapshot):
    """The shipped seed data (countries, people, eras, visits, published figures), as
    `visits.seeding.seed()` writes it; rolled back with the test."""
    seed_snapshot.load()


@pytest.fixture(scope="session")
def country_rows() -> list[dict]:
    from visits.seeding import all_country_rows

    return list(all_country_rows())


@pytest.fixture
def countries(db, country_rows):
    """Every country, as `visits.seeding.seed_countries()` adds them (pycountry read once)."""
    from visits.models import Country

    have = set(Country.objects.values_list("code", flat=True))
    Country.objects.bulk_create([Country(**r) for r in country_rows if r["code"] not in have])


STATIC_STORAGE = {"BACKEND": "visits.staticstorage.CollectedStaticStorage"}
COLLECT = f"""
import sys, django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.STATIC_ROOT = sys.argv[1]
settings.STORAGES = {{**settings.STORAGES, "staticfiles": {STATIC_STORAGE!r}}}
call_command("collectstatic", "--noinput", verbosity=0)
"""
COLLECTING = {}  # the background collectstatic of this run: root, process


def pytest_collection_finish(session):
    """`collectstatic` compresses every file twice (gzip, brotli): ~45 s of CPU. When
    a selected test needs it, start it now in a second process, beside the tests."""
    if any("collected_static" in item.fixturenames for item in session.items):
        root = Path(tempfile.mkdtemp(prefix="summitry-static-"))
        process = subprocess.Popen(
            [sys.executable, "-c", COLLECT, str(root)], cwd=session.config.rootpath
        )
        COLLECTING.update(root=root, process=process)


def pytest_sessionfinish(session):
    if COLLECTING:
        COLLECTING["process"].kill()
        COLLECTING["process"].wait()
        shutil.rmtree(COLLECTING["root"], ignore_errors=True)


@pytest.fixture(scope="session")
def collected_static():
    """`collectstatic` as production runs it (hashed names, gzip and brotli copies),
    once per session: returns the STATIC_ROOT and the STORAGES to serve it with."""
    from django.conf import settings

    assert COLLECTING, "collectstatic starts when the tests are collected"
    assert COLLECTING["process"].wait() == 0, "collectstatic failed"
    return COLLECTING["root"], {**settings.STORAGES, "staticfiles": STATIC_STORAGE}


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Users get passwords in many tests; PBKDF2's deliberate slowness is no part of them."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


# Schemathesis requests made in this run (tests/test_api_schema.py counts them).
REQUESTS = {"count": 0}


def pytest_terminal_summary(terminalreporter):
    if REQUESTS["count"]:
        terminalreporter.write_line(f"schemathesis: {REQUESTS['count']} requests made")
    if any(SEED_LOADS.values()):
        terminalreporter.write_line(
            "seeded: " + ", ".join(f"{n} from {how}" for how, n in SEED_LOADS.items())
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages cache their figures per data version; a rolled-back test database can
    repeat a version, so no test reads another's cache. The filters' per-process set of
    country codes starts empty too, so a pinned query count does not depend on which
    test ran before."""
    from django.core.cache import cache

    from visits import filter_fields

    cache.clear()
    filter_fields._known_codes = frozenset()
