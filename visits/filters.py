"""The visit filters shared by the API, its CSV export, the stats endpoints and the
public pages: one parameter vocabulary everywhere. A value that does not parse or
names nothing is a form error on that parameter (a 400 in the API)."""

from __future__ import annotations

import copy
import difflib
import functools
from collections.abc import Iterable

import django_filters as filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from visits.eras import in_era_q
from visits.filter_fields import (
    CountryCodesField,
    FigureField,
    OneOfField,
    PairField,
    PeriodField,
    PersonField,
    UTCDateTimeField,
    ValuesField,
    invalid,
)
from visits.models import Channel, Confidence, Era, Kind, Level, Person, Status, Visit
from visits.stats import figure_rule

__all__ = [
    "PairField",
    "PeriodField",
    "VisitFilter",
    "invalid",
    "nul_parameters",
    "unknown_parameters",
]
LEVEL_CHOICES = [(level.slug, level.label) for level in Level]


@extend_schema_field(OpenApiTypes.STR)
class PeriodFilter(filters.Filter):
    field_class = PeriodField


@extend_schema_field(OpenApiTypes.STR)
class PairFilter(filters.Filter):
    field_class = PairField

    def filter(self, qs, value):
        return qs.for_pair(*value) if value else qs


class OneOfFilter(filters.ChoiceFilter):
    field_class = OneOfField


class ValuesFilter(filters.MultipleChoiceFilter):
    """Visits whose field has one of the values; with exclude=True, none of them.
    `coerce` turns a value as written into the stored one (a level's slug → rank)."""

    field_class = ValuesField

    def __init__(self, *args, coerce=str, **kwargs):
        self.coerce = coerce
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        lookup = {f"{self.field_name}__in": {self.coerce(v) for v in value}}
        return qs.exclude(**lookup) if self.exclude else qs.filter(**lookup)


