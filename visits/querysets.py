"""Query vocabulary for visits and eras: chainable methods that read as phrases,
e.g. `Visit.objects.published().for_pair("CHN", "PRK").at_least(Level.MINISTER)`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import models
from django.db.models import Exists, OuterRef, Q

SEARCH_FIELDS = ("visitor_title", "purpose", "places")
CONFIDENCE_ORDER = ("low", "medium", "high")
# What may stand between two letters of a name in free text: spaces, hyphens and
# dashes, apostrophes, dots (a bracket expression both Python's re, used by SQLite,
# and PostgreSQL's regular expressions read alike).
SEPARATORS = r"[\s'\u2019\u02bc.\u00b7\u2010\u2011\u2013\u2014-]*"


def search_key(*names: str) -> str:
    """One string in which a person's names are found whatever the spelling's case,
    spaces, hyphens and apostrophes: each name NFKC-normalised, casefolded and
    stripped of every character that is not a letter or digit (in any script), the
    names joined by "|" (which a normalised query never contains, so a match never
    spans two names). `Kim Jong-il`, `Kim Jong Il` and `kimjongil` give one key;
    Hangul and Chinese characters are kept as they are."""
    return "|".join(filter(None, (normalise(name) for name in names)))


def normalise(text: str) -> str:
    """`text` as search_key stores a name: NFKC, casefolded, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def loose_pattern(key: str) -> str:
    """A case-insensitive regular expression finding `key` (normalised) in free text
    whatever separates its letters: `kimjongil` finds "Kim Jong-il" and "KIM JONG IL"."""
    return SEPARATORS.join(re.escape(ch) for ch in key)


def _any_field(fields, lookup: str, value: str) -> Q:
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}__{lookup}": value})
    return q


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
        order = CONFIDENCE_ORDER
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
        """Visits whose visitor or a host has a name, alias or native name containing
        `text` as search_key normalises it, or whose title, purpose or places contain
        it (loose_pattern): case, spaces, hyphens and apostrophes are ignored, in any
        script. A `text` without a letter or digit is looked for as it is."""
        key = normalise(text)
        if not key:
            return self.filter(_any_field(SEARCH_FIELDS, "icontains", text))
        hosted = self.model.hosts.through.objects.filter(person__search_key__contains=key)
        return self.filter(
            _any_field(SEARCH_FIELDS, "iregex", loose_pattern(key))
            | Q(visitor__search_key__contains=key)
            | Q(pk__in=hosted.values("visit_id"))
        )

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
    def named(self, name: str) -> EraQuerySet:
        """Eras called `name`: by their slug, or by their leader's slug, so that
        `xi-jinping` names Xi's era in every scheme (whose own slugs differ: `xi`,
        `xi-jinping`). Within one scheme an era's own slug wins (see `in_scheme_named`)."""
        return self.filter(Q(slug=name) | Q(leader__slug=name))

    def in_scheme_named(self, scheme: str, name: str):
        """The era of scheme `scheme` called `name` (`named`), or None when none is;
        its own slug first, else the only era its leader led in the scheme."""
        eras = list(self.filter(scheme__slug=scheme).named(name).select_related("scheme")[:3])
        own = [era for era in eras if era.slug == name]
        if own:
            return own[0]
        return eras[0] if len(eras) == 1 else None

    def overlapping(self, start: dt.date, end: dt.date | None) -> EraQuerySet:
        """Eras sharing a day with [start, end); end None = ongoing."""
        qs = self.filter(Q(end_date__isnull=True) | Q(end_date__gt=start))
        return qs.filter(start_date__lt=end) if end else qs
