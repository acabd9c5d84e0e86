"""Writes of one visit at a time: create, update, publish, unpublish, revert, delete."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save

from visits import summary
from visits.interchange import uri
from visits.models import Person, Source, Status, Visit
from visits.services.rules import (
    PossibleDuplicates,
    StaleVersion,
    check_delete,
    check_sources,
    check_write,
)
from visits.services.versioning import bump_data_version, changed

# Changing one of these may make a visit the duplicate of another.
KEY_FIELDS = ("visitor_id", "visitor_country_id", "host_country_id", "start_date", "end_date")
SOURCE_FIELDS = ("url", "title", "publisher", "published_date", "accessed_date", "archive_url")
# What a revert restores: the fields a researcher edits, not the record-keeping ones.
REVERTED = [
    f.attname
    for f in Visit._meta.concrete_fields
    if f.editable and not f.primary_key and f.name not in ("created_by", "updated_by")
]


@transaction.atomic
def create_visit(
    *,
    user,
    values: dict,
    hosts: Iterable[Person | int] = (),
    sources: Sequence[dict] = (),
    confirm_duplicate: bool = False,
    reason: str = "created",
) -> Visit:
    """Create a visit from model field `values`, with its hosts and sources (dicts of
    Source fields). Raises WriteRefused, ValidationError or PossibleDuplicates."""
    bump_data_version()
    visit = Visit(**values)
    check_write(user=user, before=None, after=visit.status)
    check_sources(visit.status, len(sources))
    _validate(visit, confirm_duplicate=confirm_duplicate)
    visit.created_by = user
    _save(visit, user=user, reason=reason, hosts=hosts, created=True)
    _sync_sources(visit, sources, user=user, reason=reason)
    changed(added=[summary.Facts.of(visit)])
    return visit


@transaction.atomic
def update_visit(
    *,
    user,
    visit: Visit | int,
    values: dict,
    hosts: Iterable[Person | int] | None = None,
    sources: Sequence[dict] | None = None,
    expected_version: int | None = None,
    confirm_duplicate: bool = False,
    reason: str = "changed",
) -> Visit:
    """Change a visit's fields; `hosts` and `sources` (the complete new lists: a
    source is kept by its `id` or URL) are left alone when None. With
    `expected_version`, raises StaleVersion if someone else saved in between."""
    bump_data_version()
    current = _locked(visit, expected_version)
    status, key, before = current.status, trip_key(current), summary.Facts.of(current)
    for name, value in values.items():
        setattr(current, name, value)
    check_write(user=user, before=status, after=current.status)
    check_sources(current.status, len(sources) if sources is not None else _count(current))
    _validate(current, confirm_duplicate=confirm_duplicate or trip_key(current) == key)
    _save(current, user=user, reason=reason, hosts=hosts)
    if sources is not None:
        _sync_sources(current, sources, user=user, reason=reason)
    changed(removed=[before], added=[summary.Facts.of(current)])
    return current


@transaction.atomic
def publish_visits(*, user, visits: Iterable[Visit | int]) -> tuple[list[Visit], list[Visit]]:
    """Publish the drafts among `visits` that have a source. Returns (published,
    left as drafts for want of a source)."""
    return _set_status(user=user, visits=visits, status=Status.PUBLISHED, reason="published")


@transaction.atomic
def unpublish_visits(*, user, visits: Iterable[Visit | int]) -> tuple[list[Visit], list[Visit]]:
    """Take the published visits among `visits` back to drafts. Returns (unpublished, [])."""
    return _set_status(user=user, visits=visits, status=Status.DRAFT, reason="unpublished")


def revert_visit(
    *, user, visit: Visit | int, history_id: int, expected_version: int | None = None
) -> Visit:
    """Restore the fields and hosts a visit had in history record `history_id`, under
    the same rules as any change (restoring "published" needs the right to publish,
    and a source). Sources are not part of a visit's history row and stay as they are."""
    pk = visit.pk if isinstance(visit, Visit) else visit
    record = Visit.history.get(id=pk, history_id=history_id)
    return update_visit(
        user=user,
        visit=pk,
        values={name: getattr(record, name) for name in REVERTED},
        hosts=[row.person_id for row in record.hosts.all()],
        expected_version=expected_version,
        confirm_duplicate=True,
        reason=f"reverted to the version of {record.history_date:%Y-%m-%d %H:%M:%S} UTC",
    )