@extend_schema_field({"type": "string", "enum": Level.slugs()})
class LevelsFilter(ValuesFilter):
    """Several levels, written as slugs (`leader,head_of_state`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=LEVEL_CHOICES, coerce=Level.from_slug, **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "string", "pattern": "^[A-Za-z]{3}$"}})
class CountriesFilter(filters.Filter):
    """Visits whose country (field_name) is one of the alpha-3 codes."""

    field_class = CountryCodesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class PersonFilter(filters.ModelChoiceFilter):
    field_class = PersonField


@extend_schema_field(OpenApiTypes.INT)
class FigureFilter(filters.Filter):
    field_class = FigureField


def unknown_parameters(names: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """The names that are not `known`, each with a message listing the known ones
    (and the closest, for a typo: `kinds` → `kind`; `start_date__gte` → `start_date`)."""
    known = sorted(set(known))
    out = {}
    for name in sorted(set(names) - set(known)):
        close = difflib.get_close_matches(name.partition("__")[0], known, n=1)
        hint = f" did you mean {close[0]!r}?" if close else ""
        out[name] = f"unknown parameter;{hint} known: {', '.join(known)}"
    return out


NUL = "\x00"
NUL_PROBLEM = "contains a NUL byte"


def nul_parameters(query) -> dict[str, str]:
    """The parameters of `query` (a QueryDict) one of whose values holds a NUL byte,
    each with the problem. PostgreSQL refuses NUL in a string literal, so a lookup
    with one was a 500 there (and silently matched nothing on SQLite); no parameter
    has a use for it. A plain dict is read as one value per name."""
    values = query.getlist if hasattr(query, "getlist") else lambda name: [query[name]]
    return {name: NUL_PROBLEM for name in sorted(query) if any(NUL in str(v) for v in values(name))}


def visible_people(request):
    """The people a visitor filter may name: those the user may see (a person seen
    only in drafts is unknown to the public); the public ones without a request."""
    if request and request.user.has_perm("visits.view_visit"):
        return Person.objects.all()
    return _public_people()


@functools.cache
def _public_people():
    """Person.objects.public(), built once per process: its three EXISTS cost about a
    millisecond to build, and a form field only ever clones it (never evaluates it)."""
    return Person.objects.public()


class VisitFilterForm(forms.Form):
    """Checks across parameters: era needs scheme and must name an era of it (by its
    slug or its leader's, EraQuerySet.named); the scheme must exist; date_to may
    not precede date_from. A parameter holding a NUL byte (nul_parameters) is an
    error on it, and its value is never read: the field if the form has one, else a
    form error naming it (`sort: contains a NUL byte` on /visits/)."""

    def full_clean(self):
        refused = nul_parameters(self.data) if self.is_bound else {}
        if refused:
            self.data = self.data.copy()
            for name in refused:
                self.data.pop(name)
        super().full_clean()
        for name, problem in refused.items():
            if name in self.fields:
                self.add_error(name, problem)
            else:
                self.add_error(None, f"{name}: {problem}")

    def clean(self):
        data = super().clean()
        era, scheme = data.get("era"), data.get("scheme")
        if scheme and not Era.objects.filter(scheme__slug=scheme).exists():
            self.add_error("scheme", invalid(f"unknown era scheme {scheme!r}"))
        elif era and not scheme:
            self.add_error("era", "needs scheme (an era slug is unique only within a scheme)")
        elif era:
            self.era = Era.objects.in_scheme_named(scheme, era)
            if self.era is None:
                self.add_error("era", invalid(f"no era {era!r} in scheme {scheme!r}"))
        period = data.get("date_from"), data.get("date_to")
        if all(period) and period[0][0] > period[1][1]:
            self.add_error("date_to", "is before date_from")
        return data


def values(name: str, label: str, kind=ValuesFilter, **kwargs) -> tuple[ValuesFilter, ...]:
    """A filter on several values of `name` and its exclusion (`exclude_<name>`)."""
    several = "Several values: comma-separated or repeated."
    return (
        kind(field_name=name, label=label, help_text=several, **kwargs),
        kind(
            field_name=name,
            exclude=True,
            label=f"{label}: not",
            help_text=f"Leave out these values. {several}",
            **kwargs,
        ),
    )


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class DeclaredFilters(dict):
    """A FilterSet's declared filters, which django-filter deep-copies for every
    FilterSet (its choices, help texts and fields: a third of a millisecond a request).
    A declared filter is never changed, so each copy shares its settings and owns only
    what a FilterSet sets on it: its model and parent, the method bound to it, its
    field and the field's arguments."""

    def __deepcopy__(self, memo):
        return {name: _own_copy(declared) for name, declared in self.items()}


def _own_copy(declared: filters.Filter) -> filters.Filter:
    own = copy.copy(declared)
    own.extra = dict(declared.extra)  # ModelChoiceFilter.field writes its queryset here
    own.__dict__.pop("_field", None)
    if declared.method is not None:
        own.method = declared.method  # rebinds the FilterMethod to this copy
    return own


class VisitFilter(filters.FilterSet):
    """The visit filters. A filter taking several values matches any of them
    (`kind=state,official`); its `exclude_` twin leaves them all out."""

    pair = PairFilter(
        label="Countries (either direction)",
        help_text="Two alpha-3 codes, either direction: CHN,PRK.",
    )
    visitor_country = CountriesFilter(
        label="Visitor's country", help_text="Alpha-3 codes; several: comma-separated or repeated."
    )
    host_country = CountriesFilter(
        label="Host country", help_text="Alpha-3 codes; several: comma-separated or repeated."
    )
    visitor = PersonFilter(
        queryset=visible_people,
        to_field_name="slug",
        help_text="A person's slug, or one of their names (any spelling).",
    )
    level, exclude_level = values("level", "Level", kind=LevelsFilter)
    min_level = OneOfFilter(
        label="Level at least",
        choices=LEVEL_CHOICES,
        method="filter_min_level",
        help_text="Rank threshold: this level or above (minister = CSIS's threshold).",
    )
    kind, exclude_kind = values("kind", "Kind", choices=Kind.choices)
    multilateral = OneOfFilter(
        label="Multilateral",
        choices=[("true", "true"), ("false", "false")],
        method="filter_multilateral",
        help_text="true: visits to an event the host opened to other countries (a congress, "
        "a parade, a summit); false: the bilateral ones (docs/codebook.md).",
    )
    channel, exclude_channel = values("channel", "Channel", choices=Channel.choices)
    confidence, exclude_confidence = values("confidence", "Confidence", choices=Confidence.choices)
    min_confidence = OneOfFilter(
        label="Confidence at least",
        choices=Confidence.choices,
        method="filter_min_confidence",
        help_text="This confidence or higher (low < medium < high).",
    )
    scheme = filters.CharFilter(
        label="Era scheme", method="filter_noop", help_text="Era scheme slug, with era."
    )
    era = filters.CharFilter(
        label="Era",
        method="filter_era",
        help_text="Era slug, or its leader's slug; needs scheme.",
    )
    figure = FigureFilter(
        label="Published figure",
        method="filter_figure",
        help_text="A published figure's id: the published visits it is compared with (its "
        "pair, era, as-of date, threshold and direction), as many as its `recorded`.",
    )
    date_from = PeriodFilter(
        label="From", method="filter_date_from", help_text="YYYY, YYYY-MM or YYYY-MM-DD; inclusive."
    )
    date_to = PeriodFilter(
        label="To", method="filter_date_to", help_text="YYYY, YYYY-MM or YYYY-MM-DD; inclusive."
    )
    q = filters.CharFilter(
        label="Search",
        method="filter_q",
        help_text="Names in any script (case, spaces and hyphens ignored), titles, "
        "purpose, places.",
    )
    modified_since = UTCDateTimeFilter(
        label="Changed since",
        field_name="updated_at",
        lookup_expr="gte",
        help_text="ISO 8601 date-time; change feed.",
    )
    status = OneOfFilter(choices=Status.choices, help_text="Only for users who may see drafts.")

    class Meta:
        model = Visit
        fields: list[str] = []
        form = VisitFilterForm

    @classmethod
    def get_filters(cls):
        return DeclaredFilters(super().get_filters())

    def get_form_class(self):
        """The form class, built once per FilterSet class (django-filter builds it and
        its 22 fields on every request); only the visitor field's people depend on
        the request, and `form` sets them on each form."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @property
    def form(self):
        if not hasattr(self, "_form"):
            super().form.fields["visitor"].queryset = visible_people(self.request)
        return self._form

    def filter_min_level(self, qs, name, value):
        return qs.at_least(Level.from_slug(value))

    def filter_min_confidence(self, qs, name, value):
        return qs.confidence_at_least(value)

    def filter_multilateral(self, qs, name, value):
        return qs.filter(multilateral=value == "true")

    def filter_noop(self, qs, name, value):
        return qs

    def filter_era(self, qs, name, value):
        return qs.filter(in_era_q(self.form.era))

    def filter_figure(self, qs, name, figure):
        """Published visits unless a status is asked for (as the stats count them)."""
        qs = qs.filter(figure_rule(figure))
        return qs if self.form.cleaned_data.get("status") else qs.published()

    def filter_date_from(self, qs, name, value):
        return qs.filter(start_date__gte=value[0])

    def filter_date_to(self, qs, name, value):
        return qs.filter(start_date__lte=value[1])

    def filter_q(self, qs, name, value):
        return qs.search(value)
