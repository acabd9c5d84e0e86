"""The era summary (visits.models.EraCount): counts of published visits by scheme, era,
direction, level, start year and ambiguity, kept current by the write path
(visits.services calls `adjust`) and recomputed by `rebuild` (`manage.py
rebuild_summary`, and whenever an era or a scheme is saved or deleted).

Era membership and ambiguity are visits.eras's: a visit counts in the era of its
first possible day, `era` None is outside every era of the scheme, and `ambiguous`
says its possible start range [start_date, start_latest] ends in another era (or
outside). Rows may hold n = 0 after visits leave them; readers sum n.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import ExtractYear, NullIf
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from visits import bulk
from visits import eras as era_rules
from visits.models import Era, EraCount, EraScheme, Status, Visit

KEY = (
    "scheme_id",
    "era_id",
    "visitor_country_id",
    "host_country_id",
    "level",
    "year",
    "ambiguous",
)
UPSERT_ROWS = 1000  # 8 parameters a row: well under SQLite's 32,766


@dataclass(frozen=True)
class Facts:
    """What the summary needs to know of one visit, before or after a write."""

    visitor_country_id: str
    host_country_id: str
    level: int
    start_date: dt.date
    start_latest: dt.date
    status: str

    @classmethod
    def of(cls, visit) -> Facts:
        return cls(
            visit.visitor_country_id,
            visit.host_country_id,
            visit.level,
            visit.start_date,
            visit.start_latest,
            visit.status,
        )


def adjust(*, removed: Counter, added: Counter) -> None:
    """Move the summary by the published visits a write removed (their state before
    it) and added (their state after it), counted by `published`. Called by
    visits.services.versioning.changed inside the write's transaction, after the
    data-version lock. No query when nothing published changed; else two (the eras,
    one upsert per 1,000 changed keys)."""
    if removed == added:
        return
    schemes = scheme_eras()
    deltas: Counter = Counter()
    places: dict[tuple, list[tuple]] = {}  # (start, latest) → era and ambiguity a scheme
    for facts, sign in ((added, 1), (removed, -1)):
        for fact, times in facts.items():
            for key in keys(fact, schemes, places):
                deltas[key] += sign * times
    _upsert([(*key, n) for key, n in deltas.items() if n])


def published(facts: Iterable[Facts]) -> Counter:
    """The published visits among `facts` (Facts, or a Counter of them), counted."""
    counts = facts if isinstance(facts, Counter) else Counter(facts)
    return Counter({f: n for f, n in counts.items() if n and f.status == Status.PUBLISHED})


def scheme_eras() -> dict[int, list[Era]]:
    """Every scheme's eras by start date (a scheme without eras: []). One query."""
    rows = EraScheme.objects.order_by("pk", "eras__start_date").values_list(
        "pk", "eras__pk", "eras__start_date", "eras__end_date"
    )
    schemes: dict[int, list[Era]] = {}
    for scheme, pk, start, end in rows:
        eras = schemes.setdefault(scheme, [])
        if pk is not None:
            eras.append(Era(pk=pk, scheme_id=scheme, start_date=start, end_date=end))
    return schemes


def keys(fact: Facts, schemes: dict[int, Sequence[Era]], places: dict) -> Iterator[tuple]:
    """The summary key of one visit under each scheme (KEY's order). `places`
    remembers, from call to call, where each (start, latest) range counts: visits
    share dates."""
    span = (fact.start_date, fact.start_latest)
    if span not in places:
        places[span] = []
        for scheme, eras in schemes.items():
            member = era_rules.membership(fact.start_date, fact.start_latest, eras)
            places[span].append((scheme, member.era.pk if member.era else None, member.ambiguous))
    for scheme, era, ambiguous in places[span]:
        yield (
            scheme,
            era,
            fact.visitor_country_id,
            fact.host_country_id,
            fact.level,
            fact.start_date.year,
            ambiguous,
        )


