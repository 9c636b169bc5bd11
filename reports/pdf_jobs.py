"""PDF reports made by a background job (reports.tasks.render_pdf_job): the request checks who may see the report
(the view's own scoping), records the export and starts the job; the job renders the same view for the same user
and query, and keeps the PDF in the shared file store (core.stored_files, ``REPORTS_FOLDER``), where only its
job's owner can fetch it (audits.views.jobs.job_download) until it expires with the pending uploads
(``purge_uploads``). WeasyPrint takes 2.5 to 8 seconds a report on the demo data: too long for a request."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse

from audits.services.access import mark_recorded
from core import jobs

_IN_JOB = "_cdi_pdf_job"
VIEWS = ("overview", "force", "inspection")  # reports.views' functions, by the name the task is given


def in_job(request: HttpRequest) -> bool:
    """Whether ``request`` is a job's own rendering (then the view renders the PDF), not a person's request."""
    return getattr(request, _IN_JOB, False)


def start(request: HttpRequest, *, view: str, args: list, title: str) -> HttpResponse:
    """Start the job for the report ``view`` (one of VIEWS) with ``args`` and this request's query; its page."""
    from reports.tasks import render_pdf_job  # the task renders reports.views, which call this

    page = reverse(f"reports:{view}", args=args) + (f"?{request.GET.urlencode()}" if request.GET else "")
    job = jobs.create(kind="report_pdf", title=title, owner=request.user, back_url=page, total=3)
    jobs.enqueue(job, render_pdf_job, request.user.pk, view, args, request.GET.urlencode(), request.path)
    return redirect("audits:job", pk=job.pk)


def job_request(user: AbstractBaseUser | AnonymousUser, path: str, query: str) -> HttpRequest:
    """The request a job renders its report for: the person who asked, their query, the export already recorded."""
    request = HttpRequest()
    request.method, request.path, request.path_info = "GET", path, path
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query
    request.user = user
    setattr(request, _IN_JOB, True)
    mark_recorded(request)
    return request
