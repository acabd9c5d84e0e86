"""The visit filters shared by the API, its CSV export, the stats endpoints and the
public pages: one parameter vocabulary everywhere. A value that does not parse or
names nothing is a form error on that parameter (a 400 in the API)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from visits.dates import latest_possible_date, parse_date
from visits.eras import in_era_q
from visits.models import Channel, Confidence, Country, Era, Kind, Level, Person, Status, Visit

LEVEL_CHOICES = [(level.slug, level.label) for level in Level]


def invalid(problem: str) -> ValidationError:
    """A ValidationError whose text may quote user input: passed as a parameter so
    that a "%" in the input is never read as a format directive (django-filter
    formats every message with its params)."""
    return ValidationError("%(problem)s", params={"problem": problem})


class PeriodField(forms.CharField):
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` → (first day, last day) of that period."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            first, precision = parse_date(value)
        except ValueError as exc:
            raise invalid(str(exc)) from None
        return first, latest_possible_date(first, precision)


@extend_schema_field(OpenApiTypes.STR)
class PeriodFilter(filters.Filter):
    field_class = PeriodField


class PairField(forms.CharField):
    """Two alpha-3 codes separated by a comma: `CHN,PRK`."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        codes = [c.strip().upper() for c in value.split(",")]
        if len(codes) != 2 or codes[0] == codes[1]:
            raise ValidationError(
                "give two different alpha-3 codes separated by a comma, e.g. CHN,PRK"
            )
        known = set(Country.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise invalid(f"unknown country code {unknown[0]!r}")
        return tuple(codes)


@extend_schema_field(OpenApiTypes.STR)
class PairFilter(filters.Filter):
    field_class = PairField

    def filter(self, qs, value):
        return qs.for_pair(*value) if value else qs


def visible_people(request):
    """The people a visitor filter may name: those the user may see (a person seen
    only in drafts is unknown to the public); the public ones without a request."""
    return Person.objects.visible_to(request.user) if request else Person.objects.public()


class VisitFilterForm(forms.Form):
    """Checks across parameters: era needs scheme and must exist in it; the scheme
    must exist; date_to may not precede date_from."""

    def clean(self):
        data = super().clean()
        era, scheme = data.get("era"), data.get("scheme")
        if scheme and not Era.objects.filter(scheme__slug=scheme).exists():
            self.add_error("scheme", invalid(f"unknown era scheme {scheme!r}"))
        elif era and not scheme:
            self.add_error("era", "needs scheme (an era slug is unique only within a scheme)")
        elif era:
            self.era = Era.objects.filter(scheme__slug=scheme, slug=era).first()
            if self.era is None:
                self.add_error("era", invalid(f"no era {era!r} in scheme {scheme!r}"))
        period = data.get("date_from"), data.get("date_to")
        if all(period) and period[0][0] > period[1][1]:
            self.add_error("date_to", "is before date_from")
        return data


class VisitFilter(filters.FilterSet):
    pair = PairFilter(
        label="Countries (either direction)",
        help_text="Two alpha-3 codes, either direction: CHN,PRK.",
    )
    visitor_country = filters.ModelChoiceFilter(
        queryset=Country.objects.all(), to_field_name="code", help_text="Alpha-3 code."
    )
    host_country = filters.ModelChoiceFilter(
        queryset=Country.objects.all(), to_field_name="code", help_text="Alpha-3 code."
    )
    visitor = filters.ModelChoiceFilter(
        queryset=visible_people, to_field_name="slug", help_text="A person's slug."
    )
    level = filters.ChoiceFilter(label="Level", choices=LEVEL_CHOICES, method="filter_level")
    min_level = filters.ChoiceFilter(
        label="Level at least",
        choices=LEVEL_CHOICES,
        method="filter_min_level",
        help_text="Rank threshold: this level or above (minister = CSIS's threshold).",
    )
    kind = filters.ChoiceFilter(choices=Kind.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    confidence = filters.ChoiceFilter(choices=Confidence.choices)
    scheme = filters.CharFilter(
        label="Era scheme", method="filter_noop", help_text="Era scheme slug, with era."
    )
    era = filters.CharFilter(label="Era", method="filter_era", help_text="Era slug; needs scheme.")
    date_from = PeriodFilter(
        label="From", method="filter_date_from", help_text="YYYY, YYYY-MM or YYYY-MM-DD; inclusive."
    )
    date_to = PeriodFilter(
        label="To", method="filter_date_to", help_text="YYYY, YYYY-MM or YYYY-MM-DD; inclusive."
    )
    q = filters.CharFilter(
        label="Search", method="filter_q", help_text="Names and aliases, titles, purpose, places."
    )
    modified_since = filters.IsoDateTimeFilter(
        label="Changed since",
        field_name="updated_at",
        lookup_expr="gte",
        help_text="ISO 8601 date-time; change feed.",
    )
    status = filters.ChoiceFilter(
        choices=Status.choices, help_text="Only for users who may see drafts."
    )

    class Meta:
        model = Visit
        fields: list[str] = []
        form = VisitFilterForm

    def filter_level(self, qs, name, value):
        return qs.filter(level=Level.from_slug(value))

    def filter_min_level(self, qs, name, value):
        return qs.at_least(Level.from_slug(value))

    def filter_noop(self, qs, name, value):
        return qs

    def filter_era(self, qs, name, value):
        return qs.filter(in_era_q(self.form.era))

    def filter_date_from(self, qs, name, value):
        return qs.filter(start_date__gte=value[0])

    def filter_date_to(self, qs, name, value):
        return qs.filter(start_date__lte=value[1])

    def filter_q(self, qs, name, value):
        return qs.search(value)
