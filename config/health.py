"""Probes for a load balancer or orchestrator.

/healthz: the process answers (touches nothing else). /readyz: the database answers,
every migration is applied and the cache works; 503 with the failing checks if not
("unknown": not checked, as it needs the failing database).
"""

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = {"database": _database(), "migrations": "unknown", "cache": "unknown"}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
    # A cache in the database is not asked while the database fails: a second connect
    # timeout would put a frozen database's 503 past 5 s (tests/test_outage.py).
    if checks["database"] == "ok" or not isinstance(caches["default"], DatabaseCache):
        checks["cache"] = _cache()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError as exc:
        return f"unreachable: {type(exc).__name__}"


def _migrations() -> str:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok" if not pending else f"{len(pending)} unapplied"


def _cache() -> str:
    try:
        cache.set("readyz", "1", 5)
        return "ok" if cache.get("readyz") == "1" else "not storing"
    except Exception as exc:  # a cache backend raises its own errors (redis, memcached)
        return f"unreachable: {type(exc).__name__}"
