"""The one-sided page: a country's leaders abroad (or its guests), era by era, beside
the published figures, each counted under its own rule and its gap itemised."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import render

from visits import abroad, abroad_chart, findings
from visits import eras as era_rules
from visits.models import EraScheme, Level, arrow
from visits.partners import parse_scheme_level_as_of
from visits.stats import PublishedCount

DEFAULT = {"side": "CHN-any", "scheme": "china-head-of-state", "min_level": "minister"}


def abroad_page(request):
    """`side`, `scheme`, `min_level` and `as_of` from the query string (defaults: China's
    heads of state abroad); a bad one is a 400 naming it beside the form."""
    schemes = list(EraScheme.objects.order_by("name"))
    errors, query = _parse(request.GET, {s.slug for s in schemes})
    context = {"schemes": schemes, "levels": list(Level), "errors": errors, "raw": _raw(request)}
    if errors:
        return render(request, "visits/abroad.html", context, status=400)
    comparison = abroad.side_comparison(**query)
    gaps = findings.figure_gaps(comparison.figures, examples=3)
    published = [
        FigureLine(p, gaps[p.figure_id], row.leader)
        for row in comparison.rows
        for p in row.published
    ]
    api = {
        "side": comparison.direction,
        "scheme": comparison.scheme,
        "min_level": comparison.min_level,
        "as_of": comparison.as_of.isoformat(),
    }
    rows = abroad_chart.shown(comparison)
    return render(
        request,
        "visits/abroad.html",
        {
            **context,
            "comparison": comparison,
            "rows": rows,
            "published": published,
            "finding": finding(published),
            "ranking": _ranking(comparison, rows),
            "figure": abroad_chart.rate_chart(comparison),
            "api_url": f"/api/v1/stats/era-comparison/?{urlencode(api)}",
            "arrow": arrow(comparison.direction),
            "heading": heading(comparison),
        },
    )


@dataclass(frozen=True)
class FigureLine:
    """A published figure as the page states it: its rule in words, the published and
    the recorded numbers, and the visits behind the difference (findings.FigureGap)."""

    count: PublishedCount
    gap: findings.FigureGap
    leader: str

    @property
    def rule(self) -> str:
        p = self.count
        who = f"{self.leader}'s own visits" if p.metric == "leader_trips" else "visits"
        if p.metric == "total":
            who = f"visits at or above {Level.from_slug(p.min_level).label.lower()}"
        words = f"{who} {arrow(p.direction)}, {p.span[0]:%-d %B %Y} to {p.span[1]:%-d %B %Y}"
        if p.region:
            words += f", to countries in {p.region} (UN M49)"
        if p.unit == "host_countries":
            words = f"distinct host countries of {words}"
        if p.per_year:
            words += f", per year of those {self.years:.1f} years"
        return words

    @property
    def years(self) -> float:
        return era_rules.span_years(self.count.span)

    @property
    def published_visits(self) -> float | None:
        """The visits the published number stands for: a count, or rate × years."""
        p = self.count
        if p.unit == "host_countries":
            return None
        return round(p.value * self.years, 1) if p.per_year else p.value

    @property
    def difference(self) -> str:
        p = self.count
        if p.unit == "host_countries":
            diff, noun = int(p.recorded - p.value), "countries"
        else:
            diff, noun = round(p.visits - self.published_visits), "visits"
        if diff == 0:
            return "none"
        return f"{abs(diff)} {noun} {'more' if diff > 0 else 'fewer'} here"


def finding(lines: list[FigureLine]) -> list[tuple[str, list[str]]]:
    """[(publisher, ["Xi Jinping 14.3 a year, 14.41 recorded here", …])], in order."""
    out: dict[str, list[str]] = {}
    for line in lines:
        p = line.count
        unit = " a year" if p.per_year else " countries" if p.unit == "host_countries" else ""
        where = f" in {p.region}" if p.region else ""
        span = f" ({p.first_day:%Y}–{p.last_day:%Y})" if not p.per_year else ""
        out.setdefault(p.publisher, []).append(
            f"{line.leader}{where}{span} {p.value:g}{unit}, {p.recorded:g} recorded here"
        )
    return list(out.items())


def heading(comparison: abroad.SideComparison) -> str:
    """ "China's heads of state abroad, era by era", from the scheme's name ("China: heads
    of state"), or the country's leaders when the name is not of that form."""
    prefix = f"{comparison.country_name}: "
    who = (
        comparison.scheme_name.removeprefix(prefix)
        if comparison.scheme_name.startswith(prefix)
        else "leaders"
    )
    if comparison.outward:
        return f"{comparison.country_name}'s {who} abroad, era by era"
    return f"{comparison.country_name}'s guests, era by era ({who})"


def _ranking(comparison: abroad.SideComparison, rows) -> list[tuple]:
    ranked = abroad.partner_ranking(comparison)
    return [(row, ranked.get(row.slug, [])) for row in reversed(rows)]


def _raw(request) -> dict:
    return {name: request.GET.get(name, value) for name, value in DEFAULT.items()} | {
        "as_of": request.GET.get("as_of", "")
    }


def _parse(params, schemes: set[str]) -> tuple[dict, dict]:
    errors, query = {}, {}
    try:
        query["side"] = abroad.known_side(params.get("side") or DEFAULT["side"])
    except ValueError as exc:
        errors["side"] = str(exc)
    found, common = parse_scheme_level_as_of(params, schemes, DEFAULT["scheme"])
    errors.update(found)
    query.update(common)
    unknown = sorted(set(params) - {*DEFAULT, "as_of"})
    if unknown:
        errors[unknown[0]] = f"unknown parameter; known: {', '.join([*DEFAULT, 'as_of'])}"
    return errors, query
