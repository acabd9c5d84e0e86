"""The cache the settings choose: Redis with REDIS_URL, else the database's table."""

import json
import os
import subprocess
import sys

import pytest
from django.core.cache import caches
from django.test import override_settings

DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "summitry_cache",
    }
}


def cache_setting(**env) -> dict:
    code = "import django; django.setup(); from django.conf import settings; "
    code += "import json; print(json.dumps(settings.CACHES['default']))"
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | env
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=environment | {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_without_redis_the_database_holds_the_cache():
    assert cache_setting()["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = cache_setting(REDIS_URL="redis://127.0.0.1:6379/5")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_migrations_make_the_cache_table():
    with override_settings(CACHES=DATABASE_CACHE):
        cache = caches["default"]
        cache.set("figure", {"n": 3})
        assert cache.get("figure") == {"n": 3}
        assert cache.get_or_set("other", lambda: 5) == 5