@transaction.atomic
def delete_visit(*, user, visit: Visit | int, expected_version: int | None = None) -> None:
    """Delete a visit and its sources, each leaving a history row."""
    bump_data_version()
    current = _locked(visit, expected_version)
    check_delete(user=user, visit=current)
    for source in current.sources.all():
        _tag(source, user, "deleted with its visit")
        source.delete()
    _tag(current, user, "deleted")
    current.delete()
    changed(removed=[summary.Facts.of(current)])


def _set_status(*, user, visits, status: str, reason: str):
    bump_data_version()
    other = Status.DRAFT if status == Status.PUBLISHED else Status.PUBLISHED
    check_write(user=user, before=other, after=status)
    pks = [v.pk if isinstance(v, Visit) else v for v in visits]
    done, unsourced, before = [], [], []
    sourced = Exists(Source.objects.filter(visit=OuterRef("pk")))
    for visit in Visit.objects.select_for_update().filter(pk__in=pks).annotate(sourced=sourced):
        if visit.status == status:
            continue
        if status == Status.PUBLISHED and not visit.sourced:
            unsourced.append(visit)
            continue
        before.append(summary.Facts.of(visit))
        visit.status = status
        _save(visit, user=user, reason=reason)
        done.append(visit)
    changed(removed=before, added=[summary.Facts.of(v) for v in done])
    return done, unsourced


def _locked(visit: Visit | int, expected_version: int | None) -> Visit:
    pk = visit.pk if isinstance(visit, Visit) else visit
    current = Visit.objects.select_for_update().get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    return current


def trip_key(visit: Visit) -> tuple:
    """What makes a visit the possible duplicate of another; a change to it is
    checked for duplicates, any other change is not."""
    return tuple(getattr(visit, name) for name in KEY_FIELDS)


def _count(visit: Visit) -> int:
    return visit.sources.count() if visit.pk else 0


def _validate(visit: Visit, *, confirm_duplicate: bool) -> None:
    visit.derive()
    visit.clean()
    if not confirm_duplicate:
        candidates = list(Visit.objects.possible_duplicates(visit).select_related("visitor")[:20])
        if candidates:
            raise PossibleDuplicates(candidates)


def _tag(obj, user, reason: str) -> None:
    """What django-simple-history writes into the history row: who and why."""
    obj._history_user = user
    obj._change_reason = reason


def _save(visit: Visit, *, user, reason: str, hosts=None, created: bool = False) -> None:
    """Save the visit and its hosts, then write one history row of the result."""
    visit.version = 1 if created else visit.version + 1
    visit.updated_by = user
    visit.skip_history_when_saving = True  # not per statement: once, below
    try:
        visit.save()
        if hosts is not None:
            visit.hosts.set(hosts)
    finally:
        del visit.skip_history_when_saving
    _tag(visit, user, reason)
    post_save.send(Visit, instance=visit, created=created, raw=False, using=visit._state.db)


def _sync_sources(visit: Visit, wanted: Sequence[dict], *, user, reason: str) -> None:
    """Make the visit's sources `wanted`: match each by `id`, else by URL; change
    what differs, add what is new, delete what is no longer listed."""
    existing = list(visit.sources.all())
    by_id, by_url = {s.pk: s for s in existing}, {s.url: s for s in existing}
    kept = set()
    for data in wanted:
        values = {f: data.get(f, Source._meta.get_field(f).get_default()) for f in SOURCE_FIELDS}
        # Stored as valid URIs whichever way they came (the importer reads them so).
        values["url"], values["archive_url"] = uri(values["url"]), uri(values["archive_url"])
        source = by_id.get(data.get("id")) or by_url.get(values["url"]) or Source(visit=visit)
        if source.pk is None or any(getattr(source, f) != v for f, v in values.items()):
            for name, value in values.items():
                setattr(source, name, value)
            _tag(source, user, reason)
            source.save()
        kept.add(source.pk)
    for source in existing:
        if source.pk not in kept:
            _tag(source, user, reason)
            source.delete()
