"""Background jobs of the reports app (django-tasks; core.jobs records their progress and outcome)."""

import re
import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django_tasks import task

from core import jobs, stored_files
from reports import pdf, pdf_jobs

STEPS = 3  # gathering the figures, laying out the pages, storing the file


@task()
def render_pdf_job(job_id: int, user_id: int, view: str, args: list, query: str, path: str) -> dict:
    """A PDF report (reports.pdf_jobs): the report view rendered for the person who asked, as they asked for it
    (their scoping, their query), the file kept for them alone."""
    from reports import views  # the views start this task (reports.pdf_jobs)

    render = {"overview": views.overview, "force": views.force_report, "inspection": views.inspection_report}[view]
    with jobs.running(job_id) as progress:
        progress(0, STEPS, stage="Gathering the figures")
        user = get_user_model().objects.get(pk=user_id)
        told = pdf.laying_out.set(lambda: progress(1, STEPS, stage="Laying out the pages"))
        try:
            response = render(pdf_jobs.job_request(user, path, query), *args, fmt="pdf")
        finally:
            pdf.laying_out.reset(told)
        progress(2, STEPS, stage="Storing the PDF")
        filename = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)  # type: ignore[union-attr]
        name = stored_files.save(f"{stored_files.REPORTS_FOLDER}/{uuid.uuid4().hex}.pdf", ContentFile(response.content))
        jobs.finish(job_id, ok=True, total=STEPS, result={"file": name, "filename": filename,
                                                          "size": len(response.content),
                                                          "again": path + (f"?{query}" if query else "")},
                    messages=[("success", "The PDF is ready.")])
        return {"ok": True}
