"""Background jobs of the forces app (django-tasks; core.jobs records their progress and outcome).

A large police recorded crime file (the upload page's, over 1 MB) is imported here: read, every row checked and
the 12-month volumes written in one transaction, all or none, as the page does in the request for a small one."""

from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks import task

from core import jobs
from forces.prc import PrcImportError, import_prc


@task()
def import_prc_job(job_id: int, name: str, filename: str, source: str | None) -> dict:
    with jobs.running(job_id) as progress:
        progress(stage="Reading the file")
        try:
            with default_storage.open(name, "rb") as upload:
                result = import_prc(upload, filename, source, progress=progress)
        except PrcImportError as error:
            default_storage.delete(name)
            jobs.finish(job_id, ok=False, messages=[("error", problem) for problem in error.problems])
            return {"ok": False}
        default_storage.delete(name)
        jobs.finish(job_id, ok=True, total=result.rows_read, next_url=reverse("forces:prc_upload"), messages=[(
            "success", f"{result.rows_read} rows read, {result.rows_dropped} fraud or non-force rows dropped, "
                       f"{result.volumes_written} 12-month volumes stored.")])
        return {"ok": True, "volumes": result.volumes_written}
