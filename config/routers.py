"""Reads from PostgreSQL replicas, writes to the primary (DATABASE_REPLICA_URLS).

A read goes to a replica unless the request has written or the primary is inside a
transaction (the write services lock and read there): a reader never sees a
replica's lag on what it has just written. `config.routers.PrimaryAfterWriteMiddleware`
starts each request on the replicas again.
"""

from __future__ import annotations

import contextvars
import random

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_wrote = contextvars.ContextVar("summitry_wrote", default=False)


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


# The database cache's table (settings.CACHES without Redis) is the primary's: a value
# set is read back at once, and setting one (every throttled request does) is no write
# of the data that would send the request's later reads to the primary.
CACHE_APP = "django_cache"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label == CACHE_APP:
            return DEFAULT_DB_ALIAS
        if _wrote.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        choices = replicas()
        return random.choice(choices) if choices else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if model._meta.app_label != CACHE_APP:
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the primary's data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class PrimaryAfterWriteMiddleware:
    """Each request starts reading from the replicas; after its first write, it reads
    from the primary. A POST, PUT, PATCH or DELETE reads from the primary throughout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _wrote.set(request.method not in ("GET", "HEAD", "OPTIONS"))
        try:
            return self.get_response(request)
        finally:
            _wrote.reset(token)
