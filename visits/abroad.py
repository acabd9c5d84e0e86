"""One country against every partner, era by era: its visitors abroad ("CHN-any",
China's presidents abroad) or its guests ("any-CHN").

The pair comparison (visits.stats.era_comparison) counts two countries' visits; this
counts one side's, with the era's leader's own trips beside all visits at the
threshold, the number of distinct partner countries, and the one-sided published
figures (rates per year, distinct host countries, a region, a period that is not an
era) each beside the count under its own rule (visits.stats.figure_q).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from visits import eras as era_rules
from visits import summary
from visits.dates import add_years
from visits.models import Country, Era, EraScheme, Level, PublishedFigure, Visit
from visits.stats import PublishedCount, figure_q, recorded_of

ANY = "any"


def parse_side(text: str) -> tuple[str | None, str | None]:
    """ "CHN-any" → ("CHN", None): CHN's visits to any host; "any-CHN" → (None, "CHN").
    Raises ValueError saying what is expected."""
    parts = (text or "").strip().split("-")
    if len(parts) == 2:
        visitor, host = (None if p.lower() == ANY else p.upper() for p in parts)
        code = visitor or host
        if (visitor is None) != (host is None) and len(code) == 3 and code.isalpha():
            return visitor, host
    raise ValueError(f"{text!r}: expected an alpha-3 code and 'any', as CHN-any or any-CHN")


def known_side(text: str) -> tuple[str | None, str | None]:
    """parse_side, and the country must be recorded; ValueError saying what is wrong."""
    side = parse_side(text)
    code = side[0] or side[1]
    if not Country.objects.filter(code=code).exists():
        raise ValueError(f"unknown country {code!r}")
    return side


def side_label(side: tuple[str | None, str | None]) -> str:
    visitor, host = side
    return f"{visitor or ANY}-{host or ANY}"


def side_q(side: tuple[str | None, str | None]) -> Q:
    visitor, host = side
    return Q(visitor_country_id=visitor) if visitor else Q(host_country_id=host)


def partner_field(side: tuple[str | None, str | None]) -> str:
    """The column naming the other country: the host of visits abroad, else the visitor."""
    return "host_country_id" if side[0] else "visitor_country_id"


@dataclass(frozen=True)
class SideEra:
    slug: str
    name: str
    leader: str
    start_date: dt.date
    end_date: dt.date | None
    until: dt.date
    years: float
    total: int  # visits at or above the threshold
    leader_trips: int  # the era's leader's own visits (any rank: he is the leader)
    partners: int  # distinct partner countries of `total`'s visits
    in_window: int | None
    window_complete: bool
    ambiguous: int
    published: list[PublishedCount] = field(default_factory=list)

    @property
    def per_year(self) -> float | None:
        return round(self.total / self.years, 2) if self.years else None

    @property
    def leader_per_year(self) -> float | None:
        return round(self.leader_trips / self.years, 2) if self.years else None

    @property
    def ongoing(self) -> bool:
        return self.end_date is None or self.end_date > self.until


@dataclass(frozen=True)
class SideComparison:
    side: tuple[str | None, str | None]
    country: str
    country_name: str
    scheme: str
    scheme_name: str
    min_level: str
    as_of: dt.date
    window: int | None
    rows: list[SideEra]
    outside: int
    # What the rows were counted from, for what is drawn beside them (the figures'
    # gaps, the partners per era) without asking for them again.
    eras: list[Era] = field(default_factory=list, repr=False, compare=False)
    figures: list[PublishedFigure] = field(default_factory=list, repr=False, compare=False)

    @property
    def direction(self) -> str:
        return side_label(self.side)

    @property
    def outward(self) -> bool:
        return self.side[0] is not None

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows) + self.outside

    @property
    def threshold(self) -> str:
        return Level.from_slug(self.min_level).label.lower()


def side_figures(side, eras) -> list[PublishedFigure]:
    """The one-sided published figures of `side` about `eras`."""
    visitor, host = side
    return list(
        PublishedFigure.objects.select_related("era")
        .filter(era__in=eras, country_b__isnull=True, country_a_id=visitor or host)
        .filter(Q(visitor_country_id=visitor) if visitor else Q(host_country_id=host))
        .order_by("era__start_date", "period_start", "publisher", "pk")
    )


def side_comparison(
    *,
    side: tuple[str | None, str | None],
    scheme: str,
    min_level: int = Level.MINISTER,
    as_of: dt.date | None = None,
    window: int | None = None,
    visits: QuerySet[Visit] | None = None,
) -> SideComparison:
    """One row per era of `scheme` that began by `as_of` (default today): the side's
    visits ranked at `min_level` or above that started by `as_of`, the era's leader's
    own, the distinct partners, and each one-sided published figure beside the
    records under its own rule. `visits` is the base (default: published visits).
    Raises EraScheme.DoesNotExist. Five queries: scheme, eras, figures, one count, the
    country's name."""
    as_of = as_of or dt.date.today()
    scheme_obj = EraScheme.objects.get(slug=scheme)
    eras = list(
        Era.objects.filter(scheme=scheme_obj, start_date__lte=as_of)
        .select_related("leader")
        .order_by("start_date")
    )
    figures = side_figures(side, eras)
    base = visits if visits is not None else Visit.objects.published()
    partner = partner_field(side)
    level = Q(level__gte=min_level)
    started = Q(start_date__lte=as_of)
    aggregates = {"outside": Count("pk", filter=level & started & era_rules.outside_q(eras))}
    for era in eras:
        key, mine = f"era{era.pk}", era_rules.in_era_q(era) & started
        aggregates[f"{key}_total"] = Count("pk", filter=mine & level)
        aggregates[f"{key}_leader"] = Count("pk", filter=mine & Q(visitor_id=era.leader_id))
        aggregates[f"{key}_partners"] = Count(partner, distinct=True, filter=mine & level)
        if era.end_date is not None:
            ambiguous = era_rules.ambiguous_q(era)
            aggregates[f"{key}_ambiguous"] = Count("pk", filter=mine & level & ambiguous)
        if window:
            last = add_years(era.start_date, window) - dt.timedelta(days=1)
            aggregates[f"{key}_window"] = Count("pk", filter=mine & level & Q(start_date__lte=last))
    for figure in figures:
        rule = figure_q(figure)
        aggregates[f"figure{figure.pk}"] = Count("pk", filter=rule)
        aggregates[f"figure{figure.pk}_hosts"] = Count(partner, distinct=True, filter=rule)
    counts = base.filter(side_q(side)).order_by().aggregate(**aggregates)
    code = side[0] or side[1]
    return SideComparison(
        side=side,
        country=code,
        country_name=Country.objects.filter(code=code).values_list("name", flat=True).first()
        or code,
        scheme=scheme_obj.slug,
        scheme_name=scheme_obj.name,
        min_level=Level(min_level).slug,
        as_of=as_of,
        window=window,
        rows=[_row(era, counts, figures, as_of, window) for era in eras],
        outside=counts["outside"],
        eras=eras,
        figures=figures,
    )


