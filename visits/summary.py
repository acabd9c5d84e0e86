"""Counts of published visits by era, direction, level and year, kept current by the
write path (visits.services) and rebuilt by `manage.py rebuild_summary`.

The interface the write services call is fixed here; the table behind it is built
in issue 9's summary work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    """What the summary needs to know of one visit, before or after a write."""

    visitor_country_id: str
    host_country_id: str
    level: int
    start_date: dt.date
    start_latest: dt.date
    status: str

    @classmethod
    def of(cls, visit) -> Facts:
        return cls(
            visit.visitor_country_id,
            visit.host_country_id,
            visit.level,
            visit.start_date,
            visit.start_latest,
            visit.status,
        )


def adjust(*, removed: Iterable[Facts] = (), added: Iterable[Facts] = ()) -> None:
    """Move the summary by the visits a write removed (their state before it) and
    added (their state after it). Called inside the write's transaction, after the
    data-version lock; only published visits count."""
