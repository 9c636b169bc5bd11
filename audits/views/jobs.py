from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import jobs, stored_files
from core.models import BackgroundJob

REFRESH_SECONDS = 2


def _own_job(request, pk):
    """The job, if it is this person's; 404 for anyone else's (whether it exists is not said)."""
    return get_object_or_404(BackgroundJob, pk=pk, owner=request.user)


def _kept_file(job):
    """The stored file a finished PDF job made, while it is kept; None once it has expired or gone."""
    name = job.result.get("file") if job.status == BackgroundJob.Status.SUCCEEDED else None
    written = stored_files.modified(name) if name else None
    if written is None or written < timezone.now() - settings.PENDING_UPLOAD_MAX_AGE:
        return None
    return name


def job_page(request, pk):
    """A background job's progress, then its outcome; its owner's only (anyone else: 404). A job that succeeded
    goes on to its next page with the messages the action used to give in the request; a PDF report's page
    offers its download; a job whose worker stopped offers to try again."""
    job = jobs.refresh(_own_job(request, pk))
    if job.status == BackgroundJob.Status.SUCCEEDED and job.next_url:
        for level, text in job.messages:
            messages.add_message(request, getattr(messages, level.upper(), messages.INFO), text)
        return redirect(job.next_url)
    return render(request, "audits/job.html", {
        "job": job, "refresh": None if job.finished else REFRESH_SECONDS, "can_retry": jobs.can_retry(job),
        "download": job.kind == "report_pdf" and _kept_file(job) is not None,
        "keep_hours": round(settings.PENDING_UPLOAD_MAX_AGE.total_seconds() / 3600),
    })


@require_POST
def job_retry(request, pk):
    """Run a failed job again (its page's "Try again"); refused with a message when it may not."""
    job = _own_job(request, pk)
    if not jobs.retry(job):
        messages.error(request, "This job cannot be run again: it has not failed for want of a worker, or its "
                                "file has expired. Start it again from the beginning.")
    return redirect("audits:job", pk=job.pk)


def job_download(request, pk):
    """The PDF a report job made, for the person who asked for it only, while it is kept."""
    job = _own_job(request, pk)
    name = _kept_file(job) if job.kind == "report_pdf" else None
    if name is None:
        raise Http404
    return FileResponse(default_storage.open(name, "rb"), as_attachment=True, filename=job.result["filename"],
                        content_type="application/pdf")
