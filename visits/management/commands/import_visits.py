from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from visits.importing import import_rows
from visits.interchange import read_csv


class Command(BaseCommand):
    help = (
        "Import visits from an interchange CSV. All or nothing by default: if any row is "
        "invalid nothing is written and every bad row is reported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report, write nothing.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Write the valid rows, report the rest."
        )

    def handle(self, *args, file: Path, dry_run: bool, skip_invalid: bool, **options):
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        rows, header_errors = read_csv(text)
        if header_errors:
            raise CommandError("\n".join(str(e) for e in header_errors))
        report = import_rows(rows, dry_run=dry_run, skip_invalid=skip_invalid)
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(("Dry run: " if dry_run else "") + report.summary())
        if report.errors and not skip_invalid:
            raise CommandError(f"{report.invalid_rows} invalid rows; nothing was written.")
