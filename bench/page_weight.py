"""Page budget for `/`: bytes on the wire, time to first chart, server time.

    python bench/page_weight.py [--server run|gunicorn|both] [--runs N] [--loads N]

Starts the app on a free port on 127.0.0.1, seeded, the way a reader meets it:
`run` as `make run` serves it (DJANGO_DEBUG=1, static files collected, runserver
--nostatic behind WhiteNoise), `gunicorn` as production (DJANGO_DEBUG=0, a
DJANGO_SECRET_KEY, collected static files, two workers). For each it loads `/` in
Chromium at 1366×900 with an empty cache (`--loads` times) and prints the bytes
transferred (response headers and bodies as sent, compressed), the time from
navigation to the first drawn chart (the first Plotly `.main-svg` in the page), a
reload's bytes (far-future caching), and the median server time of `/` over `--runs`
requests. Exits non-zero when a median breaks a budget: under 1 MB, under 2 s.

Uses DATABASE_URL if set, else a throwaway SQLite file in /tmp. Needs Chromium
(CHROMIUM, default /usr/bin/chromium) and the dev extras (Playwright).
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BUDGET_BYTES = 1_000_000
BUDGET_FIRST_CHART_MS = 2_000
VIEWPORT = {"width": 1366, "height": 900}
# Records, in the page, when the first Plotly chart is drawn.
FIRST_CHART_PROBE = """
new MutationObserver((records, observer) => {
  if (document.querySelector(".js-plotly-plot .main-svg")) {
    window.__firstChart = performance.now();
    observer.disconnect();
  }
}).observe(document, {childList: true, subtree: true});
"""


def environment(server: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DATABASE_URL"] = os.environ.get(
        "DATABASE_URL", "sqlite:////tmp/summitry-bench-page-weight.sqlite3"
    )
    env["DJANGO_STATIC_COLLECTED"] = "1"
    if server == "gunicorn":
        env |= {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-" + "x" * 50}
    else:
        env["DJANGO_DEBUG"] = "1"
    return env


def prepare() -> None:
    """A fresh seeded database and the collected static files, as `make run` has."""
    env = environment("run")
    if "DATABASE_URL" not in os.environ:
        Path(env["DATABASE_URL"].removeprefix("sqlite:///")).unlink(missing_ok=True)
    for command in (["migrate", "-v0"], ["seed"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(server: str, port: int) -> list[str]:
    address = f"127.0.0.1:{port}"
    if server == "gunicorn":
        return [PY, "-m", "gunicorn", "config.wsgi", "--bind", address, "--workers", "2"]
    return [PY, "manage.py", "runserver", "--nostatic", "--noreload", address]


@contextmanager
def serving(server: str):
    port = free_port()
    process = subprocess.Popen(
        command(server, port),
        cwd=ROOT,
        env=environment(server),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/", timeout=5).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"{server} did not answer on {url}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def server_ms(url: str, runs: int) -> float:
    """Median wall time of GET / from this process, gzip accepted, body read."""
    request = urllib.request.Request(url + "/", headers={"Accept-Encoding": "gzip"})
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def load(browser, url: str) -> dict:
    """One cold load and one reload of /, in a fresh context (empty cache)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(FIRST_CHART_PROBE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sent = []
    cdp.on("Network.loadingFinished", lambda e: sent.append(e["encodedDataLength"]))
    page.goto(url + "/", wait_until="load")
    page.wait_for_function("window.__firstChart !== undefined", timeout=30_000)
    page.wait_for_load_state("networkidle")
    first = {"bytes": sum(sent), "first_chart_ms": page.evaluate("window.__firstChart")}
    sent.clear()
    page.reload(wait_until="networkidle")
    first["reload_bytes"] = sum(sent)
    context.close()
    return first


def measure(server: str, runs: int, loads: int) -> dict:
    from playwright.sync_api import sync_playwright

    with serving(server) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        load(browser, url)  # warm the server's caches and the OS file cache
        results = [load(browser, url) for _ in range(loads)]
        browser.close()
        return {
            "bytes": statistics.median(r["bytes"] for r in results),
            "first_chart_ms": statistics.median(r["first_chart_ms"] for r in results),
            "reload_bytes": statistics.median(r["reload_bytes"] for r in results),
            "server_ms": server_ms(url, runs),
        }


def report(server: str, m: dict) -> list[str]:
    print(
        f"{server:9} /  {m['bytes'] / 1000:7.1f} kB transferred"
        f"  first chart {m['first_chart_ms']:6.0f} ms"
        f"  reload {m['reload_bytes'] / 1000:5.1f} kB"
        f"  server {m['server_ms']:5.1f} ms (median)"
    )
    broken = []
    if m["bytes"] >= BUDGET_BYTES:
        broken.append(f"{server}: {m['bytes']} bytes >= {BUDGET_BYTES}")
    if m["first_chart_ms"] >= BUDGET_FIRST_CHART_MS:
        broken.append(f"{server}: first chart {m['first_chart_ms']:.0f} ms >= 2000 ms")
    return broken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=["run", "gunicorn", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20, help="requests for the server time")
    parser.add_argument("--loads", type=int, default=3, help="cold browser loads")
    args = parser.parse_args()
    prepare()
    servers = ["run", "gunicorn"] if args.server == "both" else [args.server]
    broken = [b for s in servers for b in report(s, measure(s, args.runs, args.loads))]
    if broken:
        raise SystemExit("over budget: " + "; ".join(broken))
    print("within budget: under 1 MB and first chart under 2 s")


if __name__ == "__main__":
    main()
