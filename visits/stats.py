"""Numbers: the era comparison and the per-year timeline.

Every count a page, a chart, the API or an export shows comes from here. Each
function aggregates in the database in a constant number of queries, whatever the
number of visits, and returns plain dataclasses.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from visits import counting, summary
from visits import eras as era_rules
from visits.dates import add_years
from visits.models import Country, Era, EraCount, EraScheme, Level, PublishedFigure, Visit


@dataclass(frozen=True)
class PublishedCount:
    """A published figure beside the count the records give under the same rule."""

    publisher: str
    title: str
    url: str
    as_of: dt.date
    metric: str
    direction: str | None
    min_level: str
    value: float | int  # the printed number: a count, or a rate per year
    recorded: float | int  # the records' number under the same rule
    quote: str = ""
    figure_id: int | None = None
    unit: str = "visits"  # or "host_countries"
    per_year: bool = False
    region: str = ""
    span: tuple[dt.date, dt.date] | None = None  # (first, last day) counted
    visits: int | None = None  # the visits counted (a rate's or a country count's)
    note: str = ""

    @property
    def first_day(self) -> dt.date | None:
        return self.span[0] if self.span else None

    @property
    def last_day(self) -> dt.date | None:
        return self.span[1] if self.span else None

    @property
    def coverage(self) -> float | None:
        """recorded / published, or None when nothing was published."""
        return self.recorded / self.value if self.value else None


@dataclass(frozen=True)
class EraRow:
    slug: str
    name: str
    leader: str
    start_date: dt.date
    end_date: dt.date | None
    until: dt.date
    years: float
    total: int
    directions: dict[str, int]
    leader_visits: dict[str, int]
    in_window: int | None
    window_complete: bool
    ambiguous: int
    published: list[PublishedCount] = field(default_factory=list)

    @property
    def per_year(self) -> float | None:
        """Visits per year in office, up to the as-of date; None for a zero-length era."""
        return round(self.total / self.years, 2) if self.years else None

    @property
    def ongoing(self) -> bool:
        return self.end_date is None or self.end_date > self.until


@dataclass(frozen=True)
class EraComparison:
    pair: tuple[str, str]
    scheme: str
    scheme_name: str
    min_level: str
    as_of: dt.date
    window: int | None
    rows: list[EraRow]
    outside: int
    outside_directions: dict[str, int]

    @property
    def directions(self) -> list[str]:
        a, b = self.pair
        return [f"{a}-{b}", f"{b}-{a}"]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows) + self.outside

    @property
    def threshold(self) -> str:
        """The threshold in words: "head of government"."""
        return Level.from_slug(self.min_level).label.lower()


def directions_of(pair: tuple[str, str]) -> list[tuple[str, str]]:
    a, b = pair
    return [(a, b), (b, a)]


def direction_q(visitor: str, host: str) -> Q:
    return Q(visitor_country_id=visitor, host_country_id=host)


def pair_q(a: str, b: str) -> Q:
    """Visits between two countries, either direction (`for_pair` as a Q)."""
    return direction_q(a, b) | direction_q(b, a)


def figures_of_pair_q(a: str, b: str) -> Q:
    """Published figures about two countries, whichever is named first."""
    return Q(country_a_id=a, country_b_id=b) | Q(country_a_id=b, country_b_id=a)


def era_comparison(
    *,
    pair: tuple[str, str],
    scheme: str,
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
    window: int | None = None,
    visits: QuerySet[Visit] | None = None,
) -> EraComparison:
    """One row per era of `scheme` that began by `as_of` (default today).

    Counts visits between the two countries of `pair`, in either direction, ranked
    at `min_level` or above and started on or before `as_of`. `window` (years)
    adds the count within the first N years of each era. `visits` is the base
    queryset; None counts published visits from the era summary (visits.counting),
    which gives the same numbers faster. Raises EraScheme.DoesNotExist.
    Four queries: scheme, eras, published figures, one count (visits.counting).
    """
    as_of = as_of or dt.date.today()
    scheme_obj = EraScheme.objects.get(slug=scheme)
    eras = list(
        Era.objects.filter(scheme=scheme_obj, start_date__lte=as_of).select_related("leader")
    )
    figures = list(
        PublishedFigure.objects.select_related("era")
        .filter(era__in=eras)
        .filter(figures_of_pair_q(*pair))
    )
    level = Q(level__gte=min_level)
    measures = {}
    for i, direction in enumerate(directions_of(pair)):
        measures[f"outside_d{i}"] = counting.measure(
            era=None, eras=eras, until=as_of, match=level & direction_q(*direction)
        )
    for era in eras:
        measures.update(_era_measures(era, eras, pair, level, as_of, window))
    for figure in figures:
        measures[f"figure{figure.pk}"] = _figure_measure(figure, eras)
    counts = counting.count(measures, scheme=scheme_obj.pk, where=pair_q(*pair), visits=visits)
    outside = {f"{v}-{h}": counts[f"outside_d{i}"] for i, (v, h) in enumerate(directions_of(pair))}
    return EraComparison(
        pair=tuple(pair),
        scheme=scheme_obj.slug,
        scheme_name=scheme_obj.name,
        min_level=Level(min_level).slug,
        as_of=as_of,
        window=window,
        rows=[_era_row(era, counts, figures, pair, as_of, window) for era in eras],
        outside=sum(outside.values()),
        outside_directions=outside,
    )


def _era_measures(era: Era, eras, pair, level: Q, as_of: dt.date, window: int | None) -> dict:
    key = f"era{era.pk}"
    common = {"era": era, "eras": eras, "until": as_of}
    out, leaders = {}, Q(level=Level.LEADER)
    for i, direction in enumerate(directions_of(pair)):
        mine = direction_q(*direction)
        out[f"{key}_d{i}"] = counting.measure(**common, match=level & mine)
        out[f"{key}_leader_d{i}"] = counting.measure(**common, match=leaders & mine)
    if era.end_date is not None:  # an ongoing era: nothing can run past its end
        out[f"{key}_ambiguous"] = counting.measure(**common, match=level, ambiguous=True)
    if window:
        last = add_years(era.start_date, window) - dt.timedelta(days=1)
        out[f"{key}_window"] = counting.measure(
            era=era, eras=eras, until=min(as_of, last), match=level
        )
    return out


def _figure_measure(figure: PublishedFigure, eras) -> counting.Measure:
    """figure_q as a measure: the figure's era, as-of date, level and direction."""
    if figure.metric == PublishedFigure.Metric.LEADER_VISITS:
        match = Q(level=Level.LEADER)
    else:
        match = Q(level__gte=figure.min_level)
    if figure.visitor_country_id:
        match &= Q(visitor_country_id=figure.visitor_country_id)
    if figure.host_country_id:
        match &= Q(host_country_id=figure.host_country_id)
    return counting.measure(era=figure.era, eras=eras, until=figure.as_of, match=match)


