"""Query vocabulary for visits and eras: chainable methods that read as phrases,
e.g. `Visit.objects.published().for_pair("CHN", "PRK").at_least(Level.MINISTER)`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Exists, OuterRef, Q

SEARCH_FIELDS = (
    "visitor__name",
    "visitor__aliases",
    "visitor__native_name",
    "visitor_title",
    "purpose",
    "places",
)


class VisitQuerySet(models.QuerySet):
    def published(self) -> VisitQuerySet:
        return self.filter(status="published")

    def visible_to(self, user) -> VisitQuerySet:
        """Everything for users who may view visits in the admin (researchers, editors);
        published visits only for everyone else."""
        return self if user.has_perm("visits.view_visit") else self.published()

    def for_pair(self, a: str, b: str) -> VisitQuerySet:
        """Visits between two countries (alpha-3 codes), either direction."""
        return self.filter(
            Q(visitor_country_id=a, host_country_id=b) | Q(visitor_country_id=b, host_country_id=a)
        )

    def direction(self, visitor_country: str, host_country: str) -> VisitQuerySet:
        return self.filter(visitor_country_id=visitor_country, host_country_id=host_country)

    def at_least(self, level: int) -> VisitQuerySet:
        """Visits whose visitor ranked at `level` or above (Level is ordered)."""
        return self.filter(level__gte=level)

    def confidence_at_least(self, confidence: str) -> VisitQuerySet:
        """Visits whose confidence is `confidence` or higher (low < medium < high)."""
        order = ["low", "medium", "high"]
        return self.filter(confidence__in=order[order.index(confidence) :])

    def between(self, start: dt.date | None, end: dt.date | None) -> VisitQuerySet:
        """Visits whose start date lies in [start, end], both inclusive; None = open."""
        qs = self
        if start:
            qs = qs.filter(start_date__gte=start)
        if end:
            qs = qs.filter(start_date__lte=end)
        return qs

    def as_of(self, day: dt.date | None) -> VisitQuerySet:
        """Visits that had started by `day` (inclusive); None = no limit."""
        return self.filter(start_date__lte=day) if day else self

    def search(self, text: str) -> VisitQuerySet:
        """Case-insensitive match in visitor and host names and aliases, titles,
        purpose and places."""
        q = Q()
        for field in SEARCH_FIELDS:
            q |= Q(**{f"{field}__icontains": text})
        hosted = self.model.hosts.through.objects.filter(
            Q(person__name__icontains=text) | Q(person__aliases__icontains=text)
        ).values("visit_id")
        return self.filter(q | Q(pk__in=hosted))

    def overlapping_trips(self, visit) -> VisitQuerySet:
        """The same visitor's other visits whose days overlap `visit`'s. A visit spans
        [start_date, end_date]; without an end date, its possible start range."""
        end = visit.end_date or visit.start_latest
        return (
            self.filter(visitor_id=visit.visitor_id, start_date__lte=end)
            .filter(
                Q(end_date__gte=visit.start_date)
                | Q(end_date__isnull=True, start_latest__gte=visit.start_date)
            )
            .exclude(pk=visit.pk)
        )

    def possible_duplicates(self, visit) -> VisitQuerySet:
        """Other visits that may record the same trip: the same visitor between the
        same countries in the same direction, on overlapping days (overlapping_trips)."""
        return self.overlapping_trips(visit).filter(
            visitor_country_id=visit.visitor_country_id, host_country_id=visit.host_country_id
        )

    def with_related(self) -> VisitQuerySet:
        """Everything a list of visits shows, in a constant number of queries."""
        return self.select_related("visitor", "visitor_country", "host_country").prefetch_related(
            "hosts", "sources"
        )


class PersonQuerySet(models.QuerySet):
    def public(self) -> PersonQuerySet:
        """People the public may see: a visitor or host of a published visit, or an
        era's leader. Someone who appears only in drafts is not public."""
        published = self.model.visits.field.model.objects.published()
        eras = self.model.eras.field.model.objects
        return self.filter(
            Exists(published.filter(visitor_id=OuterRef("pk")))
            | Exists(published.filter(hosts=OuterRef("pk")))
            | Exists(eras.filter(leader_id=OuterRef("pk")))
        )

    def visible_to(self, user) -> PersonQuerySet:
        """Everyone for users who may view drafts; the public ones for the rest."""
        return self if user.has_perm("visits.view_visit") else self.public()


class EraQuerySet(models.QuerySet):
    def overlapping(self, start: dt.date, end: dt.date | None) -> EraQuerySet:
        """Eras sharing a day with [start, end); end None = ongoing."""
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        return qs.filter(start_date__lt=end) if end else qs