def published_count(figure: PublishedFigure, counts: dict) -> PublishedCount:
    counted = counts[f"figure{figure.pk}"]
    return PublishedCount(
        publisher=figure.publisher,
        title=figure.title,
        url=figure.url,
        as_of=figure.as_of,
        metric=figure.metric,
        direction=figure.direction,
        min_level=Level(figure.min_level).slug,
        value=figure.published,
        recorded=recorded_of(figure, counted, counts[f"figure{figure.pk}_hosts"]),
        quote=figure.quote,
        figure_id=figure.pk,
        unit=figure.unit,
        per_year=figure.rate is not None,
        region=figure.region,
        span=figure.span(),
        visits=counted,
        note=figure.note,
    )


def _row(era: Era, counts: dict, figures, as_of: dt.date, window) -> SideEra:
    key = f"era{era.pk}"
    until = min(era.end_date, as_of) if era.end_date else as_of
    window_end = add_years(era.start_date, window) if window else None
    return SideEra(
        slug=era.slug,
        name=era.name,
        leader=era.leader.name if era.leader else "",
        start_date=era.start_date,
        end_date=era.end_date,
        until=until,
        years=round(era_rules.years_between(era.start_date, until), 2),
        total=counts[f"{key}_total"],
        leader_trips=counts[f"{key}_leader"],
        partners=counts[f"{key}_partners"],
        in_window=counts.get(f"{key}_window"),
        window_complete=bool(window_end and window_end <= until),
        ambiguous=counts.get(f"{key}_ambiguous", 0),
        published=[published_count(f, counts) for f in figures if f.era_id == era.pk],
    )


@dataclass(frozen=True)
class PartnerCount:
    country: str
    name: str
    region: str
    visits: int
    leader_trips: int


def partner_ranking(
    comparison: SideComparison, *, visits: QuerySet[Visit] | None = None
) -> dict[str, list[PartnerCount]]:
    """{era slug: the side's partner countries in that era, most visits first}, with
    the era's leader's own visits to each, for the eras, side, threshold and as-of date
    of `comparison`. One query."""
    side, eras, as_of = comparison.side, comparison.eras, comparison.as_of
    min_level = Level.from_slug(comparison.min_level)
    base = visits if visits is not None else Visit.objects.published()
    partner = partner_field(side).removesuffix("_id")
    leaders = Q()
    for era in eras:
        leaders |= era_rules.in_era_q(era) & Q(visitor_id=era.leader_id)
    rows = (
        summary.with_era(base.filter(side_q(side), start_date__lte=as_of).order_by(), eras)
        .filter(summary_era__isnull=False)
        .values("summary_era", partner, f"{partner}__name", f"{partner}__region")
        .annotate(n=Count("pk", filter=Q(level__gte=min_level)), leader=Count("pk", filter=leaders))
    )
    by_pk = {era.pk: era.slug for era in eras}
    out: dict[str, list[PartnerCount]] = {era.slug: [] for era in eras}
    for row in rows:
        if row["n"] or row["leader"]:
            out[by_pk[row["summary_era"]]].append(
                PartnerCount(
                    row[partner],
                    row[f"{partner}__name"],
                    row[f"{partner}__region"],
                    row["n"],
                    row["leader"],
                )
            )
    for ranked in out.values():
        ranked.sort(key=lambda p: (-p.visits, -p.leader_trips, p.name))
    return out
