"""Background jobs: a BackgroundJob row tells the person who started a long action how far it has got and what
came of it; a task (django-tasks) does the work in a worker.

Progress is written as it happens. A job's own writes are one transaction (all or none), invisible to other
connections until they commit; so inside it, on PostgreSQL, progress goes through a second connection of its
own (``Progress``). On SQLite jobs run in the request (the immediate backend): progress is written on the one
connection (a second would wait for the transaction's lock), and nobody could see it before the request ends.

A worker killed mid-job (kill -9, a lost machine) takes its transaction with it: PostgreSQL rolls it back, and
the session-level advisory lock the worker held on the job is released. ``refresh`` finds a job still marked
running whose lock nobody holds and marks it failed, so the page says so instead of waiting for ever."""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django.utils.module_loading import import_string

from core import stored_files
from core.models import BackgroundJob

logger = logging.getLogger(__name__)

LOCK_SPACE = 731_014  # first key of the advisory locks a worker holds on its job (second key: the job id)
STOPPED = ("The worker running this job stopped before it finished. Nothing was written: the job is all or "
           "none. Try it again.")
UNEXPECTED = "The job failed unexpectedly and nothing was written. Try again; if it fails again, tell the service desk."


class Progress:
    """Writes ``stage``, ``done`` and ``total`` of one job where other connections see them at once."""

    def __init__(self, job_id: int, every: float = 0.5):
        self.job_id, self.every, self._last, self._side = job_id, every, 0.0, None

    def __call__(self, done: int | None = None, total: int | None = None, stage: str | None = None,
                 force: bool = False) -> None:
        now = time.monotonic()
        if not force and stage is None and now - self._last < self.every:
            return
        self._last = now
        fields = {name: value for name, value in (("done", done), ("total", total), ("stage", stage))
                  if value is not None}
        if not connection.in_atomic_block or connection.vendor != "postgresql":
            BackgroundJob.objects.filter(pk=self.job_id).update(**fields, updated_at=timezone.now())
        else:  # never the job's row on the main connection here: the job's transaction must not lock it
            if self._side is None:
                self._side = connections.create_connection("default")
            sets = ", ".join(f"{name} = %s" for name in fields)
            with self._side.cursor() as cursor:
                cursor.execute(f"UPDATE core_backgroundjob SET {sets}, updated_at = %s WHERE id = %s",  # noqa: S608
                               [*fields.values(), timezone.now(), self.job_id])

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


# The tasks a failed job may be run again by, from its page ("Try again"). Each is all or none (a worker killed
# part way wrote nothing) and reads only what its arguments name, so running it again is safe.
RETRYABLE_TASKS = frozenset({
    "audits.tasks.check_import_job", "audits.tasks.import_cases_job", "audits.tasks.submit_cases_job",
    "audits.tasks.frame_upload_job", "forces.tasks.import_prc_job", "reports.tasks.render_pdf_job",
})


def create(*, kind: str, title: str, owner, back_url: str = "", total: int = 0) -> BackgroundJob:
    return BackgroundJob.objects.create(kind=kind, title=title[:200], owner=owner, back_url=back_url, total=total)


def enqueue(job: BackgroundJob, task, *args, file: str = ""):
    """Queue ``task`` for ``job`` (its id the first argument), remembering how, so a job whose worker stopped
    can be run again from its page (``retry``); ``file`` is the stored file it reads, if any."""
    BackgroundJob.objects.filter(pk=job.pk).update(retry={"task": task.module_path, "args": list(args), "file": file})
    return task.enqueue(job.pk, *args)


def can_retry(job: BackgroundJob) -> bool:
    """A job failed for no fault of its input (its worker stopped, or an unexpected error) may run again, while
    the file it reads is still kept."""
    if job.status != BackgroundJob.Status.FAILED or job.retry.get("task") not in RETRYABLE_TASKS:
        return False
    if [text for _, text in job.messages] not in ([STOPPED], [UNEXPECTED]):
        return False
    file = job.retry.get("file")
    written = stored_files.modified(file) if file else None
    return not file or (written is not None and written >= timezone.now() - settings.PENDING_UPLOAD_MAX_AGE)


def retry(job: BackgroundJob) -> bool:
    """Queue a failed job again, once: of two presses only the first does (the row moves from failed to queued
    in one conditional update). False when it may not."""
    if not can_retry(job):
        return False
    if not BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.FAILED).update(
            status=BackgroundJob.Status.QUEUED, stage="", done=0, messages=[], updated_at=timezone.now()):
        return False
    import_string(job.retry["task"]).enqueue(job.pk, *job.retry["args"])
    return True


def finish(job_id: int, *, ok: bool, messages: list, next_url: str = "", total: int | None = None,
           result: dict | None = None) -> None:
    """The outcome; a job that succeeded has done all of its ``total``."""
    fields: dict = {} if total is None else {"total": total, **({"done": total} if ok else {})}
    if result is not None:
        fields["result"] = result
    BackgroundJob.objects.filter(pk=job_id).update(
        status=BackgroundJob.Status.SUCCEEDED if ok else BackgroundJob.Status.FAILED, **fields,
        messages=[list(message) for message in messages], next_url=next_url, updated_at=timezone.now())


@contextmanager
def running(job_id: int):
    """Run a job's body: hold its advisory lock (PostgreSQL), mark it running, give the body its Progress; a body
    that raises marks the job failed (its transaction has rolled back) and the error goes to the task's result."""
    locked = connection.vendor == "postgresql"
    if locked:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_SPACE, job_id])
    progress = Progress(job_id)
    try:
        BackgroundJob.objects.filter(pk=job_id).update(status=BackgroundJob.Status.RUNNING, updated_at=timezone.now())
        try:
            yield progress
        except Exception:
            logger.exception("background job %s failed", job_id)
            finish(job_id, ok=False, messages=[("error", UNEXPECTED)])
            raise
    finally:
        progress.close()
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, job_id])


def _worker_holds(job_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, job_id])
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, job_id])
    return False


def refresh(job: BackgroundJob) -> BackgroundJob:
    """The job as it stands, a job whose worker has gone marked failed. The worker marks a job running only once
    it holds the lock, and finished before letting it go; so running + lock free + still running = gone."""
    if job.status == BackgroundJob.Status.RUNNING and connection.vendor == "postgresql" \
            and not connection.in_atomic_block and not _worker_holds(job.pk):
        BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.RUNNING).update(
            status=BackgroundJob.Status.FAILED, messages=[["error", STOPPED]], updated_at=timezone.now())
        job.refresh_from_db()
    return job
