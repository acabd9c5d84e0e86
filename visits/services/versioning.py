"""The data version: one row whose counter moves with every change to public data."""

from __future__ import annotations

from django.db import OperationalError
from django.db.models import F
from django.utils import timezone

from visits.models import DataVersion
from visits.services.rules import ImportBusy


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
