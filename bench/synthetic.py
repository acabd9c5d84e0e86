"""Synthetic interchange rows for benchmarks: plausible shapes, obviously fake names.
Never shipped as data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

LEVELS = ["leader", "head_of_state", "head_of_government", "senior", "minister", "sub_minister"]
PAIRS = [("CHN", "PRK"), ("PRK", "CHN"), ("USA", "CHN"), ("CHN", "RUS"), ("KOR", "JPN")]


def synthetic_rows(n: int, *, seed: int = 1, people: int = 5000) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    start = dt.date(1953, 1, 1)
    for i in range(n):
        visitor, host = rng.choice(PAIRS)
        day = start + dt.timedelta(days=rng.randrange(26000))
        yield {
            "start_date": day.isoformat(),
            "end_date": (day + dt.timedelta(days=rng.randrange(6))).isoformat(),
            "visitor": f"Synthetic Person {rng.randrange(people)}",
            "visitor_title": "Synthetic title",
            "visitor_country": visitor,
            "host_country": host,
            "level": rng.choice(LEVELS),
            "channel": "state",
            "kind": "official",
            "hosts": f"Synthetic Host {rng.randrange(people)}",
            "places": "Capital",
            "purpose": "Synthetic benchmark row",
            "source_url": f"https://example.org/synthetic/{i}",
            "source_title": "",
            "confidence": "low",
            "status": "published",
            "external_id": f"synthetic-{i}",
        }
