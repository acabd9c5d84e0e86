"""What the comparison pages show: the form that reads their parameters, and the
charts, tables and headline built from visits.stats (the numbers the API gives)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.urls import reverse

from visits import charts, stats, tables
from visits.eras import membership
from visits.filters import LEVEL_CHOICES, PairField
from visits.models import DataVersion, Era, EraScheme, Level, PublishedFigure


class CompareForm(forms.Form):
    pair = PairField(initial="CHN,PRK", help_text="Two alpha-3 codes, e.g. CHN,PRK.")
    scheme = forms.ModelChoiceField(
        queryset=EraScheme.objects.order_by("name"),
        to_field_name="slug",
        empty_label=None,
        label="Era scheme",
    )
    min_level = forms.ChoiceField(
        choices=LEVEL_CHOICES, initial="minister", label="Visitor at least"
    )
    as_of = forms.DateField(
        required=False,
        label="As of",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )
    window = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        label="Equal window (years)",
        help_text="Default: the latest era's length so far.",
    )


def featured_params() -> dict:
    featured = settings.SUMMITRY_FEATURED
    return {
        "pair": ",".join(featured["pair"]),
        "scheme": featured["scheme"],
        "min_level": featured["min_level"],
    }


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    caption: str
    figure: dict  # Plotly figure JSON, as the API's charts endpoint returns it
    table: tables.Table
    csv_url: str
    permalink: str


CAPTIONS = {
    "era-comparison": "Visits per era, split by direction. Orange diamonds: the totals CSIS "
    "published; grey dashes: the total recorded here. Where a diamond stands above the "
    "bars, the itemised records fall short of the published count.",
    "timeline": "Visits per calendar year by direction; shaded bands are the eras, "
    "stars mark leader-level visits. Hover a bar for the visits behind it.",
    "rate": "Visits divided by the years each era lasted (up to the as-of date), since "
    "eras differ in length: Mao's 27 years against a few for a new leader.",
    "window": "Visits within the first N years of each era, an equal window for eras of "
    "different lengths. Pale bars: eras that have not yet lasted N years.",
    "leader-visits": "Visits by a supreme or paramount leader, by direction: the summits. "
    "Orange outlines: the leader trips CSIS published for that direction.",
}
TITLES = {
    "era-comparison": "Visits per era",
    "timeline": "Visits per year",
    "rate": "Visits per year in office",
    "window": "Equal window",
    "leader-visits": "Leader-level visits",
}


def _query(data: dict) -> tuple[dict, str, int]:
    """(pair/min_level/as_of, scheme slug, window) from valid CompareForm data, with
    today and the latest era's length as defaults."""
    as_of = data.get("as_of") or dt.date.today()
    scheme = data["scheme"].slug
    common = {"pair": data["pair"], "min_level": Level.from_slug(data["min_level"]), "as_of": as_of}
    window = data.get("window") or stats.default_window(scheme=scheme, as_of=as_of)
    return common, scheme, window


def comparison_page(data: dict) -> dict:
    """The context of a comparison page for valid CompareForm data."""
    common, scheme, window = _query(data)
    comparison = stats.era_comparison(**common, scheme=scheme, window=window)
    timeline = stats.timeline(**common)
    marks = stats.visit_marks(**common)
    params = {
        "pair": ",".join(common["pair"]),
        "scheme": scheme,
        "min_level": Level(common["min_level"]).slug,
        "as_of": common["as_of"].isoformat(),
        "window": window,
    }
    return {
        "comparison": comparison,
        "headline": headline(comparison),
        "charts": _charts(comparison, timeline, marks, params),
        "params": params,
        "query": urlencode(params),
        "last_changed": DataVersion.current().changed_at,
    }


