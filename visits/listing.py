"""The /visits/ page beyond the filters themselves: the parameters it knows, its
form as a reader sees it (schemes, eras, figures and only the countries that have
visits as selects), and Datasette-like facet counts whose every value is a link
that adds that filter."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict

from visits.facets import by_era, published_facets
from visits.facets import facets as grouped_facets
from visits.filters import VisitFilter, unknown_parameters
from visits.models import (
    Country,
    DataVersion,
    Era,
    EraScheme,
    Kind,
    Level,
    PublishedFigure,
    Visit,
    arrow,
)

PAGE_PARAMETERS = frozenset(VisitFilter.base_filters) | {"sort", "page"}
NOT_SHOWN = ("status", "modified_since")  # for scripts (API), not readers


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    url: str
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    title: str
    links: list[FacetLink]


class CountedPaginator(Paginator):
    """A paginator told its count (listing.counts), so that it never counts again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count


def check_parameters(filterset: VisitFilter, query: QueryDict) -> None:
    """A form error for every parameter the page does not know (a typo such as
    `kinds=event` must not silently list every visit)."""
    filterset.is_valid()
    for name, message in unknown_parameters(query, PAGE_PARAMETERS).items():
        filterset.form.add_error(None, f"{name}: {message}")


def prepare_form(form: forms.Form, visits: QuerySet[Visit]) -> None:
    """Selects for what the page can offer: the countries that `visits` involve, the
    era schemes and the published figures. An error of a parameter the page shows no
    box for (NOT_SHOWN) becomes a form error naming it, so that the page shows it."""
    for name in NOT_SHOWN:
        for error in form.errors.pop(name, []) if form.is_bound else []:
            form.add_error(None, f"{name}: {error}")
    countries = [(c.code, c.name) for c in countries_with(visits)]
    for name in ("visitor_country", "host_country"):
        form.fields[name].widget.choices = countries
        form.fields[name].widget.attrs["size"] = min(len(countries), 4) or 1
    schemes = [(s.slug, s.name) for s in EraScheme.objects.order_by("name")]
    form.fields["scheme"].widget = forms.Select(choices=[("", "—"), *schemes])
    figures = PublishedFigure.objects.select_related("era")
    form.fields["figure"].widget = forms.Select(
        choices=[("", "—"), *((str(f.pk), str(f)) for f in figures)]
    )


def countries_with(visits: QuerySet[Visit]) -> QuerySet[Country]:
    """Countries that are the visitor's or the host's in one of `visits`, by name. A
    UNION of two EXISTS, each a semi-join on its country index: PostgreSQL plans
    `EXISTS … OR EXISTS …` as a scan of the visits per country (minutes at 1M)."""
    countries = Country.objects.order_by()
    as_visitor = countries.filter(Exists(visits.filter(visitor_country=OuterRef("pk"))))
    as_host = countries.filter(Exists(visits.filter(host_country=OuterRef("pk"))))
    return as_visitor.union(as_host).order_by("name")


def era_groups(form: forms.Form) -> list[tuple[EraScheme, list]]:
    """Every scheme (by name) with its eras in order, each as (era, selected), for the
    era select; selected is the era the form resolved (by either slug)."""
    chosen = getattr(form, "era", None)
    schemes = EraScheme.objects.order_by("name").prefetch_related("eras")
    return [
        (s, [(e, e == chosen) for e in sorted(s.eras.all(), key=lambda e: e.start_date)])
        for s in schemes
    ]


@dataclass(frozen=True)
class Counts:
    """How many visits match, and their facet counts (stats.facets, era_facet)."""

    total: int
    facets: dict
    scheme: str | None
    eras: list


COUNTS_SECONDS = 24 * 3600


def counts(visits: QuerySet[Visit], scheme: str | None) -> Counts:
    """The counts of `visits`, cached under the data version and the query's SQL (a
    write moves the version, so they are never stale): at a million visits each
    facet is a scan. The total is the sum of the level facet, not another COUNT."""
    version = DataVersion.current()
    try:
        sql = str(visits.order_by().query)
    except EmptyResultSet:
        sql = "nothing"
    digest = hashlib.sha256(repr((version.version, sql, scheme)).encode()).hexdigest()
    return cache.get_or_set(
        f"summitry:list:{digest}", lambda: _counts(visits, scheme), COUNTS_SECONDS
    )


FACETS = ["level", "kind", "direction", "year", "era"]


def _counts(visits: QuerySet[Visit], scheme: str | None) -> Counts:
    """The facets of `visits`, era by `scheme` (else the first scheme recorded): every
    published visit from the era summary (kind, which it does not hold, in one scan);
    anything narrower in one query (facets.facets) bounded by the filter's index."""
    schemes = EraScheme.objects.order_by("pk")
    chosen = (schemes.filter(slug=scheme) if scheme else schemes).first()
    eras = list(Era.objects.filter(scheme=chosen).order_by("start_date")) if chosen else []
    if chosen and _every_published(visits):
        found = published_facets(scheme=chosen.pk, names=[n for n in FACETS if n != "kind"])
        found |= grouped_facets(visits, ["kind"])
    else:
        found = grouped_facets(visits, FACETS, eras=eras)
    era_counts = by_era(eras, {c.value: c.count for c in found["era"]})
    total = sum(c.count for c in found["level"])
    return Counts(total, found, chosen.slug if chosen else None, era_counts)


def _every_published(visits: QuerySet[Visit]) -> bool:
    """Whether `visits` are all the published visits (the page without a filter)."""
    try:
        return str(visits.order_by().query) == str(Visit.objects.published().order_by().query)
    except EmptyResultSet:
        return False


def facets(query: QueryDict, found: Counts) -> list[Facet]:
    """Counts of the visits by level, kind, direction, era (of the chosen scheme, else
    the first recorded) and year; each value links to the page with that filter set."""
    counts, scheme, eras = found.facets, found.scheme, found.eras
    return [
        Facet("level", "Level", [_level(query, c) for c in counts["level"]]),
        Facet("kind", "Kind", [_kind(query, c) for c in counts["kind"]]),
        Facet("direction", "Direction", [_direction(query, c) for c in counts["direction"]]),
        Facet("era", f"Era ({scheme})", [_era(query, scheme, e) for e in eras]),
        Facet("year", "Year", [_year(query, c) for c in counts["year"]]),
    ]


def _level(query: QueryDict, count) -> FacetLink:
    label = Level.from_slug(count.value).label
    return _link(query, {"level": count.value}, label, count.count)


def _kind(query: QueryDict, count) -> FacetLink:
    return _link(query, {"kind": count.value}, Kind(count.value).label, count.count)


def _era(query: QueryDict, scheme: str, count) -> FacetLink:
    return _link(query, {"scheme": scheme, "era": count.slug}, count.name, count.count)


def _year(query: QueryDict, count) -> FacetLink:
    params = {"date_from": count.value, "date_to": count.value}
    return _link(query, params, str(count.value), count.count)


def _direction(query: QueryDict, count) -> FacetLink:
    visitor, host = count.value.split("-")
    params = {"visitor_country": visitor, "host_country": host}
    return _link(query, params, arrow(count.value), count.count)


def _link(query: QueryDict, params: dict, label: str, count: int) -> FacetLink:
    """The page's query with `params` set (replacing their values), from page 1."""
    linked = query.copy()
    linked.pop("page", None)
    selected = all(query.getlist(k) == [str(v)] for k, v in params.items())
    for key, value in params.items():
        linked[key] = str(value)
    return FacetLink(label, count, f"?{linked.urlencode()}", selected)
