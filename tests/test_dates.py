import datetime as dt

import pytest

from visits.dates import add_years, format_date, format_iso, latest_possible_date, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1958", (dt.date(1958, 1, 1), "year")),
        ("1958-11", (dt.date(1958, 11, 1), "month")),
        ("1958-11-22", (dt.date(1958, 11, 22), "day")),
        (" 2018-3-25 ", (dt.date(2018, 3, 25), "day")),
    ],
)
def test_parse_date_sets_precision_from_form(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["soon", "1958-13", "2019-02-29", "58", "1958/11/22", ""])
def test_parse_date_rejects_with_message(text):
    with pytest.raises(ValueError, match="date"):
        parse_date(text)


def test_format_date_shows_only_the_precision_known():
    assert format_date(dt.date(1958, 11, 1), "month") == "November 1958"
    assert format_date(dt.date(1958, 1, 1), "year") == "1958"
    assert format_date(dt.date(1958, 11, 1), "day") == "1 November 1958"
    assert format_iso(dt.date(1958, 11, 1), "month") == "1958-11"


def test_latest_possible_date_is_last_day_of_month_or_year():
    assert latest_possible_date(dt.date(2024, 2, 1), "month") == dt.date(2024, 2, 29)
    assert latest_possible_date(dt.date(1964, 1, 1), "year") == dt.date(1964, 12, 31)
    assert latest_possible_date(dt.date(1964, 5, 6), "day") == dt.date(1964, 5, 6)


def test_add_years_handles_leap_day():
    assert add_years(dt.date(2012, 2, 29), 1) == dt.date(2013, 2, 28)
    assert add_years(dt.date(2012, 11, 15), 6) == dt.date(2018, 11, 15)
