from django.core.management.base import BaseCommand

from core.outbox import deliver_pending


class Command(BaseCommand):
    help = ("Send the e-mails waiting in the outbox (reminders and notifications whose claims committed). Safe "
            "to run from cron on several servers at once: each message is sent by one of them.")

    def handle(self, *args, **options):
        sent, failed = deliver_pending()
        self.stdout.write(f"{sent} e-mail(s) sent, {failed} failed (left for the next run).")
