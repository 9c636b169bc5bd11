from django.core.management.base import BaseCommand

from audits.services.published_data import load_published_results


class Command(BaseCommand):
    help = "Load the headline figures of published inspection reports (safe to run again)."

    def handle(self, *args, **options):
        inspections = load_published_results()
        self.stdout.write(self.style.SUCCESS(f"{len(inspections)} published inspections loaded."))
