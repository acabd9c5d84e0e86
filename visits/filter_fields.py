"""The form fields behind the visit filters (visits.filters): periods, a pair of
countries, several values of a choice or country code, a published figure. Each
refuses a bad value with a message that names the value."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters import fields as filter_fields

from visits.dates import latest_possible_date, parse_date
from visits.models import Country, PublishedFigure
from visits.querysets import normalise

MAX_ID = 2**31 - 1
_known_codes: frozenset[str] = frozenset()


def unknown_codes(codes: list[str]) -> list[str]:
    """The codes that name no country. Known codes are remembered per process and the
    set is read again (one query) only when asked about a code it lacks: a valid
    filter costs no query, a new country is found at once; a country deleted since
    stays known until a restart (its filter then matches nothing)."""
    global _known_codes
    if not _known_codes.issuperset(codes):
        _known_codes = frozenset(Country.objects.values_list("code", flat=True))
    return [code for code in codes if code not in _known_codes]


def invalid(problem: str) -> ValidationError:
    """A ValidationError whose text may quote user input: passed as a parameter so
    that a "%" in the input is never read as a format directive (django-filter
    formats every message with its params)."""
    return ValidationError("%(problem)s", params={"problem": problem})


class UTCDateTimeField(filter_fields.IsoDateTimeField):
    """An ISO 8601 date-time, in UTC. Python accepts offsets up to ±24 h, PostgreSQL
    only up to ±15:59 (a `-17:54` was a 500, found by fuzzing): the instant is the
    same in UTC, and every database takes that. An instant outside the years 1 to
    9999 in UTC (`9999-12-31T23:59:59-12:00`) is refused: it has no UTC form."""

    def to_python(self, value):
        moment = super().to_python(value)
        try:
            return moment.astimezone(dt.UTC) if moment else moment
        except OverflowError:
            raise invalid(f"{value!r} is outside the years 1 to 9999 in UTC") from None


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
        unknown = unknown_codes(codes)
        if unknown:
            raise invalid(f"unknown country code {unknown[0]!r}")
        return tuple(codes)


class ValuesWidget(forms.SelectMultiple):
    """Several values, repeated (`kind=state&kind=official`), comma-separated
    (`kind=state,official`) or both; blanks are dropped."""

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        return [part.strip() for item in raw for part in str(item).split(",") if part.strip()]


class ValuesField(filter_fields.MultipleChoiceField):
    """Several of the field's choices (ValuesWidget); an unknown one is named."""

    widget = ValuesWidget

    def validate(self, value):
        forms.Field.validate(self, value)  # required only
        names = [str(key) for key, _ in self.choices]
        for item in value:
            if item not in names:
                raise invalid(f"unknown value {item!r}; use one of {', '.join(names)}")


class OneOfField(filter_fields.ChoiceField):
    """One of the field's choices; an unknown value is named with the choices."""

    def validate(self, value):
        forms.Field.validate(self, value)  # required only
        names = [str(key) for key, _ in self.choices if key != ""]
        if value and value not in names:
            raise invalid(f"unknown value {value!r}; use one of {', '.join(names)}")


class CountryCodesField(forms.Field):
    """Several alpha-3 codes (ValuesWidget), upper-cased; each must name a country."""

    widget = ValuesWidget

    def to_python(self, value):
        codes = [str(code).strip().upper() for code in value or []]
        if not codes:
            return []
        unknown = unknown_codes(codes)
        if unknown:
            raise invalid(f"unknown country code {unknown[0]!r}")
        return codes


class FigureField(forms.CharField):
    """A published figure's id → the PublishedFigure (with its era)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        figure = None
        if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
            figure = PublishedFigure.objects.select_related("era").filter(pk=value).first()
        if figure is None:
            raise invalid(f"no published figure {value!r}")
        return figure


class PersonField(forms.ModelChoiceField):
    """A person (of the field's queryset) by slug, or by one of their names in any
    spelling (`Kim Jong Il`, `kim jong-il`: Person.search_key); a name that several
    people share is refused with their slugs. A text box, never a select of everyone."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        person = self.queryset.filter(slug=value).first()
        if person is not None:
            return person
        key = normalise(value)
        named = list(self.queryset.filter(_name_q(key)).order_by("slug")[:5]) if key else []
        if len(named) > 1:
            raise invalid(f"{value!r} names several people: {', '.join(p.slug for p in named)}")
        if not named:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return named[0]


def _name_q(key: str) -> Q:
    """People one of whose names normalises to `key` (search_key joins them by "|")."""
    return (
        Q(search_key=key)
        | Q(search_key__startswith=f"{key}|")
        | Q(search_key__endswith=f"|{key}")
        | Q(search_key__contains=f"|{key}|")
    )
