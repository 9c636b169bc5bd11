"""An inspection's cancellation review: the reviewed records, their spreadsheet (export, blank template) and
the bulk import (dry run, then all rows or none)."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from audits import cancellation_sheet, selectors
from audits.forms import CancellationReviewImportForm
from audits.models import AccessRecord
from audits.services import cancellation_reviews
from audits.services.access import record_access
from audits.views.pending_uploads import PendingUploads
from core.downloads import XLSX_CONTENT_TYPE, attachment, csv_response
from core.spreadsheets import SpreadsheetError
from forces.roles import audit_editors_only, can_edit_audits

PENDING = PendingUploads("cancellation_review_imports")


def review_list(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.CASES, inspection.pk)
    return render(request, "audits/cancellation_reviews.html", {
        "inspection": inspection,
        "reviews": selectors.cancellation_reviews_for(request.user, inspection),
        "counts": selectors.cancellation_review_counts(inspection),
        "can_edit": can_edit_audits(request.user),
    })


def _sheet(rows, name, fmt, with_guide):
    if fmt == "csv":
        return csv_response(f"{name}.csv", cancellation_sheet.COLUMNS, rows)
    if fmt == "xlsx":
        return attachment(cancellation_sheet.workbook_bytes(rows, with_guide=with_guide), XLSX_CONTENT_TYPE,
                          f"{name}.xlsx")
    raise Http404


def review_export(request, pk, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    record_access(request, AccessRecord.Kind.EXPORT, inspection.pk)
    rows = [cancellation_sheet.row_of(review) for review in selectors.cancellation_reviews_for(request.user, inspection)]
    synthetic = "-synthetic" if inspection.sample_is_synthetic else ""
    return _sheet(rows, f"{inspection.force.slug}-inspection-{inspection.pk}-cancellation-reviews{synthetic}", fmt,
                  with_guide=False)


def review_template(request, fmt):
    return _sheet([], "cancellation-reviews-template", fmt, with_guide=True)


@audit_editors_only
def review_import(request, pk):
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    form, plan, token, problem = CancellationReviewImportForm(), None, None, None
    if request.method == "POST" and "cancel" in request.POST:  # the dry run's file goes now, not at its expiry
        PENDING.forget(request, request.POST.get("token", ""))
        messages.info(request, "Import cancelled: nothing was written.")
        return redirect(request.path)
    if request.method == "POST" and "confirm" in request.POST:
        token, mode = request.POST.get("token", ""), request.POST.get("mode", "add")
        path = PENDING.path(request, token)
        with default_storage.open(path, "rb") as upload:
            plan = cancellation_reviews.plan_review_import(inspection, cancellation_sheet.read_rows(upload, path), mode)
        if plan.ok:
            try:
                counts = cancellation_reviews.import_reviews(plan, request.user)
            except ValidationError as error:  # published since the dry run: checked again under the lock
                problem, plan = " ".join(error.messages), None
            else:
                PENDING.forget(request, token)
                messages.success(request, f"Imported: {counts['added']} new review(s), {counts['updated']} updated, "
                                          f"{counts['unchanged']} unchanged.")
                return redirect("audits:cancellation_reviews", pk=inspection.pk)
    elif request.method == "POST":
        form = CancellationReviewImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = cancellation_sheet.read_rows(upload, upload.name)
            except SpreadsheetError as error:
                problem = str(error)
            else:
                plan = cancellation_reviews.plan_review_import(inspection, rows, form.cleaned_data["mode"])
                if plan.ok:  # kept for the confirm only when there is something to confirm
                    token = PENDING.keep(request, upload)
    return render(request, "audits/cancellation_review_import.html", {
        "inspection": inspection, "form": form, "plan": plan, "token": token, "problem": problem,
        "columns": [(column, cancellation_sheet.GUIDE[column]) for column in cancellation_sheet.COLUMNS],
    })
