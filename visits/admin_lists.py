"""What the visit changelist needs to stay fast at a million visits: list filters
whose choices come from index look-ups, not a DISTINCT over every visit, and a
paginator that does not count the whole table."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Exists, Max, Min, OuterRef

from visits.models import Country

ESTIMATE_ABOVE = 100_000  # rows; below this an exact COUNT(*) is cheap


class DecadeFilter(admin.SimpleListFilter):
    """Visits by the decade of their start date, from the first to the last decade
    recorded (one MIN/MAX query, answered from the start_date index). It stands in
    for a date hierarchy, whose years are a DISTINCT over every visit."""

    title = "decade"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        span = model_admin.get_queryset(request).aggregate(
            first=Min("start_date"), last=Max("start_date")
        )
        if span["first"] is None:
            return []
        decades = range(span["first"].year // 10 * 10, span["last"].year + 1, 10)
        return [(str(d), f"{d}s") for d in decades]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not (value.isascii() and value.isdigit() and 0 < int(value) <= 9990):
            raise IncorrectLookupParameters(f"decade {value!r}")
        first = dt.date(int(value), 1, 1)
        return queryset.filter(start_date__gte=first, start_date__lt=dt.date(first.year + 10, 1, 1))


class CountryFilter(admin.RelatedFieldListFilter):
    """The countries that have a visit in this role (visitor's or host), by name: one
    index probe per country instead of a DISTINCT over every visit."""

    def field_choices(self, field, request, model_admin):
        visits = field.model._default_manager.filter(**{field.name: OuterRef("pk")})
        countries = Country.objects.filter(Exists(visits)).order_by("name")
        return [(c.pk, str(c)) for c in countries]


class EstimatedCountPaginator(Paginator):
    """Counts exactly, except an unfiltered table of more than ESTIMATE_ABOVE rows on
    PostgreSQL: its count is the planner's estimate (pg_class.reltuples, kept
    current by autovacuum's ANALYZE), since an exact COUNT(*) of a million rows
    takes most of a second. A filtered list is always counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = table_estimate(queryset.model, queryset.db)
            if estimate > ESTIMATE_ABOVE:
                return estimate
        return queryset.count()


def table_estimate(model, using: str) -> int:
    """The planner's row estimate of `model`'s table on PostgreSQL; -1 elsewhere or
    when the table was never analysed."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return -1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row else -1
