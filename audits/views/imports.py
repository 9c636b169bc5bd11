from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from audits import case_sheet, selectors
from audits.forms import CaseImportForm
from audits.models import AccessRecord
from audits.services import case_import
from audits.services.access import record_access
from audits.tasks import check_import_job, import_cases_job
from audits.views.pending_uploads import PendingUploads
from core import jobs
from core.downloads import XLSX_CONTENT_TYPE, attachment, csv_response
from forces.roles import audit_writers_only

PENDING = PendingUploads("case_imports")
# Files larger than this (about 10,000 rows of CSV) are checked by a worker, so no request waits on them.
CHECK_IN_WORKER_BYTES = 1024 * 1024


@audit_writers_only
def import_page(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if not selectors.may_audit_inspection(request.user, inspection):  # a force auditor: their own self-audits only
        raise PermissionDenied
    form, plan, token, problem = CaseImportForm(), None, None, None
    if request.method == "POST" and "cancel" in request.POST:  # the dry run's file goes now, not at its expiry
        PENDING.forget(request, request.POST.get("token", ""))
        messages.info(request, "Import cancelled: nothing was written.")
        return redirect(request.path)
    if request.method == "POST" and "confirm" in request.POST:
        # The confirm is a background job (audits.tasks): the file is checked again and written there, all or
        # none, and the job's page shows how far it has got. The kept file is removed once it is imported.
        token, mode = request.POST.get("token", ""), request.POST.get("mode", "add")
        path = PENDING.path(request, token)
        job = jobs.create(kind="case_import", title=f"Import of audited cases into {inspection}",
                          owner=request.user, back_url=request.path)
        jobs.enqueue(job, import_cases_job, inspection.pk, request.user.pk, path,
                     mode if mode in case_import.MODES else "add", file=path)
        return redirect("audits:job", pk=job.pk)
    elif request.method == "POST":
        form = CaseImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > CHECK_IN_WORKER_BYTES:  # a large file's dry run is a background job too
                token = PENDING.keep(request, upload)
                job = jobs.create(kind="case_import_check", title=f"Dry run of an import into {inspection}",
                                  owner=request.user, back_url=request.path)
                path = PENDING.path(request, token)
                jobs.enqueue(job, check_import_job, inspection.pk, path, form.cleaned_data["mode"], token, file=path)
                return redirect("audits:job", pk=job.pk)
            try:
                rows = case_sheet.read_rows(upload, upload.name)
            except case_sheet.ImportFileError as error:
                problem = str(error)
            else:
                plan = case_import.plan_import(inspection, rows, form.cleaned_data["mode"])
                if plan.ok:  # kept for the confirm only when there is something to confirm
                    token = PENDING.keep(request, upload)
    counts = {action: plan.count(action) for action in ("add", "update", "unchanged")} if plan else {}
    return render(request, "audits/case_import.html", {
        "inspection": inspection, "form": form, "plan": plan, "token": token, "problem": problem, "counts": counts,
        "columns": [(column, case_sheet.GUIDE[column]) for column in case_sheet.COLUMNS],
        "rules": selectors.counting_rules(active_only=True),
    })


def template_download(request, fmt):
    if fmt == "csv":
        return csv_response("audited-cases-template.csv", case_sheet.COLUMNS, [])
    if fmt == "xlsx":
        return attachment(case_sheet.workbook_bytes([]), XLSX_CONTENT_TYPE, "audited-cases-template.xlsx")
    raise Http404


def template_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.EXPORT, inspection.pk)
    crimes, errors = selectors.case_export_rows(request.user, inspection.cases.all())
    rows = case_sheet.template_rows(crimes, errors)
    name = f"{inspection.force.slug}-inspection-{inspection.pk}-audited-crimes"
    if fmt == "csv":
        return csv_response(f"{name}.csv", case_sheet.COLUMNS, rows)
    return attachment(case_sheet.workbook_bytes(list(rows), with_guide=False), XLSX_CONTENT_TYPE, f"{name}.xlsx")
