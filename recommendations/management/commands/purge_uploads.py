from django.core.management.base import BaseCommand

from recommendations.purge import purge_uploads


class Command(BaseCommand):
    help = ("Remove import files whose dry run was not confirmed within PENDING_UPLOAD_MAX_AGE, PDF reports made "
            "longer ago than that, and evidence files "
            "that no evidence record names (older than an hour). Safe to run from cron on every server at once.")

    def handle(self, *args, **options):
        purged = purge_uploads()
        self.stdout.write(f"{purged.pending} expired import file(s), {purged.reports} expired PDF report(s) and "
                          f"{purged.orphans} orphaned evidence file(s) removed.")
