"""DATABASE_REPLICA_URLS: reads from the replica, writes and reads-after-write from
the primary. A second PostgreSQL database stands in for the replica; the replica
alone holds a country "ZZR", so a read that finds it went to the replica."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.postgres


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-qtAc", sql], check=True
    )


@pytest.fixture
def primary_and_replica(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    base = "postgres://postgres@127.0.0.1:5432/"
    urls = {}
    for name in ("summitry_primary_t", "summitry_replica_t"):
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")
        urls[name] = base + name
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": urls[name], "DATABASE_REPLICA_URLS": ""},
            capture_output=True,
            text=True,
        )
        assert migrate.returncode == 0, migrate.stderr
    psql(
        "INSERT INTO visits_country (code, alpha_2, name, iso_name, official_name, is_former, "
        "user_assigned, note, region, subregion) "
        "VALUES ('ZZR', '', 'Replica only', '', '', false, false, '', '', '')",
        "summitry_replica_t",
    )
    yield urls["summitry_primary_t"], urls["summitry_replica_t"]
    for name in urls:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_reads_go_to_the_replica_until_the_request_writes(primary_and_replica):
    primary, replica = primary_and_replica
    result = subprocess.run(
        [sys.executable, "tests/replica_probe.py"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": primary, "DATABASE_REPLICA_URLS": replica},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "GET replica primary primary",  # a transaction and a write pin the primary
        "POST primary",
        "API 200",  # the API read the replica
    ]
