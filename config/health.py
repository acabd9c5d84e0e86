"""Probes for a load balancer or orchestrator.

/healthz: the process answers (touches nothing else). /readyz: the database answers,
every migration is applied and the cache works; 503 with the failing checks if not.
"""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = {"database": _database(), "migrations": "unknown", "cache": _cache()}
    if checks["database"] == "ok":
        checks["migrations"] = _migrations()
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
