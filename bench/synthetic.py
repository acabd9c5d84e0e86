"""Synthetic interchange rows for benchmarks: plausible shapes, obviously fake names.
Never shipped as data.

Deterministic for a given (n, seed): the same rows in the same order on every
machine. Every row is valid interchange (visits.interchange.parse_rows accepts the
whole file) and published, so an export must return exactly n rows.

The shape, roughly as a world of visits looks:
- about 40 countries, China ⇄ North Korea about 4.5 % of rows (both directions);
  China is in about a third of the rows, so the all-pairs comparison has partners;
- people per country in a long-tailed spread (a few visit often, most rarely),
  one visitor (STAR) with about 800 visits for the person page;
- levels from leader (rare) to sub-minister, dates precise to the day (most), the
  month or the year, one to three sources and zero to three hosts per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

COLUMNS = [
    "start_date",
    "end_date",
    "visitor",
    "visitor_title",
    "visitor_country",
    "host_country",
    "level",
    "channel",
    "kind",
    "multilateral",
    "hosts",
    "places",
    "purpose",
    "notes",
    "source_url",
    "source_title",
    "confidence",
    "status",
    "external_id",
]
COUNTRIES = [
    "CHN",
    "PRK",
    "USA",
    "RUS",
    "JPN",
    "KOR",
    "VNM",
    "LAO",
    "KHM",
    "MNG",
    "IND",
    "PAK",
    "IRN",
    "SYR",
    "EGY",
    "CUB",
    "DEU",
    "FRA",
    "GBR",
    "ITA",
    "POL",
    "CZE",
    "HUN",
    "ROU",
    "BGR",
    "SRB",
    "ALB",
    "IDN",
    "MYS",
    "THA",
    "MMR",
    "NPL",
    "ZWE",
    "TZA",
    "AGO",
    "ETH",
    "DZA",
    "LBY",
    "BRA",
    "ZAF",
]
# (value, weight) pairs; weights are relative.
LEVELS = [
    ("leader", 2),
    ("head_of_state", 4),
    ("head_of_government", 6),
    ("senior", 20),
    ("minister", 38),
    ("sub_minister", 25),
    ("unknown", 5),
]
CHANNELS = [("state", 60), ("party", 20), ("military", 10), ("legislature", 7), ("other", 3)]
KINDS = [("official", 45), ("state", 10), ("working", 20), ("envoy", 8), ("event", 12)]
KINDS += [("unofficial", 3), ("transit", 1), ("other", 1)]
CONFIDENCE = [("high", 30), ("medium", 50), ("low", 20)]
PRECISIONS = [("day", 85), ("month", 10), ("year", 5)]
FIRST_DAY = dt.date(1953, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days
STAR = "Synthetic Star Visitor"  # CHN, about 800 visits
STAR_VISITS = 800


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


def _people_per_country(n: int) -> int:
    """About one person per 86 visits (the issue's 11,628 people at 1M), at least 20."""
    return max(20, n // 86 // len(COUNTRIES))


class _World:
    """The random choices of one generator, from one seeded Random."""

    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.per_country = _people_per_country(n)
        self.star_every = max(2, n // STAR_VISITS)
        self.levels, self.level_w = _weighted(LEVELS)
        self.channels, self.channel_w = _weighted(CHANNELS)
        self.kinds, self.kind_w = _weighted(KINDS)
        self.confidences, self.confidence_w = _weighted(CONFIDENCE)
        self.precisions, self.precision_w = _weighted(PRECISIONS)
        # Zipf-like: CHN and PRK first, so they are the busiest countries.
        self.country_w = [1 / (rank + 1) ** 0.8 for rank in range(len(COUNTRIES))]

    def pick(self, values, weights):
        return self.rng.choices(values, weights)[0]

    def direction(self) -> tuple[str, str]:
        roll = self.rng.random()
        if roll < 0.045:
            return ("CHN", "PRK") if roll < 0.0225 else ("PRK", "CHN")
        while True:
            visitor, host = self.rng.choices(COUNTRIES, self.country_w, k=2)
            if visitor != host:
                return visitor, host

    def person(self) -> int:
        """A person's number within a country: skewed, 0 is the busiest (at 1M rows
        about 1 % of the country's trips, below STAR)."""
        return int(self.per_country * self.rng.random() ** 1.25)

    def date(self) -> tuple[str, str, dt.date]:
        """(start_date text, precision, first possible day)."""
        day = FIRST_DAY + dt.timedelta(days=self.rng.randrange(DAYS))
        precision = self.pick(self.precisions, self.precision_w)
        if precision == "year":
            return f"{day.year}", precision, dt.date(day.year, 1, 1)
        if precision == "month":
            return f"{day:%Y-%m}", precision, day.replace(day=1)
        return day.isoformat(), precision, day


def _sources(world: _World, i: int) -> tuple[str, str]:
    count = world.pick([1, 2, 3], [60, 30, 10])
    urls = [f"https://example.org/synthetic/{i}/{s}" for s in range(count)]
    titles = [f"Synthetic report {i}.{s}" for s in range(count)]
    return "; ".join(urls), "; ".join(titles)


def _row(world: _World, i: int, seen: set[int]) -> dict[str, str]:
    visitor_country, host = world.direction()
    star = i % world.star_every == 0 and i // world.star_every < STAR_VISITS
    if star:
        visitor_country, host = "CHN", world.rng.choice(["PRK", "PRK", "RUS", "VNM", "USA"])
    number = -1 if star else world.person()
    visitor = STAR if star else f"Synthetic Visitor {visitor_country} {number}"
    # A visitor's trips to one country on one first day are one trip: draw again.
    who = (COUNTRIES.index(visitor_country) * world.per_country + number + 1) * 64
    while True:
        start, precision, first = world.date()
        key = (who + COUNTRIES.index(host)) * 100_000 + (first - FIRST_DAY).days
        if key not in seen:
            seen.add(key)
            break
    sources, titles = _sources(world, i)
    hosts = {f"Synthetic Host {host} {world.person()}" for _ in range(world.rng.randrange(4))}
    end = first + dt.timedelta(days=world.rng.randrange(6))
    return {
        "start_date": start,
        "end_date": end.isoformat() if precision == "day" else "",
        "visitor": visitor,
        "visitor_title": "Synthetic title",
        "visitor_country": visitor_country,
        "host_country": host,
        "level": world.pick(world.levels, world.level_w),
        "channel": world.pick(world.channels, world.channel_w),
        "kind": (kind := world.pick(world.kinds, world.kind_w)),
        "multilateral": "true" if kind == "event" else "false",
        "hosts": "; ".join(sorted(hosts)),
        "places": "; ".join(["Capital", "Second City"][: world.rng.randrange(1, 3)]),
        "purpose": "Synthetic benchmark row",
        "notes": "",
        "source_url": sources,
        "source_title": titles,
        "confidence": world.pick(world.confidences, world.confidence_w),
        "status": "published",
        "external_id": f"synthetic-{i}",
    }


def synthetic_rows(n: int, *, seed: int = 1, people: int | None = None) -> Iterator[dict[str, str]]:
    """n interchange rows, the same for the same (n, seed). `people` is accepted for
    older callers and ignored: the number of people follows from n."""
    world = _World(n, seed)
    seen: set[int] = set()
    for i in range(n):
        yield _row(world, i, seen)


def write_csv(path: Path, n: int, *, seed: int = 1) -> Path:
    """Write synthetic_rows(n) as an interchange CSV (UTF-8, header row)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(synthetic_rows(n, seed=seed))
    return path
