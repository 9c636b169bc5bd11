"""Removing files nobody will ask for again (``manage.py purge_uploads``): import files whose dry run was not
confirmed in time, PDF reports made by a background job and kept as long (reports/pdf_jobs.py), and evidence files with no evidence row (left by a process killed between writing the file and
committing, or by a transaction rolled back around the one that wrote it).

Safe on every server at once: each file is removed by whichever server gets there first, and a file another
server has just removed is skipped."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings

from core import stored_files
from recommendations.models import Evidence

EVIDENCE_FOLDER = "evidence"
# An evidence file is written a moment before its row commits: only a file this old with no row is an orphan.
ORPHAN_AGE = timedelta(hours=1)


@dataclass
class Purged:
    pending: int = 0
    orphans: int = 0
    reports: int = 0


def purge_uploads(now: datetime | None = None) -> Purged:
    purged = Purged()
    for name in stored_files.older_than(stored_files.PENDING_FOLDER, settings.PENDING_UPLOAD_MAX_AGE, now):
        stored_files.remove(name)
        purged.pending += 1
    for name in stored_files.older_than(stored_files.REPORTS_FOLDER, settings.PENDING_UPLOAD_MAX_AGE, now):
        stored_files.remove(name)
        purged.reports += 1
    candidates = stored_files.older_than(EVIDENCE_FOLDER, ORPHAN_AGE, now)
    while names := list(islice(candidates, 500)):
        kept = set(Evidence.objects.filter(file__in=names).values_list("file", flat=True))
        for name in names:
            if name not in kept:
                stored_files.remove(name)
                purged.orphans += 1
    return purged