def figure_q(figure: PublishedFigure) -> Q:
    """The records counted under the figure's own rule: its era within its period, up
    to its as-of date, whose visits (threshold, leader-level, or the era's leader's
    own), its direction and its region (with `for_pair` of its two countries for a
    pair's figure, `figure_rule`, and the visibility rule of the caller, this is
    exactly the figure's `recorded`)."""
    start, last = figure.span()
    q = era_rules.in_era_q(figure.era) & Q(start_date__range=(start, last))
    if figure.metric == PublishedFigure.Metric.LEADER_VISITS:
        q &= Q(level=Level.LEADER)
    elif figure.metric == PublishedFigure.Metric.LEADER_TRIPS:
        q &= Q(visitor_id=figure.era.leader_id)
    else:
        q &= Q(level__gte=figure.min_level)
    if figure.visitor_country_id:
        q &= Q(visitor_country_id=figure.visitor_country_id)
    if figure.host_country_id:
        q &= Q(host_country_id=figure.host_country_id)
    if figure.region:  # the partners' region: hosts of visits abroad, else visitors
        side = "host_country" if figure.visitor_country_id else "visitor_country"
        q &= Q(**{f"{side}__region": figure.region})
    return q


def figure_rule(figure: PublishedFigure) -> Q:
    """figure_q, with the pair for a pair's figure: every visit the figure is
    compared with, whatever else the caller narrows."""
    if figure.one_sided:
        return figure_q(figure)
    return pair_q(figure.country_a_id, figure.country_b_id) & figure_q(figure)


