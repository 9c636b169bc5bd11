from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from core import jobs
from core.models import BackgroundJob

REFRESH_SECONDS = 2


def job_page(request, pk):
    """A background job's progress, then its outcome; its owner's only (anyone else: 404). A job that succeeded
    goes on to its next page with the messages the action used to give in the request."""
    job = jobs.refresh(get_object_or_404(BackgroundJob, pk=pk, owner=request.user))
    if job.status == BackgroundJob.Status.SUCCEEDED and job.next_url:
        for level, text in job.messages:
            messages.add_message(request, getattr(messages, level.upper(), messages.INFO), text)
        return redirect(job.next_url)
    return render(request, "audits/job.html", {"job": job, "refresh": None if job.finished else REFRESH_SECONDS})
