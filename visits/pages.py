"""What the comparison pages show: the form that reads their parameters, and the
charts, tables and headline built from visits.stats (the numbers the API gives)."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse

from visits import abroad, chart_registry, findings, stats, tables
from visits.eras import membership
from visits.filters import LEVEL_CHOICES, PairField
from visits.models import (
    Confidence,
    DataVersion,
    Era,
    EraScheme,
    Kind,
    Level,
    PublishedFigure,
    Visit,
)


class MultipleValues(forms.CheckboxSelectMultiple):
    """Several values, repeated (`exclude_kind=event&exclude_kind=transit`) or
    comma-separated (`exclude_kind=event,transit`), as the API takes them."""

    def value_from_datadict(self, data, files, name):
        values = super().value_from_datadict(data, files, name)
        return [v.strip() for item in values for v in item.split(",") if v.strip()]


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
        help_text="Default: chosen so that complete eras are compared; the chart says how.",
    )
    exclude_kind = forms.MultipleChoiceField(
        required=False,
        choices=Kind.choices,
        widget=MultipleValues,
        label="Leave out",
        help_text="Kinds of visit.",
    )
    min_confidence = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), (Confidence.MEDIUM, "Medium or high"), (Confidence.HIGH, "High")],
        label="Confidence at least",
    )


def form_data(query: QueryDict) -> QueryDict:
    """The request's parameters over the featured comparison's."""
    data = query.copy()
    for name, value in featured_params().items():
        data.setdefault(name, value)
    return data


def featured_params() -> dict:
    featured = settings.SUMMITRY_FEATURED
    return {
        "pair": ",".join(featured["pair"]),
        "scheme": featured["scheme"],
        "min_level": featured["min_level"],
    }


def base_visits(data: dict) -> tuple[QuerySet, dict]:
    """Published visits narrowed by the form's kind and confidence controls, and the
    parameters (the API's names) that reproduce that narrowing."""
    visits, filters = Visit.objects.published(), {}
    if data.get("exclude_kind"):
        visits = visits.exclude(kind__in=data["exclude_kind"])
        filters["exclude_kind"] = ",".join(data["exclude_kind"])
    if data.get("min_confidence"):
        visits = visits.confidence_at_least(data["min_confidence"])
        filters["min_confidence"] = data["min_confidence"]
    return visits, filters


def chart_data(data: dict) -> chart_registry.ComparisonData:
    visits, filters = base_visits(data)
    return chart_registry.ComparisonData(
        pair=data["pair"],
        scheme=data["scheme"].slug,
        min_level=Level.from_slug(data["min_level"]),
        as_of=data.get("as_of") or dt.date.today(),
        window=data.get("window"),
        visits=visits,
        filters=filters,
    )


def comparison_page(data: dict) -> dict:
    """The context of a comparison page for valid CompareForm data, cached per data
    version (so a read after any write is fresh) and per query."""
    version = DataVersion.current()
    key = _cache_key("compare", version, sorted(_form_params(data).items()))
    context = cache.get(key)
    if context is None:
        context = _comparison_context(chart_data(data))
        cache.set(key, context, CACHE_SECONDS)
    return {**context, "last_changed": version.published_changed_at}


CACHE_SECONDS = 24 * 3600


def _cache_key(prefix: str, version: DataVersion, query) -> str:
    changed = version.changed_at.timestamp() if version.changed_at else 0
    digest = hashlib.sha256(repr((version.version, changed, query)).encode()).hexdigest()
    return f"summitry:{prefix}:{digest}"


def _form_params(data: dict) -> dict:
    return {
        "pair": ",".join(data["pair"]),
        "scheme": data["scheme"].slug,
        "min_level": data["min_level"],
        "as_of": (data.get("as_of") or dt.date.today()).isoformat(),
        "window": data.get("window") or "",
        "exclude_kind": ",".join(data.get("exclude_kind") or []),
        "min_confidence": data.get("min_confidence") or "",
    }


def _comparison_context(d: chart_registry.ComparisonData) -> dict:
    params = {
        "pair": ",".join(d.pair),
        "scheme": d.scheme,
        "min_level": Level(d.min_level).slug,
        "as_of": d.as_of.isoformat(),
        "window": d.window.years,
        **d.filters,
    }
    query = urlencode(params)
    return {
        "comparison": d.comparison,
        "headline": headline(d.comparison),
        "finding": d.finding,
        "finding_sentence": finding_sentence(d.finding) if d.finding else "",
        "as_published_url": _as_published_url(d),
        "charts": [
            chart_registry.build(
                spec,
                d,
                csv_url=f"{reverse('chart-csv', args=[spec.slug])}?{query}",
                permalink=f"{reverse('compare')}?{query}#{spec.slug}",
            )
            for spec in chart_registry.shown("comparison", d)
        ],
        "params": params,
        "query": query,
        "cite_context": f"{d.comparison.scheme_name}, {' ⇄ '.join(d.pair)}, "
        f"{d.comparison.min_level.replace('_', ' ')} or above, as of {d.as_of:%-d %B %Y}",
    }


def _as_published_url(d: chart_registry.ComparisonData) -> str:
    """The comparison as the finding's publisher saw it: its date and threshold."""
    if d.finding is None:
        return ""
    params = {"pair": ",".join(d.pair), "scheme": d.finding.scheme}
    params |= {"min_level": d.finding.min_level, "as_of": d.finding.as_of.isoformat()}
    return f"{reverse('compare')}?{urlencode({**params, **d.filters})}"


def chart_table(slug: str, data: dict) -> tables.Table:
    """The table of one comparison chart, for its CSV download: only the stats that
    table needs, no figures. Raises KeyError for a chart that is not one."""
    spec = chart_registry.REGISTRY[slug]
    d = chart_data(data)
    if spec.scope != "comparison" or not spec.shown(d):
        raise KeyError(slug)
    return spec.table(d)


def finding_sentence(f: findings.Finding) -> str:
    """ "As CSIS counted on 28 March 2018: Xi Jinping 7 published, 9 recorded here;
    Hu Jintao 54 / 57; … — per year in office by then, 1.7, 5.7 and … recorded here."
    Latest era first."""
    counts = [
        f"{r.era} {r.figure.value} published, {r.figure.recorded} recorded here"
        if i == 0
        else f"{r.era} {r.figure.value} / {r.figure.recorded}"
        for i, r in enumerate(f.totals)
    ]
    rates = [f"{r.recorded_per_year:.1f}" for r in f.totals if r.recorded_per_year is not None]
    rate_text = ", ".join(rates[:-1]) + f" and {rates[-1]}" if len(rates) > 1 else "".join(rates)
    return (
        f"As {f.publisher} counted on {f.as_of:%-d %B %Y}: {'; '.join(counts)} \u2014 "
        f"per year in office by then, {rate_text} recorded here."
    )


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


def person_charts(person, visits, hosted) -> list[chart_registry.BuiltChart]:
    """The person page's chart, with its table, CSV, permalink (and citation)."""
    data = chart_registry.PersonData(person, visits, hosted)
    return _page_charts("person", data, reverse("person-detail", args=[person.slug]))


def era_charts(data: chart_registry.EraData) -> list[chart_registry.BuiltChart]:
    return _page_charts("era", data, data.era.get_absolute_url())


def _page_charts(scope: str, data, page: str) -> list[chart_registry.BuiltChart]:
    return [
        chart_registry.build(
            spec, data, csv_url=f"{page}{spec.slug}.csv", permalink=f"{page}#{spec.slug}"
        )
        for spec in chart_registry.shown(scope, data)
    ]


def about_findings() -> list[tuple[findings.Finding, list]]:
    """Every publication's figures beside the records under their own rules, each
    row with its recorded visits grouped (findings.figure_gaps), for /about/."""
    pairs = (
        PublishedFigure.objects.filter(country_b__isnull=False)
        .order_by()
        .values_list("country_a_id", "country_b_id")
        .distinct()
    )
    out = []
    for pair in pairs:
        gaps = findings.pair_figure_gaps(pair=pair)
        out += [
            (f, [(row, gaps[row.figure.figure_id]) for row in f.rows])
            for f in findings.like_for_like(pair=pair)
        ]
    return out


def presidents_abroad() -> list:
    """China's heads of state since 1988 and their recorded visits abroad, for /about/;
    [] when the scheme is not loaded."""
    try:
        comparison = abroad.side_comparison(side=("CHN", None), scheme="china-head-of-state")
    except EraScheme.DoesNotExist:
        return []
    return [row for row in comparison.rows if row.start_date >= dt.date(1988, 1, 1)]