def recorded_of(figure: PublishedFigure, counted: int, hosts: int) -> float | int:
    """The records' number under the figure's rule, from the visits it counts and their
    distinct host countries: a count, or visits per year over the figure's span."""
    if figure.unit == PublishedFigure.Unit.HOST_COUNTRIES:
        return hosts
    if figure.rate is not None:
        years = era_rules.span_years(figure.span())
        return round(counted / years, 2) if years else 0.0
    return counted


def _era_row(era: Era, counts: dict, figures, pair, as_of: dt.date, window) -> EraRow:
    key = f"era{era.pk}"
    until = min(era.end_date, as_of) if era.end_date else as_of
    window_end = add_years(era.start_date, window) if window else None
    return EraRow(
        slug=era.slug,
        name=era.name,
        leader=era.leader.name if era.leader else "",
        start_date=era.start_date,
        end_date=era.end_date,
        until=until,
        years=round(era_rules.years_between(era.start_date, until), 2),
        total=counts[f"{key}_d0"] + counts[f"{key}_d1"],
        directions={
            f"{v}-{h}": counts[f"{key}_d{i}"] for i, (v, h) in enumerate(directions_of(pair))
        },
        leader_visits={
            f"{v}-{h}": counts[f"{key}_leader_d{i}"] for i, (v, h) in enumerate(directions_of(pair))
        },
        in_window=counts.get(f"{key}_window"),
        window_complete=bool(window_end and window_end <= until),
        ambiguous=counts.get(f"{key}_ambiguous", 0),
        published=[
            PublishedCount(
                publisher=f.publisher,
                title=f.title,
                url=f.url,
                as_of=f.as_of,
                metric=f.metric,
                direction=f.direction,
                min_level=Level(f.min_level).slug,
                value=f.value,
                recorded=counts[f"figure{f.pk}"],
                quote=f.quote,
                figure_id=f.pk,
            )
            for f in figures
            if f.era_id == era.pk
        ],
    )


@dataclass(frozen=True)
class YearRow:
    year: int
    directions: dict[str, int]
    leader_visits: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.directions.values())


@dataclass(frozen=True)
class Timeline:
    pair: tuple[str, str]
    min_level: str
    years: list[YearRow]

    @property
    def directions(self) -> list[str]:
        return [f"{v}-{h}" for v, h in directions_of(self.pair)]


def timeline(
    *,
    pair: tuple[str, str],
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
    visits: QuerySet[Visit] | None = None,
) -> Timeline:
    """Visits per calendar year of their start date, by direction, from the first
    year with a visit to the last (years without visits are zeros). One query."""
    base = (visits if visits is not None else Visit.objects.published()).for_pair(*pair)
    base = base.at_least(min_level).as_of(as_of)
    aggregates = {}
    for i, (visitor, host) in enumerate(directions_of(pair)):
        aggregates[f"d{i}"] = Count("pk", filter=direction_q(visitor, host))
        aggregates[f"leader_d{i}"] = Count(
            "pk", filter=direction_q(visitor, host) & Q(level=Level.LEADER)
        )
    rows = {
        r["year"]: r
        for r in base.order_by()
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(**aggregates)
    }
    names = [f"{v}-{h}" for v, h in directions_of(pair)]
    years = [
        YearRow(
            year=y,
            directions={d: rows.get(y, {}).get(f"d{i}", 0) for i, d in enumerate(names)},
            leader_visits={d: rows.get(y, {}).get(f"leader_d{i}", 0) for i, d in enumerate(names)},
        )
        for y in (range(min(rows), max(rows) + 1) if rows else [])
    ]
    return Timeline(pair=tuple(pair), min_level=Level(min_level).slug, years=years)


