"""HTTP load for the benchmark: a few client threads, each with its own connection
(http.client, reconnecting when a server closes it), and a streamed download.

Times are wall-clock seconds; `Sample` keeps every request's latency so that slices
run alternately against two servers can be pooled before taking medians.
"""

from __future__ import annotations

import http.client
import itertools
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TIMEOUT = 300  # seconds, one request


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    busy: float = 0.0  # seconds spent in slices
    errors: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    @property
    def rate(self) -> float:
        """Requests per second over the time the slices ran."""
        return len(self.latencies) / self.busy if self.busy else 0.0


def get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if response.will_close:
        conn.close()
    return response.status, body


def _worker(base: str, path: str, headers: dict, until: float, sample: Sample, lock) -> None:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        while True:
            started = time.perf_counter()
            try:
                status, _ = get(conn, path, headers)
                problem = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with lock:
                if problem:
                    sample.errors.append(problem)
                else:
                    sample.latencies.append(elapsed)
            if problem or time.perf_counter() >= until:
                return
    finally:
        conn.close()


def run_slice(
    base: str, path: str, sample: Sample, *, seconds: float, clients: int, headers=None
) -> None:
    """`clients` threads request `path` until `seconds` have passed (each at least
    once; a request in flight is finished), adding to `sample`."""
    lock = threading.Lock()
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(target=_worker, args=(base, path, headers or {}, until, sample, lock))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sample.busy += time.perf_counter() - started


def _mix_worker(base: str, paths: list[str], until: float, samples, lock, timeout) -> None:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        for path in itertools.cycle(paths):
            if time.perf_counter() >= until:
                return
            started = time.perf_counter()
            try:
                status, _ = get(conn, path, {})
                problem = None if status == 200 else f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()  # the next request reconnects
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - started
            with lock:
                if problem:
                    samples[path].errors.append(problem)
                else:
                    samples[path].latencies.append(elapsed)
    finally:
        conn.close()


def run_mix(
    base: str, paths: list[str], *, seconds: float, clients: int, timeout: float = 30
) -> dict[str, Sample]:
    """`clients` threads, each on its own keep-alive connection, request `paths` in
    turn (thread i starting at path i) until `seconds` have passed; a request in
    flight is finished (at most `timeout` more). A failed request is counted and its
    thread goes on. One Sample per path, `busy` the run's wall time."""
    samples = {path: Sample() for path in paths}
    lock = threading.Lock()
    started = time.perf_counter()
    until = started + seconds
    turns = [paths[i % len(paths) :] + paths[: i % len(paths)] for i in range(clients)]
    threads = [
        threading.Thread(target=_mix_worker, args=(base, turn, until, samples, lock, timeout))
        for turn in turns
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    for sample in samples.values():
        sample.busy = wall
    return samples


@dataclass
class Download:
    status: int
    first_byte: float
    seconds: float
    size: int
    lines: int
    peak_rss: int  # bytes, the server's processes together, sampled
    error: str = ""
    peak_process: int = 0  # bytes, the largest single process of the server, sampled
    before_rss: int = 0  # bytes, the server's processes together, before the request

    @property
    def rows(self) -> int:
        """Data rows: lines less the header (synthetic rows hold no line breaks)."""
        return max(self.lines - 1, 0)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def download(base: str, path: str, server_pid: int | None = None) -> Download:
    """GET `path` streamed, counting bytes and lines; the server's memory sampled."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    watcher = RssWatcher(server_pid)
    watcher.start()
    started = time.perf_counter()
    status, first, size, lines, error = 0, 0.0, 0, 0, ""
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        status = response.status
        while chunk := response.read1(1 << 16):
            first = first or time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()
        watcher.stop()
    seconds = time.perf_counter() - started
    return Download(
        status,
        first,
        seconds,
        size,
        lines,
        watcher.peak,
        error,
        watcher.peak_process,
        watcher.before,
    )


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and its descendants (Linux /proc)."""
    return sum(process_rss(pid))


def process_rss(pid: int) -> list[int]:
    """Resident bytes of `pid` and of each of its descendants, one figure a process."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    sizes, todo = [], [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open(f"/proc/{current}/statm") as handle:
                sizes.append(int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
        except OSError:
            pass
    return sizes


class RssWatcher(threading.Thread):
    """Samples the server's memory every 0.2 s until stopped: `before` its processes
    together at the start, `peak` together at most, `peak_process` one process at most
    (gunicorn's master and workers are separate processes, each with its own limit)."""

    def __init__(self, pid: int | None):
        super().__init__(daemon=True)
        self.pid, self.peak, self.peak_process = pid, 0, 0
        self.before = tree_rss(pid) if pid else 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while self.pid and not self._stop_event.wait(0.2):
            sizes = process_rss(self.pid)
            self.peak = max(self.peak, sum(sizes))
            self.peak_process = max(self.peak_process, *sizes, 0)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