def _upsert(rows: list[tuple]) -> None:
    """Add each row's n to its key's row, creating it at n when missing. PostgreSQL,
    for more than UPSERT_ROWS rows (an import's): the rows COPYed, then one upsert
    from them (half the time of an upsert of 1,000 rows at a time)."""
    table = EraCount._meta.db_table
    columns = ", ".join((*KEY, "n"))
    target = ", ".join("(COALESCE(era_id, 0))" if c == "era_id" else c for c in KEY)
    upsert = f"ON CONFLICT ({target}) DO UPDATE SET n = {table}.n + excluded.n"
    if connection.vendor == "postgresql" and len(rows) > UPSERT_ROWS:
        fields = [EraCount._meta.get_field(name.removesuffix("_id")) for name in (*KEY, "n")]
        moves = bulk.temporary_copy(EraCount, fields, rows, "moves")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {moves} {upsert}"
            )
        return
    with connection.cursor() as cursor:
        for i in range(0, len(rows), UPSERT_ROWS):
            batch = rows[i : i + UPSERT_ROWS]
            values = ", ".join(["(" + ", ".join(["%s"] * 8) + ")"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} {upsert}",
                [value for row in batch for value in row],
            )


def rebuild(*, schemes: Iterable[int] | None = None) -> None:
    """Recompute the summary of `schemes` (ids; default every scheme) from the
    published visits: per scheme, one DELETE and one INSERT … SELECT … GROUP BY."""
    wanted = EraScheme.objects.order_by("pk")
    if schemes is not None:
        wanted = wanted.filter(pk__in=list(schemes))
    for scheme in wanted:
        # Derived rows, rebuilt under the write lock; not domain data.
        EraCount.objects.filter(scheme=scheme).delete()  # write-path: ok
        _insert_counts(scheme.pk, list(Era.objects.filter(scheme=scheme).order_by("start_date")))


def _era_key(eras: Sequence[Era], field: str) -> Case:
    """The pk of the era containing `field`'s day, 0 outside every era."""
    whens = [When(era_rules.in_era_q(era, field), then=Value(era.pk)) for era in eras]
    return Case(*whens, default=Value(0))


def with_era(visits: QuerySet[Visit], eras: Sequence[Era]) -> QuerySet[Visit]:
    """`visits` annotated, in SQL, as `keys` sees them under `eras` (a scheme's, by
    start date): `summary_era` (the era's pk, None outside every era) and
    `summary_ambiguous`."""
    return visits.annotate(
        era_key=_era_key(eras, "start_date"), latest_key=_era_key(eras, "start_latest")
    ).annotate(
        summary_era=NullIf(F("era_key"), Value(0)),
        summary_ambiguous=Case(
            When(Q(era_key=F("latest_key")), then=Value(False)), default=Value(True)
        ),
    )


def _insert_counts(scheme: int, eras: Sequence[Era]) -> None:
    grouped = (
        with_era(Visit.objects.published().order_by(), eras)
        .annotate(summary_year=ExtractYear("start_date"))
        .values(
            "summary_era",
            "visitor_country_id",
            "host_country_id",
            "level",
            "summary_year",
            "summary_ambiguous",
        )
        .annotate(summary_n=Count("pk"))
    )
    sql, params = grouped.query.sql_with_params()
    table = EraCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join((*KEY, 'n'))}) "
            "SELECT %s, summary_era, visitor_country_id, host_country_id, level, "
            f"summary_year, summary_ambiguous, summary_n FROM ({sql}) grouped",
            [scheme, *params],
        )


@receiver(post_save, sender=Era, dispatch_uid="summary-era-saved")
def _era_saved(sender, instance, raw=False, **kwargs):
    """An era's bounds or scheme changed: recompute its scheme, and the scheme it
    left if it moved."""
    if not raw:
        moved_from = EraCount.objects.filter(era=instance).values_list("scheme_id", flat=True)
        rebuild(schemes={instance.scheme_id, *moved_from})


@receiver(post_delete, sender=Era, dispatch_uid="summary-era-deleted")
def _era_deleted(sender, instance, origin=None, **kwargs):
    if not isinstance(origin, EraScheme):  # a deleted scheme takes its rows with it
        rebuild(schemes={instance.scheme_id})


@receiver(post_save, sender=EraScheme, dispatch_uid="summary-scheme-saved")
def _scheme_saved(sender, instance, created=False, raw=False, **kwargs):
    if created and not raw:  # every visit is outside the new scheme's (no) eras
        rebuild(schemes={instance.pk})
