"""What an era's page shows at any size: its visits counted by level and direction
from the era summary (visits.summary), and the first of them by date, linking to
/visits/ filtered to the era for the rest. A constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse

from visits import chart_registry, eras, stats
from visits.models import Era, EraCount, Level, Visit

LISTED = 50


def level_counts(era: Era) -> tuple[list[str], list[stats.LevelRow]]:
    """stats.level_counts of the published visits counted in `era` (eras.in_era_q),
    read from the era summary: the same rows in the same order. One query."""
    rows = (
        EraCount.objects.filter(scheme_id=era.scheme_id, era_id=era.pk)
        .values("level", "visitor_country_id", "host_country_id")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by("-level", "-n")
    )
    by_level: dict[int, dict[str, int]] = {}
    directions: dict[str, int] = {}
    for r in rows:
        direction = f"{r['visitor_country_id']}-{r['host_country_id']}"
        by_level.setdefault(r["level"], {})[direction] = r["n"]
        directions[direction] = directions.get(direction, 0) + r["n"]
    ordered = sorted(directions, key=lambda d: (-directions[d], d))
    return ordered, [stats.LevelRow(Level(level), counts) for level, counts in by_level.items()]


class EraSummaryData(chart_registry.EraData):
    """chart_registry.EraData with its counts from the era summary, not a scan of the
    era's visits (which is every visit of a long era at a million rows)."""

    def __init__(self, era: Era):  # not super().__init__, which counts live
        self.era = era
        self.directions, self.levels = level_counts(era)


@dataclass(frozen=True)
class EraVisits:
    """The first `listed` published visits of an era by date, how many there are in
    all, and the /visits/ page that lists every one."""

    listed: list[Visit]
    total: int
    all_url: str

    @property
    def more(self) -> int:
        return self.total - len(self.listed)


def era_visits(era: Era, data: EraSummaryData, *, listed: int = LISTED) -> EraVisits:
    """One query: the first `listed` visits (by start date, then id) with what the list
    shows of them; the total is the summary's (`data`)."""
    visits = (
        Visit.objects.published()
        .filter(eras.in_era_q(era))
        .select_related("visitor", "visitor_country", "host_country")
        .order_by("start_date", "pk")[:listed]
    )
    total = sum(n for row in data.levels for n in row.directions.values())
    query = urlencode({"scheme": era.scheme.slug, "era": era.slug})
    return EraVisits(list(visits), total, f"{reverse('visit-list')}?{query}")