FACETS = {
    "level": "level",
    "kind": "kind",
    "channel": "channel",
    "confidence": "confidence",
    "status": "status",
    "visitor_country": "visitor_country_id",
    "host_country": "host_country_id",
    "direction": None,
    "year": None,
}


@dataclass(frozen=True)
class FacetCount:
    value: str | int
    count: int


def facets(visits: QuerySet[Visit], names: list[str]) -> dict[str, list[FacetCount]]:
    """Counts of `visits` by each named facet (FACETS), largest first; one query each.
    `year` is the year of the start date, in year order."""
    out = {}
    for name in names:
        if name == "year":
            rows = (
                visits.order_by()
                .annotate(value=ExtractYear("start_date"))
                .values("value")
                .annotate(n=Count("pk"))
                .order_by("value")
            )
            out[name] = [FacetCount(r["value"], r["n"]) for r in rows]
        elif name == "direction":
            rows = (
                visits.order_by()
                .values("visitor_country_id", "host_country_id")
                .annotate(n=Count("pk"))
                .order_by("-n", "visitor_country_id", "host_country_id")
            )
            out[name] = [
                FacetCount(f"{r['visitor_country_id']}-{r['host_country_id']}", r["n"])
                for r in rows
            ]
        else:
            field = FACETS[name]
            rows = visits.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)
            out[name] = [
                FacetCount(Level(r[field]).slug if name == "level" else r[field], r["n"])
                for r in rows
            ]
    return out


@dataclass(frozen=True)
class LevelRow:
    level: Level
    directions: dict[str, int]


def level_counts(visits: QuerySet[Visit]) -> tuple[list[str], list[LevelRow]]:
    """(directions, rows): `visits` by the visitor's rank, highest first, and by
    direction (`PRK-CHN`), directions in order of their first appearance by count.
    Ranks without visits are left out. One query."""
    rows = (
        visits.order_by()
        .values("level", "visitor_country_id", "host_country_id")
        .annotate(n=Count("pk"))
        .order_by("-level", "-n")
    )
    by_level: dict[int, dict[str, int]] = {}
    directions: dict[str, int] = {}
    for r in rows:
        direction = f"{r['visitor_country_id']}-{r['host_country_id']}"
        by_level.setdefault(r["level"], {})[direction] = r["n"]
        directions[direction] = directions.get(direction, 0) + r["n"]
    ordered = sorted(directions, key=lambda d: (-directions[d], d))
    return ordered, [LevelRow(Level(level), counts) for level, counts in by_level.items()]


@dataclass(frozen=True)
class VisitMark:
    """A visit as charts name it in hover text."""

    id: int
    start_date: dt.date
    label: str
    direction: str
    level: int


def visit_marks(
    *,
    pair: tuple[str, str],
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
    visits: QuerySet[Visit] | None = None,
) -> list[VisitMark]:
    """Every counted visit of the pair, oldest first, as (date, "who (date)"): one query."""
    from visits.dates import format_date

    base = (visits if visits is not None else Visit.objects.published()).for_pair(*pair)
    rows = (
        base.at_least(min_level)
        .as_of(as_of)
        .order_by("start_date", "pk")
        .values_list(
            "pk",
            "start_date",
            "date_precision",
            "visitor__name",
            "visitor_country_id",
            "host_country_id",
            "level",
        )
    )
    return [
        VisitMark(pk, day, f"{name} ({format_date(day, precision)})", f"{v}-{h}", level)
        for pk, day, precision, name, v, h, level in rows
    ]


