"""Facet counts that stats.facets does not give: visits by era of a scheme."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from visits.eras import in_era_q
from visits.models import Era, Visit


@dataclass(frozen=True)
class EraCount:
    slug: str
    name: str
    count: int


def era_facet(visits: QuerySet[Visit], *, scheme: str) -> list[EraCount]:
    """Counts of `visits` by era of `scheme`, in era order, eras without visits left
    out. A visit counts in the era containing its first possible day (eras.in_era_q),
    so an ambiguous one counts once. Two queries: the eras, one aggregate."""
    eras = list(Era.objects.filter(scheme__slug=scheme).order_by("start_date"))
    if not eras:
        return []
    counts = visits.order_by().aggregate(
        **{f"era{era.pk}": Count("pk", filter=in_era_q(era)) for era in eras}
    )
    rows = [EraCount(era.slug, era.name, counts[f"era{era.pk}"]) for era in eras]
    return [row for row in rows if row.count]
