from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from visits.releases import release_dataset


class Command(BaseCommand):
    help = (
        "Write the published data as a Frictionless data package (datapackage.json, the "
        "tables as CSV, CITATION.cff, changes.csv since the previous release) into a "
        "folder, and record it as a release listed on /about/ and /api/v1/releases/."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the release: it replaces Django's own --version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", required=True, help="e.g. 2026.12 or 1.0.0")
        parser.add_argument("--output", "-o", required=True, help="The folder to write.")
        parser.add_argument("--base-url", default="", help="The site's address, for citation.")

    def handle(self, *args, version, output, base_url, **options):
        try:
            release = release_dataset(version=version, out_dir=Path(output), base_url=base_url)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"release {release.version}: {release.visits} visits "
            f"({release.added} added, {release.changed} changed, {release.withdrawn} "
            f"withdrawn since the previous release), written to {output}"
        )