def _charts(comparison, timeline, marks, params) -> list[Chart]:
    built = {
        "era-comparison": (
            charts.era_comparison_chart(comparison, marks),
            tables.era_comparison_table(comparison),
        ),
        "timeline": (
            charts.timeline_chart(timeline, comparison.rows, marks),
            tables.timeline_table(timeline),
        ),
        "rate": (charts.rate_chart(comparison), tables.rate_table(comparison)),
        "window": (charts.window_chart(comparison), tables.window_table(comparison)),
        "leader-visits": (
            charts.leader_visits_chart(comparison, marks),
            tables.leader_visits_table(comparison),
        ),
    }
    query = urlencode(params)
    return [
        Chart(
            slug=slug,
            title=TITLES[slug],
            caption=CAPTIONS[slug],
            figure=json.loads(figure.to_json()),
            table=table,
            csv_url=f"{reverse('chart-csv', args=[slug])}?{query}",
            permalink=f"{reverse('compare')}?{query}#{slug}",
        )
        for slug, (figure, table) in built.items()
    ]


def chart_table(slug: str, data: dict) -> tables.Table:
    """The table of one chart, for its CSV download: only the stats that table needs,
    no figures."""
    common, scheme, window = _query(data)
    if slug == "timeline":
        return tables.timeline_table(stats.timeline(**common))
    return TABLES[slug](stats.era_comparison(**common, scheme=scheme, window=window))


TABLES = {
    "era-comparison": tables.era_comparison_table,
    "rate": tables.rate_table,
    "window": tables.window_table,
    "leader-visits": tables.leader_visits_table,
}


def headline(c: stats.EraComparison) -> str:
    """ "Under Xi Jinping (since November 2012): 9 high-level visits in 5.4 years;
    under Hu Jintao: 57 in 10 years; …", latest era first."""
    parts = []
    for i, row in enumerate(reversed(c.rows)):
        since = f" (since {row.start_date:%B %Y})" if row.ongoing else ""
        noun = " high-level visits" if i == 0 else ""
        parts.append(f"under {row.name}{since}: {row.total}{noun} in {_years(row.years)}")
    if not parts:
        return "No era of this scheme had begun by the as-of date."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _years(years: float) -> str:
    return f"{years:.0f} years" if years >= 10 else f"{years:.1f} years"


LEVEL_LADDER = [
    (Level.LEADER, "Supreme or paramount leader (Mao, Deng, Kim Il-sung, Kim Jong-un…)."),
    (
        Level.HEAD_OF_STATE,
        "Head of state who is not the supreme leader (Liu Shaoqi, "
        "Kim Yong-nam as President of the SPA Presidium).",
    ),
    (Level.HEAD_OF_GOVERNMENT, "Premier."),
    (
        Level.SENIOR,
        "Politburo Standing Committee member, vice-president, vice-premier, "
        "state councillor, head of the legislature, heir apparent.",
    ),
    (
        Level.MINISTER,
        "Foreign minister and other ministers, heads of central party "
        "departments, top military officers of ministerial rank. CSIS's "
        "threshold, \u201cMinister of Foreign Affairs or above\u201d, is this level.",
    ),
    (Level.SUB_MINISTER, "Vice-ministers, envoys and provincial leaders: below the threshold."),
    (Level.UNKNOWN, "The source does not state the visitor's rank."),
]


def visit_eras(visit) -> list[tuple]:
    """(scheme, era or None, ambiguous) for every scheme of either country: one query."""
    schemes: dict = {}
    eras = (
        Era.objects.filter(scheme__country__in=[visit.visitor_country_id, visit.host_country_id])
        .select_related("scheme")
        .order_by("scheme__name", "start_date")
    )
    for era in eras:
        schemes.setdefault(era.scheme, []).append(era)
    out = []
    for scheme, scheme_eras in schemes.items():
        m = membership(visit.start_date, visit.start_latest, scheme_eras)
        out.append((scheme, m.era, m.ambiguous))
    return out


def person_figure(person, visits, hosted) -> dict:
    """A person's visits (as visitor, and as host) on a timeline, as Plotly JSON."""
    return json.loads(charts.person_timeline_chart(person.name, visits, hosted).to_json())


def coverage() -> list[stats.EraComparison]:
    """One comparison per (pair, scheme, as-of date) that published figures exist for,
    so each figure stands beside the records counted under its own rule."""
    keys = (
        PublishedFigure.objects.order_by()
        .values_list("country_a_id", "country_b_id", "era__scheme__slug", "as_of")
        .distinct()
    )
    return [
        stats.era_comparison(pair=(a, b), scheme=scheme, as_of=as_of)
        for a, b, scheme, as_of in keys
    ]
