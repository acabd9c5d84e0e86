"""Real Chromium through Playwright, against a live server with the seed data that
serves static files as production and `make run` do: collected (hashed, gzip and
brotli copies) and served by WhiteNoise. Without Chromium the tests skip with a
reason, except in CI (CI=true), where a missing browser is a failure."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in this thread; the test database calls
# made beside it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install it")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def live_server(collected_static):
    """pytest-django's live server, but serving the static files collected for the
    session (tests/conftest.py) from STATIC_ROOT through WhiteNoise (no finders), for
    this package's tests only: the settings come back when they are done."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    root, storages = collected_static
    collected = override_settings(
        STATIC_ROOT=root,
        STORAGES=storages,
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    )
    collected.enable()
    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda app: app  # WhiteNoise, a middleware, serves them
    server.start()
    yield server
    server.stop()
    collected.disable()


@pytest.fixture
def site(live_server, transactional_db, seed_snapshot):
    """The live server's URL, with the shipped seed data (tests/conftest.py `seeded`)."""
    seed_snapshot.load()
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status} {r.url}"))
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
