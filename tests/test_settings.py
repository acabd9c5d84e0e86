import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(env):
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
    )


def test_refuses_to_start_without_secret_when_debug_is_off():
    result = run({"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_starts_with_secret_and_debug_off():
    result = run({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50})
    assert result.returncode == 0 and result.stdout.strip() == "False"


def test_debug_runs_with_development_key():
    assert run({"DJANGO_DEBUG": "1"}).stdout.strip() == "True"


def storage(env):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.STORAGES['staticfiles']['BACKEND'], settings.WHITENOISE_USE_FINDERS)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "x" * 50,
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env
    )
    return result.stdout.split()


def test_static_files_are_collected_in_production_and_under_make_run():
    collected = ["visits.staticstorage.CollectedStaticStorage", "False"]
    assert storage({"DJANGO_DEBUG": "0"}) == collected
    assert storage({"DJANGO_DEBUG": "1", "DJANGO_STATIC_COLLECTED": "1"}) == collected
    finders = ["django.contrib.staticfiles.storage.StaticFilesStorage", "True"]
    assert storage({"DJANGO_DEBUG": "1"}) == finders


def test_pages_are_gzipped_for_clients_that_accept_it(client, seeded):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    assert len(response.content) < 40_000


def test_api_responses_are_not_gzipped(client, seeded):
    response = client.get("/api/v1/visits/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and "Content-Encoding" not in response
