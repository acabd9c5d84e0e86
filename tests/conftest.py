import pytest
from django.db import connection


@pytest.fixture
def seeded(db):
    """The shipped seed data (countries, people, eras, visits, published figures)."""
    from visits.seeding import seed

    seed()


@pytest.fixture
def countries(db):
    from visits.seeding import seed_countries

    seed_countries()


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


# Schemathesis requests made in this run (tests/test_api_schema.py counts them).
REQUESTS = {"count": 0}


def pytest_terminal_summary(terminalreporter):
    if REQUESTS["count"]:
        terminalreporter.write_line(f"schemathesis: {REQUESTS['count']} requests made")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages cache their figures per data version; a rolled-back test database can
    repeat a version, so no test reads another's cache."""
    from django.core.cache import cache

    cache.clear()
