from django.core.management.base import BaseCommand, CommandError

from visits.exporting import export_csv
from visits.models import Status, Visit


class Command(BaseCommand):
    help = "Write visits in the interchange CSV to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--pair", help="Two alpha-3 codes, e.g. CHN,PRK (either direction).")
        parser.add_argument("--status", choices=Status.values)
        parser.add_argument("--output", "-o", help="File to write (default: stdout).")

    def handle(self, *args, pair=None, status=None, output=None, **options):
        visits = Visit.objects.all()
        if pair:
            codes = [c.strip().upper() for c in pair.split(",")]
            if len(codes) != 2 or not all(len(c) == 3 for c in codes):
                raise CommandError("--pair takes two alpha-3 codes, e.g. CHN,PRK")
            visits = visits.for_pair(*codes)
        if status:
            visits = visits.filter(status=status)
        if output:
            with open(output, "wb") as handle:
                handle.writelines(export_csv(visits))
        else:
            for block in export_csv(visits):
                self.stdout.write(block.decode(), ending="")
