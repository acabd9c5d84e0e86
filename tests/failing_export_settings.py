"""Settings for the export-failure test's gunicorn: the shipped settings, with the
export routed through tests.failing_export_urls (which breaks it part-way)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.failing_export_urls"
