"""Dates at a precision: parsing `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and showing them."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_FORMS = {
    "year": re.compile(r"^(\d{4})$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "day": re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
}


def parse_date(text: str) -> tuple[dt.date, str]:
    """Return (first possible day, precision) for `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.

    Raises ValueError with a reader-facing message for anything else.
    """
    text = (text or "").strip()
    for precision, pattern in _FORMS.items():
        match = pattern.match(text)
        if match:
            parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
            try:
                return dt.date(*parts), precision
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a real date ({exc})") from None
    raise ValueError(f"{text!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD")


def format_iso(value: dt.date, precision: str) -> str:
    """The interchange form: as many parts as the precision holds."""
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def format_date(value: dt.date, precision: str) -> str:
    """For people: "1958", "November 1958", "12 November 1958"."""
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return f"{value:%B} {value.year}"
    return f"{value.day} {value:%B} {value.year}"


def add_years(value: dt.date, years: int) -> dt.date:
    """Same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:
        return value.replace(year=value.year + years, day=28)


def latest_possible_date(start: dt.date, precision: str) -> dt.date:
    """The last day an imprecise date may stand for: the month's or the year's last day."""
    if precision == "year":
        return dt.date(start.year, 12, 31)
    if precision == "month":
        return dt.date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return start


def is_first_day(value: dt.date, precision: str) -> bool:
    """An imprecise date is stored as its first possible day."""
    if precision == "year":
        return (value.month, value.day) == (1, 1)
    if precision == "month":
        return value.day == 1
    return True