@dataclass(frozen=True)
class Window:
    """The default equal window and why it was chosen, for the chart's caption."""

    years: int
    reason: str


def default_window(
    *, scheme: str, as_of: dt.date | None = None, pair: tuple[str, str] | None = None
) -> Window:
    """An equal window that compares complete eras: the length (whole years, at least
    1) of the era that was current when the pair's latest published total was
    counted, by `as_of`; else the shortest era that had ended by `as_of`; else the
    latest era so far. Two queries."""
    as_of = as_of or dt.date.today()
    eras = list(
        Era.objects.filter(scheme__slug=scheme, start_date__lte=as_of).order_by("start_date")
    )
    figure = _latest_total_figure(pair, scheme, as_of) if pair and eras else None
    if figure is not None:
        era = era_rules.era_for(figure.as_of, eras) or eras[-1]
        years = _whole_years(era, figure.as_of)
        why = f"{era.name}'s era had lasted {years} full years when {figure.publisher} counted"
        return Window(years, f"{why} on {figure.as_of:%-d %B %Y}")
    complete = sorted((e for e in eras if e.end_date and e.end_date <= as_of), key=_length)
    if complete:
        return Window(
            _whole_years(complete[0], as_of), f"the shortest complete era, {complete[0].name}'s"
        )
    if eras:
        return Window(_whole_years(eras[-1], as_of), f"the latest era so far, {eras[-1].name}'s")
    return Window(1, "no era had begun")


def _latest_total_figure(pair, scheme: str, as_of: dt.date) -> PublishedFigure | None:
    figures = PublishedFigure.objects.filter(
        figures_of_pair_q(*pair),
        era__scheme__slug=scheme,
        metric=PublishedFigure.Metric.TOTAL,
        as_of__lte=as_of,
    )
    return figures.order_by("-as_of", "pk").first()


def _length(era: Era) -> dt.timedelta:
    return era.end_date - era.start_date


def _whole_years(era: Era, as_of: dt.date) -> int:
    until = min(era.end_date, as_of) if era.end_date else as_of
    return max(1, int(era_rules.years_between(era.start_date, until)))


@dataclass(frozen=True)
class PartnerRow:
    """One partner country's visits with the scheme's country in one era (or outside
    every era): `directions` and `leader_visits` by direction (`CHN-PRK`, scheme
    country first), ranked at the threshold or above."""

    country: str
    name: str
    directions: dict[str, int]
    leader_visits: dict[str, int]
    ambiguous: int
    years: float

    @property
    def total(self) -> int:
        return sum(self.directions.values())

    @property
    def per_year(self) -> float | None:
        return round(self.total / self.years, 2) if self.years else None


@dataclass(frozen=True)
class PartnerEra:
    slug: str
    name: str
    leader: str
    start_date: dt.date
    end_date: dt.date | None
    until: dt.date
    years: float
    partners: list[PartnerRow]

    @property
    def total(self) -> int:
        return sum(p.total for p in self.partners)


@dataclass(frozen=True)
class PartnerComparison:
    scheme: str
    scheme_name: str
    country: str
    country_name: str
    min_level: str
    as_of: dt.date
    eras: list[PartnerEra]
    outside: list[PartnerRow]


