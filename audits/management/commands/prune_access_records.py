"""Deletes access records older than CDI_ACCESS_RECORD_DAYS (default 400). Run it daily (cron or a timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from audits.services.access import prune_access_records


class Command(BaseCommand):
    help = "Delete access records older than the retention period (CDI_ACCESS_RECORD_DAYS)."

    def handle(self, *args, **options):
        deleted = prune_access_records()
        self.stdout.write(f"Deleted {deleted} access record{'' if deleted == 1 else 's'} older than "
                          f"{settings.CDI_ACCESS_RECORD_DAYS} days.")
