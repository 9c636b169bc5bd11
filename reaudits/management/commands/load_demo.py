from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audits.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from reaudits.demo import ensure_demo_reaudit
from recommendations.demo import load_demo_findings


class Command(BaseCommand):
    # Here, in the topmost app, rather than in audits: the demo spans audits, the findings that sit on top of them
    # and the inspectorate's re-audit of a force's own audit.
    help = "Load demonstration users, synthetic audit samples and findings (DEBUG only; safe to run again)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "load_demo only runs with DEBUG on (DJANGO_DEBUG=1): it creates users whose password is "
                f"'{DEMO_PASSWORD}'. Never run it against a real database."
            )
        with transaction.atomic():
            users, inspections = load_demo()
            load_demo_findings(users)
            ensure_demo_reaudit(users)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for inspection in inspections:
            self.stdout.write(f"  synthetic sample: {inspection} ({inspection.cases.count()} cases)")
        self.stdout.write(f"Demo sign-ins (password '{DEMO_PASSWORD}' for each):")
        for username, _, _, description in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {description}")
