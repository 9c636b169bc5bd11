from datetime import date

from django.core.management.base import BaseCommand, CommandError

from recommendations.reminders import send_reminders
from recommendations.services import today


class Command(BaseCommand):
    help = ("Email owners of findings due within 14 days and of overdue findings, one digest each. Safe to run "
            "from cron on several servers at once: nothing is sent twice.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Act as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, date=None, **options):
        try:
            day = today() if date is None else _parse(date)
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not “{date}”.") from None
        emails, reminders = send_reminders(day)
        self.stdout.write(f"{emails} email(s) sent with {reminders} reminder(s).")


def _parse(value):
    return date.fromisoformat(value)
