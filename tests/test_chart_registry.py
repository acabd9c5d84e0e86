"""The one chart registry: every chart declared once and found by the page, the CSV
and the API under the same slug."""

import datetime as dt

import pytest

from visits import chart_registry
from visits.models import Level

D = dt.date


def test_every_chart_is_declared_once_with_all_its_parts():
    slugs = [spec.slug for spec in chart_registry.CHARTS]
    assert len(slugs) == len(set(slugs)) == len(chart_registry.REGISTRY)
    for spec in chart_registry.CHARTS:
        assert spec.title and spec.caption and callable(spec.figure) and callable(spec.table)
        assert spec.scope in {"comparison", "person", "era"}


def test_the_api_serves_the_comparison_charts():
    assert chart_registry.api_charts() == [
        "finding",
        "era-comparison",
        "timeline",
        "rate",
        "window",
        "leader-visits",
    ]


@pytest.mark.django_db
def test_each_comparison_chart_builds_from_one_data_object(seeded):
    data = chart_registry.ComparisonData(
        pair=("CHN", "PRK"),
        scheme="china-paramount",
        min_level=Level.MINISTER,
        as_of=D(2018, 3, 28),
    )
    for spec in chart_registry.shown("comparison", data):
        built = chart_registry.build(spec, data, csv_url="/c.csv", permalink="/p")
        assert built.figure["data"] and built.table.headers and built.source.startswith("Source:")
        assert "CSIS" not in spec.text(spec.title, data) or spec.slug == "finding"
    assert data.window.years == 5 and "CSIS counted on 28 March 2018" in data.window.reason


@pytest.mark.django_db
def test_the_finding_is_not_shown_without_published_figures(seeded):
    data = chart_registry.ComparisonData(
        pair=("CHN", "SUN"), scheme="china-paramount", min_level=Level.MINISTER
    )
    assert [s.slug for s in chart_registry.shown("comparison", data)][0] == "era-comparison"


@pytest.mark.django_db
def test_above_the_named_maximum_the_visits_are_counted_not_fetched(
    seeded, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(chart_registry.charts, "NAMED_MAX", 5)
    data = chart_registry.ComparisonData(
        pair=("CHN", "PRK"), scheme="china-paramount", min_level=Level.MINISTER
    )
    data.timeline  # noqa: B018 (the one aggregate the count comes from)
    with django_assert_num_queries(0):
        assert data.marks is None
    timeline = chart_registry.REGISTRY["timeline"]
    caption = timeline.text(timeline.caption, data)
    assert f"With {data.counted:,} visits, more than the 5 a chart names" in caption
    assert "a star marks a year with leader-level visits" in caption
