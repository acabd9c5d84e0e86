from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from visits.importing import import_rows
from visits.interchange import stream_csv
from visits.services import ImportBusy


class Command(BaseCommand):
    help = (
        "Import visits from an interchange CSV. All or nothing by default: if any row is "
        "invalid or refused, nothing is written and every problem is reported. Sources are "
        "only ever added unless --replace-sources."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Report every change, write nothing."
        )
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Write the valid rows, report the rest."
        )
        parser.add_argument(
            "--user",
            help="Import as this user, with their permissions, recorded in history "
            "(default: the system, with every right).",
        )
        parser.add_argument(
            "--replace-sources",
            action="store_true",
            help="Make a matched visit's sources exactly the row's (default: only add).",
        )
        parser.add_argument(
            "--allow-duplicates",
            action="store_true",
            help="Import new rows that may duplicate a recorded trip.",
        )

    def handle(self, *args, file: Path, dry_run: bool, skip_invalid: bool, **options):
        user = self._user(options["user"])
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                report = self._import(handle, dry_run, skip_invalid, user, options)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except ImportBusy as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(("Dry run: " if dry_run else "") + report.summary())
        if report.errors and not skip_invalid:
            raise CommandError(f"{report.invalid_rows} invalid rows; nothing was written.")

    def _import(self, handle, dry_run, skip_invalid, user, options):
        """Read the file as the import asks for rows; print every change and every
        problem as it is found (the report keeps only the first ones)."""
        rows, header_errors = stream_csv(handle)
        if header_errors:
            raise CommandError("\n".join(str(e) for e in header_errors))
        return import_rows(
            rows,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            user=user,
            replace_sources=options["replace_sources"],
            allow_duplicates=options["allow_duplicates"],
            on_error=lambda error: self.stderr.write(str(error)),
            on_change=lambda row, changes: self.stdout.write(
                "\n".join(f"row {row}: {change}" for change in changes)
            ),
        )

    def _user(self, username):
        if username is None:
            return None
        try:
            return get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no active user {username!r}") from None
