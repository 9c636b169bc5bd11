from django.core.management.base import BaseCommand

from notifications.emails import send_pending


class Command(BaseCommand):
    help = ("E-mail everyone the notifications they have not been sent yet, one message each. Safe to run from "
            "cron on several servers at once: nothing is sent twice.")

    def handle(self, *args, **options):
        emails, notifications = send_pending()
        self.stdout.write(f"{emails} e-mail(s) sent with {notifications} notification(s).")