def partner_comparison(
    *,
    scheme: str,
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
    visits: QuerySet[Visit] | None = None,
) -> PartnerComparison:
    """Every partner country of the scheme's country, era by era: for each era of
    `scheme` that began by `as_of` (default today), and for visits outside every era,
    the visits between the scheme's country and each partner ranked at `min_level` or
    above and started by `as_of`, by direction, largest total first. `visits` None:
    published visits, from the era summary plus the as-of year live; else `visits`,
    live. Raises EraScheme.DoesNotExist. Four queries."""
    as_of = as_of or dt.date.today()
    scheme_obj = EraScheme.objects.select_related("country").get(slug=scheme)
    all_eras = list(Era.objects.filter(scheme=scheme_obj).select_related("leader"))
    home = scheme_obj.country_id
    cells = _partner_cells(home, scheme_obj.pk, all_eras, min_level, as_of, visits)
    names = dict(Country.objects.filter(code__in={p for _, p in cells}).values_list("code", "name"))
    eras = [era for era in all_eras if era.start_date <= as_of]
    rows = []
    for era in eras:
        until = min(era.end_date, as_of) if era.end_date else as_of
        years = round(era_rules.years_between(era.start_date, until), 2)
        partners = _partner_rows(home, cells, era.pk, names, years)
        leader = era.leader.name if era.leader else ""
        rows.append(
            PartnerEra(
                era.slug, era.name, leader, era.start_date, era.end_date, until, years, partners
            )
        )
    return PartnerComparison(
        scheme=scheme_obj.slug,
        scheme_name=scheme_obj.name,
        country=home,
        country_name=scheme_obj.country.name,
        min_level=Level(min_level).slug,
        as_of=as_of,
        eras=rows,
        outside=_partner_rows(home, cells, None, names, 0.0),
    )


def _partner_cells(home: str, scheme: int, eras, min_level: int, as_of: dt.date, visits):
    """{(era pk or None, partner): Counter of "v-h", "leader v-h" and "ambiguous"}, in
    one query: the summary's whole years and the as-of year's visits (a union), or
    all of `visits` when given."""
    where = (Q(visitor_country_id=home) | Q(host_country_id=home)) & Q(level__gte=min_level)
    counts = {
        "count_all": Q(),
        "count_leaders": Q(level=Level.LEADER),
        "count_ambiguous": Q(summary_ambiguous=True),
    }
    live = visits if visits is not None else Visit.objects.published()
    if visits is None:
        live = live.filter(start_date__gte=counting.year_start(as_of))
    live = summary.with_era(live.filter(where, start_date__lte=as_of).order_by(), eras)
    rows = _grouped(live, {k: Count("pk", filter=q) for k, q in counts.items()})
    if visits is None:
        whole_years = (
            EraCount.objects.filter(where, scheme_id=scheme, year__lt=as_of.year)
            .annotate(summary_era=F("era_id"), summary_ambiguous=F("ambiguous"))
            .order_by()
        )
        summed = _grouped(whole_years, {k: Sum("n", filter=q) for k, q in counts.items()})
        rows = summed.union(rows, all=True)
    cells: dict = {}
    for row in rows:
        visitor, host = row["visitor_country_id"], row["host_country_id"]
        cell = cells.setdefault(
            (row["summary_era"], host if visitor == home else visitor), Counter()
        )
        cell[f"{visitor}-{host}"] += row["count_all"] or 0
        cell[f"leader {visitor}-{host}"] += row["count_leaders"] or 0
        cell["ambiguous"] += row["count_ambiguous"] or 0
    return cells


def _grouped(queryset: QuerySet, aggregates: dict) -> QuerySet:
    """Counts by (era, direction); the same columns in the same order from the summary
    and from visits, so the two can be unioned."""
    return queryset.values("visitor_country_id", "host_country_id", "summary_era").annotate(
        **aggregates
    )


def _partner_rows(home: str, cells: dict, era, names: dict, years: float) -> list[PartnerRow]:
    rows = []
    for (cell_era, partner), cell in cells.items():
        if cell_era != era:
            continue
        out, back = f"{home}-{partner}", f"{partner}-{home}"
        rows.append(
            PartnerRow(
                country=partner,
                name=names.get(partner, partner),
                directions={out: cell[out], back: cell[back]},
                leader_visits={out: cell[f"leader {out}"], back: cell[f"leader {back}"]},
                ambiguous=cell["ambiguous"],
                years=years,
            )
        )
    rows = [r for r in rows if r.total]  # summary rows left at n = 0
    return sorted(rows, key=lambda r: (-r.total, r.country))
