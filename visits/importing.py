"""Import interchange rows: read, plan and write them batch by batch, in one
transaction, in flat memory.

Each batch is parsed, planned against the database as the batches before it left
it, and written (visits.services.apply_import). The plan says, row by row, what is
created, updated (every changed column, old → new) or left unchanged, and refuses
the rows that the acting user may not write or that may duplicate a recorded trip.
A refused row writes nothing; at the end the transaction is rolled back if the run
is a dry run, or if any row was refused and the import is all or nothing. So a dry
run reports exactly what a real run would do, every problem at once. The write
lock (the data version) is taken first and held to the end.

Across batches only what finds a row repeating another is kept: a compact key per
row. Reports keep the first KEPT problems and changes and count the rest; pass
`on_error`/`on_change` to see every one as it is found.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from visits import services
from visits.import_plan import BatchPlan, Change, PeopleIndex, plan_batch
from visits.interchange import (
    CountryResolver,
    RowError,
    UnreadableRow,
    VisitRecord,
    is_blank,
    parse_row,
)
from visits.services.imports import SummaryMoves, written_models

BATCH = 10_000
KEPT = 1000
ANALYZE_AFTER = 10_000  # rows created or updated: the planner's statistics refreshed

__all__ = ["BATCH", "Change", "ImportReport", "import_rows"]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    people_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    changes: dict[int, list[Change]] = field(default_factory=dict)
    errors_left_off: int = 0
    changes_left_off: int = 0
    invalid_rows: int = 0

    def __post_init__(self):
        self.invalid_rows = self.invalid_rows or len({e.row for e in self.errors})

    def add_errors(self, errors: list[RowError]) -> None:
        self.invalid_rows += len({e.row for e in errors})
        room = max(KEPT - len(self.errors), 0)
        self.errors += errors[:room]
        self.errors_left_off += len(errors[room:])

    def add_changes(self, changes: dict[int, list[Change]]) -> None:
        for row, row_changes in changes.items():
            if len(self.changes) < KEPT:
                self.changes[row] = row_changes
            else:
                self.changes_left_off += 1

    def summary(self) -> str:
        verb = "would be" if not self.written else "were"
        text = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.invalid_rows} invalid ({self.people_created} new people {verb} created)"
        )
        if self.errors_left_off:
            text += f"; only the first {KEPT} problems are listed, {self.errors_left_off} more"
        return text


def import_rows(
    rows: Iterable[dict],
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    user=None,
    replace_sources: bool = False,
    allow_duplicates: bool = False,
    batch_size: int = BATCH,
    on_error: Callable[[RowError], None] | None = None,
    on_change: Callable[[int, list[Change]], None] | None = None,
) -> ImportReport:
    """Import interchange rows (dicts, read lazily) as `user` (None: the system).

    All or nothing unless `skip_invalid`. Sources are only added unless
    `replace_sources`. A new row that may duplicate a recorded trip is refused unless
    `allow_duplicates`. Raises services.ImportBusy if another write holds the lock
    for longer than the database waits. A row that is no CSV (UnreadableRow, raised
    as the rows are read) writes nothing, even with `skip_invalid`: the report holds
    only its error, since no row after it can be read."""
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            services.bump_data_version()  # the write lock, before reading anything
            run = Run(user, replace_sources, allow_duplicates)
            for batch in _batches(rows, batch_size):
                plan = run.plan(batch)
                services.apply_import(plan=plan, user=user, now=run.now, moves=run.moves)
                run.remember(plan)
                _report(report, plan, on_error, on_change)
            run.moves.flush()
            wrote = report.created or report.updated
            if dry_run or (report.invalid_rows and not skip_invalid) or not wrote:
                transaction.set_rollback(True)
            else:
                report.written = True
    except UnreadableRow as exc:  # the atomic block rolled back
        report = ImportReport(errors=[exc.error], dry_run=dry_run)
        if on_error:
            on_error(exc.error)
    if report.written and report.created + report.updated >= ANALYZE_AFTER:
        analyze_written()
    return report


def analyze_written() -> None:
    """Refresh the planner's statistics of the tables an import writes, as after any
    bulk load: a table loaded in one go has none until autovacuum (if it runs at all)
    gets to it, and the planner then guesses, e.g. the admin's estimated count."""
    tables = [connection.ops.quote_name(m._meta.db_table) for m in written_models()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(tables))
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[tuple[int, dict]]]:
    """(row number, row) in lists of `size`, blank rows left out; the header is row 1."""
    numbered = ((n, raw) for n, raw in enumerate(rows, start=2) if not is_blank(raw))
    while batch := list(islice(numbered, size)):
        yield batch


def _report(report: ImportReport, plan: BatchPlan, on_error, on_change) -> None:
    report.created += len(plan.new)
    report.updated += len(plan.changed)
    report.unchanged += plan.unchanged
    report.people_created += len(plan.people)
    errors = sorted(plan.errors, key=lambda e: e.row)
    report.add_errors(errors)
    report.add_changes(plan.changes)
    for error in errors if on_error else ():
        on_error(error)
    for row, changes in plan.changes.items() if on_change else ():
        on_change(row, changes)


class Run:
    """What one import keeps from batch to batch: the people and the rows of the
    visits it created (16 bytes a visit: to name a row, not a visit id that a
    rollback would void, as a repeat or a duplicate). A row repeating an earlier
    batch's row is found in the database (import_plan), one repeating a row of its own
    batch by the batch's keys."""

    def __init__(self, user, replace_sources: bool, allow_duplicates: bool):
        self.user, self.now = user, timezone.now()
        self.options = {"replace_sources": replace_sources, "allow_duplicates": allow_duplicates}
        self.countries = CountryResolver()
        self.people = PeopleIndex()
        self.created_ids, self.created_rows = array("q"), array("q")
        self.moves = SummaryMoves()

    def plan(self, batch: list[tuple[int, dict]]) -> BatchPlan:
        records, errors = [], []
        self.seen: dict[int, int] = {}
        for number, raw in batch:
            result = parse_row(number, raw, self.countries)
            if not isinstance(result, VisitRecord):
                errors += result
            elif repeated := self._repeats(result):
                errors.append(repeated)
            else:
                records.append(result)
        plan = plan_batch(records, self.people, self.user, row_of=self.row_of, **self.options)
        plan.errors += errors
        return plan

    def _repeats(self, record: VisitRecord) -> RowError | None:
        """A row repeating an earlier row of its batch's external_id, or its natural
        key (visitor, countries, start date) under another external_id, is an error:
        the same visit twice is reported, never merged."""
        keys = {"start_date": hash(("natural", self.people.key(record.visitor), *_trip(record)))}
        if record.external_id:
            keys["external_id"] = hash(("external_id", record.external_id))
        for column in ("external_id", "start_date"):
            if keys.get(column) in self.seen:
                return RowError(record.row, column, f"repeats row {self.seen[keys[column]]}")
        for key in keys.values():
            self.seen[key] = record.row
        return None

    def remember(self, plan: BatchPlan) -> None:
        for row in plan.new:
            self.created_ids.append(row.values["id"])
            self.created_rows.append(row.record.row)

    def row_of(self, visit_id: int) -> int | None:
        """The row that created visit `visit_id` in this import, if one did."""
        at = bisect.bisect_left(self.created_ids, visit_id)
        found = at < len(self.created_ids) and self.created_ids[at] == visit_id
        return self.created_rows[at] if found else None


def _trip(record: VisitRecord) -> tuple:
    return (record.visitor_country, record.host_country, record.start_date)
