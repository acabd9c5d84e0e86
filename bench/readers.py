"""Many readers at once on the seed, served as shipped: `make load`.

    python bench/readers.py [--clients 50] [--seconds 60] [--port P]

Serves the seed (a fresh SQLite file in /tmp, or the database DATABASE_URL names,
migrated and seeded) with gunicorn and gunicorn.conf.py, DJANGO_DEBUG=0, collected
static files and throttles lifted (one client address asks thousands of times), on
127.0.0.1 only. Then `--clients` readers, each on its own keep-alive connection,
loop over the URLS below for `--seconds` (after one uncounted request to each, which
warms the caches), and stop. Prints requests, errors, p50,
p99 and req/s per URL and overall; exits non-zero on any error or an overall p99 of
a second or more. Bounded: the readers stop at the deadline (a request in flight
gets at most 30 s more), then the server is stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.load import Sample  # noqa: E402

URLS = [
    "/",
    "/compare/",
    "/api/v1/visits/?visitor_country=CHN&host_country=PRK&ordering=start_date&page_size=50",
    "/api/v1/stats/era-comparison/?pair=CHN,PRK&scheme=china-paramount",
    "/api/v1/visits/export.csv",
]
P99_BUDGET = 1.0  # seconds, all URLs pooled


@dataclass
class Row:
    url: str
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rate: float  # requests per second over the run


def summary(samples: dict[str, Sample]) -> list[Row]:
    """A row per URL, then "overall": every URL's latencies pooled; rates over the
    run's wall time (each sample's `busy`)."""
    pooled = Sample(busy=max((s.busy for s in samples.values()), default=0.0))
    for sample in samples.values():
        pooled.latencies += sample.latencies
        pooled.errors += sample.errors
    return [
        Row(url, len(s.latencies), len(s.errors), s.median * 1000, s.p99 * 1000, s.rate)
        for url, s in [*samples.items(), ("overall", pooled)]
    ]


def failures(rows: list[Row]) -> list[str]:
    """Why the run fails: any error, or the overall p99 at or over P99_BUDGET."""
    overall = rows[-1]
    problems = [f"{r.errors} errors on {r.url}" for r in rows[:-1] if r.errors]
    if not overall.p99_ms < P99_BUDGET * 1000:  # NaN (no request answered) fails too
        problems.append(f"overall p99 {overall.p99_ms:.0f} ms >= {P99_BUDGET * 1000:.0f} ms")
    return problems


def table(rows: list[Row]) -> str:
    width = max(len(r.url) for r in rows)
    head = f"{'URL':<{width}}  {'requests':>8}  {'errors':>6}  {'p50':>8}  {'p99':>8}  {'req/s':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.url:<{width}}  {r.requests:>8}  {r.errors:>6}  {r.p50_ms:>5.0f} ms"
            f"  {r.p99_ms:>5.0f} ms  {r.rate:>7.1f}"
        )
    return "\n".join(lines)


def serve_seed(port: int):
    """The seeded database (bench.setup) under the shipped gunicorn (bench.run)."""
    from bench.setup import django_for_bench

    django_for_bench("summitry-bench-readers.sqlite3")
    from bench import prepare
    from bench.run import PY, ROOT, TMP, gunicorn_argv, serving
    from visits.seeding import seed

    seed()
    # As docker/entrypoint.sh gives the web server (PostgreSQL only).
    env = prepare.environment(os.environ["DATABASE_URL"]) | {"DJANGO_DB_STATEMENT_TIMEOUT": "5000"}
    if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # `make load` collects
        collect = [PY, "manage.py", "collectstatic", "--noinput", "-v0"]
        subprocess.run(collect, cwd=ROOT, env=env, check=True)
    url = f"http://127.0.0.1:{port}"
    log = TMP / "summitry-bench-readers-gunicorn.log"
    return url, serving("gunicorn", gunicorn_argv(port), env, url + "/healthz", log)


def start_fresh() -> None:
    """An empty PostgreSQL database and Redis database, as a new deployment has."""
    from bench import prepare

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        prepare.recreate_database(url)
    if os.environ.get("REDIS_URL"):
        import redis

        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent readers (50)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they read (60)")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (a free one)")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="recreate DATABASE_URL's PostgreSQL database and empty REDIS_URL's first",
    )
    args = parser.parse_args()
    if args.fresh:
        start_fresh()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out
    from bench.load import run_mix
    from bench.page_weight import free_port

    url, server = serve_seed(args.port or free_port())
    with server:
        for path in URLS:  # once each, not counted: the server's caches warm
            urllib.request.urlopen(url + path, timeout=60).read()
        print(f"{args.clients} readers for {args.seconds:g} s on {url}", flush=True)
        samples = run_mix(url, URLS, seconds=args.seconds, clients=args.clients)
    rows = summary(samples)
    print(table(rows))
    if problems := failures(rows):
        raise SystemExit("FAILED: " + "; ".join(problems))
    print(f"ok: no errors, overall p99 under {P99_BUDGET:g} s")


if __name__ == "__main__":
    main()
