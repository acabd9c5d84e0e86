"""The benchmark's table: cells from samples, a Markdown table, the run's heading."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
from pathlib import Path

from bench.load import Download, Sample

HEADER = [
    "work",
    "Datasette (median / p99 / req/s)",
    "Summitry (median / p99 / req/s)",
    "Summitry ÷ Datasette (req/s)",
    "floor",
]


def duration(seconds: float) -> str:
    if math.isnan(seconds):
        return "–"
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.1f} s" if seconds < 100 else f"{seconds:.0f} s"


def load_cell(sample: Sample | None) -> str:
    """ "38 ms / 90 ms / 102 req/s", with errors named; "n/a" without a sample."""
    if sample is None:
        return "n/a"
    text = f"{duration(sample.median)} / {duration(sample.p99)} / {sample.rate:.1f} req/s"
    if sample.errors:
        text += f" — **{len(sample.errors)} errors** ({sample.errors[0]})"
    return text


def ratio(ours: float, theirs: float) -> str:
    """ours ÷ theirs as "2.1×" (above 1: Summitry ahead), "–" when either is missing."""
    if not ours or not theirs or math.isnan(ours) or math.isnan(theirs):
        return "–"
    return f"{ours / theirs:.2f}×"


def download_cell(d: Download | None, expected: int | None = None) -> str:
    if d is None:
        return "n/a"
    text = (
        f"{d.rows:,} rows in {duration(d.seconds)}, {d.rows_per_second / 1000:.1f}k rows/s, "
        f"first byte {duration(d.first_byte)}, {d.size / 2**20:.0f} MiB"
    )
    if d.peak_rss:
        text += (
            f", server RSS ≤ {d.peak_rss / 2**20:.0f} MiB ({d.before_rss / 2**20:.0f} MiB before; "
            f"largest process ≤ {d.peak_process / 2**20:.0f} MiB)"
        )
    if d.status != 200 or d.error:
        text += f" — **HTTP {d.status} {d.error}**"
    if expected is not None and d.rows != expected:
        text += f" — **TRUNCATED: {d.rows:,} of {expected:,} rows**"
    return text


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *map(line, rows)])


def machine() -> str:
    """ "4 × Intel(R) Xeon(R) …, 23 GiB, Linux 6.1": what the figures were measured on."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    model = next(
        (ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), model
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} × {model}, {memory:.0f} GiB, {platform.system()} {platform.release()}"


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()

    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + (" (uncommitted changes)" if dirty else "")


def heading(n: int, command: str) -> str:
    return (
        f"**{n:,} visits**, {dt.datetime.now():%Y-%m-%d %H:%M}, commit {commit()}  \n"
        f"Machine: {machine()}  \n"
        f"Command: `{command}`"
    )
