from django.core.management.base import BaseCommand
from django.db import transaction

from visits import summary
from visits.services import bump_data_version


class Command(BaseCommand):
    help = "Recompute the era summary (visits.summary) from the published visits."

    def handle(self, *args, **options):
        with transaction.atomic():
            bump_data_version()  # the write lock: no visit write moves it meanwhile
            summary.rebuild()
        self.stdout.write("era summary rebuilt")
