"""What "in an era" means. The one place that knows it.

Rules:
- An era covers [start_date, end_date): the start day is in the era, the end day
  is not (it is the first day of the next era). An era with no end is ongoing.
- A visit belongs to the era containing its `start_date`, which for an imprecise
  date is its first possible day (1958-11-01 for "November 1958").
- A visit is *ambiguous* when its possible start range, [start_date, start_latest],
  reaches past the end of the era it is counted in (or, outside every era, into
  the next era): it is still counted where its first possible day falls, and
  reported as ambiguous so the uncertainty stays visible.
- A visit before the first era, after a closed last era, or in a gap between eras
  is outside every era.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Q


class Span(Protocol):
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True)
class Membership:
    era: Span | None
    ambiguous: bool


def contains(era: Span, day: dt.date) -> bool:
    return era.start_date <= day and (era.end_date is None or day < era.end_date)


def era_for(day: dt.date, eras: Sequence[Span]) -> Span | None:
    """The era containing `day`, or None. `eras` sorted by start date, not overlapping."""
    index = bisect.bisect_right([e.start_date for e in eras], day) - 1
    if index >= 0 and contains(eras[index], day):
        return eras[index]
    return None


def membership(start: dt.date, latest: dt.date, eras: Sequence[Span]) -> Membership:
    """Where a visit whose first possible day is `start` and last is `latest` counts."""
    era = era_for(start, eras)
    return Membership(era=era, ambiguous=era_for(latest, eras) is not era)


def in_era_q(era: Span, field: str = "start_date") -> Q:
    """Q for visits counted in `era` (by their first possible day)."""
    q = Q(**{f"{field}__gte": era.start_date})
    if era.end_date:
        q &= Q(**{f"{field}__lt": era.end_date})
    return q


def ambiguous_q(era: Span) -> Q | None:
    """Q for visits counted in `era` whose last possible day lies past its end;
    None for an ongoing era, which no visit can run past."""
    if era.end_date is None:
        return None
    return in_era_q(era) & Q(start_latest__gte=era.end_date)


def outside_q(eras: Sequence[Span]) -> Q:
    """Q for visits outside every era."""
    q = Q()
    for era in eras:
        q &= ~in_era_q(era)
    return q


def years_between(start: dt.date, end: dt.date) -> float:
    """Length in years of [start, end), in days / 365.25."""
    return max((end - start).days, 0) / 365.25


def span_years(span: tuple[dt.date, dt.date]) -> float:
    """Length in years of (first day, last day), both counted."""
    first, last = span
    return years_between(first, last + dt.timedelta(days=1))
