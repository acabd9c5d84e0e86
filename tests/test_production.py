"""Deployment settings and probes (issue 10)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_behind_tls():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_HTTPS="1",
        DJANGO_SECRET_KEY="x7#kq2!vA9zL0pW3mN8rT5yB1cD6eF4gH2jK7lQ9sU0vX3wZ-long-enough",
        DJANGO_ALLOWED_HOSTS="summitry.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_without_tls():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x7#kq2!vA9zL0pW3mN8rT5yB1cD6eF4gH2jK7lQ9sU0vX3wZ-long-enough",
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no redirect to https


def test_https_settings_come_from_the_environment():
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE,"
        " s.SECURE_PROXY_SSL_HEADER, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = run_manage(
        "shell",
        "-c",
        code,
        DJANGO_DEBUG="1",
        DJANGO_HTTPS="1",
        DJANGO_HSTS_SECONDS="600",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://a.example, https://b.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "600 True True ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['https://a.example', 'https://b.example']"
    )


@pytest.mark.django_db
def test_https_redirects_but_not_the_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/about/").status_code == 301
    assert client.get("/healthz").status_code == 200
    assert client.get("/about/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_database_migrations_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_fails(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unreachable: DatabaseError"
    assert body["checks"]["migrations"] == "unknown"


@pytest.mark.django_db
def test_readyz_reports_unapplied_migrations(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [1, 2])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "2 unapplied"


@pytest.mark.django_db
def test_throttle_ignores_a_forged_forwarded_for(settings):
    from rest_framework.test import APIRequestFactory
    from rest_framework.throttling import AnonRateThrottle

    request = APIRequestFactory().get(
        "/api/v1/visits/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.7"
    )
    assert AnonRateThrottle().get_ident(request) == "198.51.100.7"


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["OperationalError", "InterfaceError"])
def test_a_lost_database_is_503_not_500(client, monkeypatch, error):
    import django.db
    from django.db.backends.utils import CursorWrapper

    def lost(*args, **kwargs):
        raise getattr(django.db, error)("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", lost)
    page = client.get("/visits/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert b"Temporarily unavailable" in page.content
    api = client.get("/api/v1/visits/")
    assert api.status_code == 503
    assert api.json() == {
        "detail": "The database is temporarily unavailable. Please try again shortly.",
        "errors": {},
    }


def test_postgres_timeouts_come_from_the_environment():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['OPTIONS'])"
    result = run_manage(
        "shell",
        "-c",
        code,
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/none",
        DJANGO_DB_CONNECT_TIMEOUT="2",
        DJANGO_DB_STATEMENT_TIMEOUT="4000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "{'connect_timeout': 2, 'options': '-c statement_timeout=4000'}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/admin/login/", "/api/v1/visits/", "/api/docs/", "/healthz"]
)
def test_every_response_carries_the_content_security_policy(client, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy


def test_swagger_ui_has_no_inline_script(client):
    import re

    page = client.get("/api/docs/").content.decode()
    assert re.findall(r"<script>", page) == []
    assert client.get("/api/docs/?script=").status_code == 200


@pytest.mark.django_db
def test_home_before_seeding_explains_itself(client):
    response = client.get("/")
    assert response.status_code == 503
    assert "No data loaded yet" in response.content.decode()
    assert "manage.py seed" in response.content.decode()
