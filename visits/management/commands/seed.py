from django.core.management.base import BaseCommand

from visits.seeding import seed


class Command(BaseCommand):
    help = "Load countries, people, era schemes, the shipped visits and published figures."

    def handle(self, *args, **options):
        for report in seed():
            self.stdout.write(f"visits: {report.summary()}")
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
