"""The data version: one row whose counter moves with every change to the data, and
a second counter that moves only with a change anyone may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import OperationalError
from django.db.models import F
from django.utils import timezone

from visits import summary
from visits.models import DataVersion
from visits.services.rules import ImportBusy
from visits.summary import Facts


def bump_data_version() -> None:
    """Move the data version, and hold the row's lock until the transaction ends.

    Every write calls it first. So all writers lock in one order (no deadlocks),
    an import plans against the state the write before it left, and on SQLite the
    write lock is taken at once rather than at a later statement."""
    for _ in range(2):
        try:
            moved = DataVersion.objects.filter(pk=1).update(
                version=F("version") + 1, changed_at=timezone.now()
            )
        except OperationalError as exc:  # SQLite: "database is locked" after its timeout
            raise ImportBusy("another write is in progress; try again when it is done") from exc
        if moved:
            return
        # A database emptied since migration 0003 made the row. get_or_create takes a
        # savepoint, so a concurrent writer creating it too waits, then finds it.
        DataVersion.objects.get_or_create(pk=1)


def published_changed() -> None:
    """Move the published version too: the write under way (which has moved the data
    version and holds its lock) touched what anonymous readers see."""
    DataVersion.objects.filter(pk=1).update(
        published_version=F("published_version") + 1, published_changed_at=timezone.now()
    )


def changed(*, removed: Iterable[Facts] = (), added: Iterable[Facts] = ()) -> None:
    """What every write does last, given the visits it removed (their state before it)
    and added (after it), as Facts or Counters of them: the era summary moved by
    them, and the published version moved when any of them was or is published."""
    removed, added = summary.published(removed), summary.published(added)
    summary.adjust(removed=removed, added=added)
    if removed or added:
        published_changed()
