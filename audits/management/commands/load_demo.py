from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audits.demo import DEMO_PASSWORD, DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load demonstration users and synthetic audit samples (DEBUG only; safe to run again)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo only runs with DEBUG on (DJANGO_DEBUG=1): it creates users whose password is "
                f"'{DEMO_PASSWORD}'. Never run it against a real database."
            )
        users, inspections = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for inspection in inspections:
            self.stdout.write(f"  synthetic sample: {inspection} ({inspection.cases.count()} cases)")
        self.stdout.write(f"Demo sign-ins (password '{DEMO_PASSWORD}' for each):")
        for username, _, _, description in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {description}")
