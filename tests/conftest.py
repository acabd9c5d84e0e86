from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
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


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


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

    def dump(self, path: Path) -> None:
        """Write the capture to `path`, models named by label (the M2M through models
        are no module's attributes, so they do not pickle)."""
        label = {m: m._meta.label_lower for m in self.before}
        before = {label[m]: rows for m, rows in self.before.items()}
        changed = [
            (m._meta.label_lower, [_values(o) for o in objs], f) for m, objs, f in self.changed
        ]
        path.write_bytes(pickle.dumps((before, self.inserts, changed, self.resets)))

    @classmethod
    def load(cls, path: Path) -> Capture:
        before, inserts, changed, resets = pickle.loads(path.read_bytes())
        model = apps.get_model
        return cls(
            {model(label): rows for label, rows in before.items()},
            inserts,
            [(model(label), [model(label)(**r) for r in rows], f) for label, rows, f in changed],
            resets,
        )

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
def seed_snapshot(django_db_setup, django_db_blocker, run_dir) -> Seeds:
    """The seed captured once per run, in a transaction that is rolled back: by the
    first xdist worker to need it, which leaves it in a file for the others (seed()
    takes ~20 s; every worker's test database starts in the same state)."""
    path = run_dir / "seed-capture.pickle"
    with django_db_blocker.unblock(), _locked(run_dir / "seed-capture.lock"):
        if path.exists():
            return Seeds([Capture.load(path)])
        with transaction.atomic():
            capture = Capture.of_seed()
            transaction.set_rollback(True)
        capture.dump(path)
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


RUN_DIR = pytest.StashKey[Path]()


def pytest_configure(config):
    """A directory for this run, shared by its xdist workers (the controller makes it,
    hands it to each worker and removes it at the end)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        config.stash[RUN_DIR] = Path(tempfile.mkdtemp(prefix="summitry-tests-"))
    else:
        config.stash[RUN_DIR] = Path(workerinput["summitry_run_dir"])


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    node.workerinput["summitry_run_dir"] = str(node.config.stash[RUN_DIR])


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and RUN_DIR in config.stash:
        shutil.rmtree(config.stash[RUN_DIR], ignore_errors=True)


@pytest.fixture(scope="session")
def run_dir(pytestconfig) -> Path:
    return pytestconfig.stash[RUN_DIR]


@contextmanager
def _locked(path: Path):
    """One process of the run at a time (xdist workers)."""
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests sharing a module- or package-scoped fixture of ours (a PostgreSQL cluster
    and gunicorn, a database of 20,000 visits, the browser tests' live server) go to one
    xdist worker (`--dist loadgroup`), which builds it once. Tests of the seed come
    after the others (pytest-django's order by kind of database, which follows, keeps
    this one within each kind): while one worker captures the seed, the others run
    tests that need none instead of waiting for it."""
    items.sort(key=lambda item: "seed_snapshot" in item.fixturenames)
    if not config.pluginmanager.has_plugin("xdist"):
        return
    for item in items:
        for defs in item._fixtureinfo.name2fixturedefs.values():
            shared = [d for d in defs if d.scope in ("module", "package")]
            if shared and shared[-1].baseid.startswith("tests/"):
                item.add_marker(pytest.mark.xdist_group(shared[-1].baseid))
                break


STATIC_STORAGE = {"BACKEND": "visits.staticstorage.CollectedStaticStorage"}
COLLECT = f"""
import os, sys, traceback, django
django.setup()
from django.conf import settings
from django.core.management import call_command
settings.STATIC_ROOT = sys.argv[1]
settings.STORAGES = {{**settings.STORAGES, "staticfiles": {STATIC_STORAGE!r}}}
try:
    call_command("collectstatic", "--noinput", verbosity=0)
    status = "ok"
except BaseException:
    status = traceback.format_exc()
    raise
finally:
    with open(sys.argv[2] + ".part", "w") as f:
        f.write(status)
    os.replace(sys.argv[2] + ".part", sys.argv[2])
"""
COLLECTING = {}  # the background collectstatic this process started


def _static_paths(config) -> tuple[Path, Path, Path]:
    """The collected files, the collection's status (written when it ends) and the
    mark of the process that started it."""
    run = config.stash[RUN_DIR]
    return run / "static", run / "static.status", run / "static.started"


def pytest_collection_finish(session):
    """`collectstatic` compresses every file twice (gzip, brotli): ~45 s of CPU. When
    a selected test needs it, the first xdist worker (or the one process) to get here
    starts it in a second process, beside the tests; the run's other workers use it."""
    if any("collected_static" in item.fixturenames for item in session.items):
        root, status, started = _static_paths(session.config)
        try:
            os.close(os.open(started, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        process = subprocess.Popen(
            [sys.executable, "-c", COLLECT, str(root), str(status)],
            cwd=session.config.rootpath,
        )
        COLLECTING.update(process=process)


def pytest_sessionfinish(session, exitstatus):
    """Lets a collection that another worker may still wait for finish, unless the run
    was stopped; the controller removes the files (pytest_unconfigure)."""
    if COLLECTING:
        stopped = session.shouldstop or session.shouldfail
        if stopped or exitstatus == pytest.ExitCode.INTERRUPTED:
            COLLECTING["process"].kill()
        COLLECTING["process"].wait()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["summitry_counts"] = {"requests": REQUESTS["count"], **SEED_LOADS}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The counts each xdist worker made, summed for pytest_terminal_summary."""
    counts = getattr(node, "workeroutput", {}).get("summitry_counts", {})
    REQUESTS["count"] += counts.pop("requests", 0)
    for how, n in counts.items():
        SEED_LOADS[how] += n


@pytest.fixture(scope="session")
def collected_static(pytestconfig):
    """`collectstatic` as production runs it (hashed names, gzip and brotli copies),
    once per run: returns the STATIC_ROOT and the STORAGES to serve it with."""
    from django.conf import settings

    root, status, started = _static_paths(pytestconfig)
    assert started.exists(), "collectstatic starts when the tests are collected"
    if COLLECTING:
        COLLECTING["process"].wait()
    for _ in range(6000):  # another worker's collection: up to 10 minutes
        if status.exists():
            break
        time.sleep(0.1)
    assert status.exists(), "collectstatic did not finish"
    assert status.read_text() == "ok", f"collectstatic failed: {status.read_text()}"
    return root, {**settings.STORAGES, "staticfiles": STATIC_STORAGE}


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
