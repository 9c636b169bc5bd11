"""Background jobs of the audits app (django-tasks; core.jobs records their progress and outcome).

A case import's confirm runs here: the file kept at the dry run is read again and every row checked again
(the inspection may have changed since), then written in one transaction: all rows or none."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse
from django_tasks import task

from audits import case_sheet, selectors
from audits.models import Inspection
from audits.services import case_import, moderation, sampling
from core import jobs

SHOWN_PROBLEMS = 50


def open_pending(name: str):
    """The file kept by the import page's dry run (audits.views.pending_uploads), by its storage name."""
    return default_storage.open(name, "rb")


def _problem_messages(problems):
    messages = [("error", f"Row {row}: {message}" if row else message) for row, message in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        messages.append(("error", f"… and {len(problems) - SHOWN_PROBLEMS} more problem(s)."))
    return messages


@task()
def check_import_job(job_id: int, inspection_id: int, name: str, mode: str, token: str) -> dict:
    """The dry run of a large file: every row checked, nothing written. Its page offers the confirm."""
    with jobs.running(job_id) as progress:
        progress(stage="Reading the file")
        inspection = Inspection.objects.get(pk=inspection_id)
        try:
            with open_pending(name) as upload:
                rows = case_sheet.read_rows(upload, name)
        except case_sheet.ImportFileError as error:
            default_storage.delete(name)
            jobs.finish(job_id, ok=False, messages=[("error", str(error))])
            return {"ok": False}
        progress(0, len(rows), stage="Checking every row")
        plan = case_import.plan_import(inspection, rows, mode, progress=progress)
        if not plan.ok:
            default_storage.delete(name)
            jobs.finish(job_id, ok=False, total=len(rows), messages=[
                ("error", f"{len(plan.problems):,} problem(s) in {plan.rows:,} row(s): nothing will be imported. "
                          "Correct the file and upload it again."), *_problem_messages(plan.problems)])
            return {"ok": False}
        counts = {action: plan.count(action) for action in ("add", "update", "unchanged")}
        jobs.finish(job_id, ok=True, total=len(rows), result={"token": token, "mode": mode, "counts": counts},
                    messages=[("success", f"{plan.rows:,} row(s) checked, no problems: {len(plan.cases):,} case(s).")])
        return {"ok": True}


@task()
def import_cases_job(job_id: int, inspection_id: int, user_id: int, name: str, mode: str) -> dict:
    with jobs.running(job_id) as progress:
        progress(stage="Reading the file")
        inspection = Inspection.objects.get(pk=inspection_id)
        user = get_user_model().objects.get(pk=user_id)
        try:
            with open_pending(name) as upload:
                rows = case_sheet.read_rows(upload, name)
        except case_sheet.ImportFileError as error:
            jobs.finish(job_id, ok=False, messages=[("error", str(error))])
            return {"ok": False}
        progress(0, len(rows), stage="Checking every row again")
        plan = case_import.plan_import(inspection, rows, mode, progress=progress)
        if not plan.ok:
            messages = _problem_messages(plan.problems)
            jobs.finish(job_id, ok=False, messages=[("error", "The file no longer passes its checks (the "
                                                              "inspection changed since the dry run): nothing "
                                                              "was imported."), *messages])
            return {"ok": False}
        try:
            counts = case_import.import_cases(plan, user, progress=progress)
        except ValidationError as error:  # published since the dry run: checked again under the lock
            jobs.finish(job_id, ok=False, messages=[("error", " ".join(error.messages))])
            return {"ok": False}
        default_storage.delete(name)
        jobs.finish(job_id, ok=True, total=len(rows), next_url=inspection.get_absolute_url(), messages=[(
            "success", f"Imported: {counts['added']} new case(s), {counts['updated']} updated, "
                       f"{counts['unchanged']} unchanged.")])
        return {"ok": True, **counts}


@task()
def submit_cases_job(job_id: int, user_id: int, case_ids: list[int], next_url: str) -> dict:
    """A bulk submission for moderation (the case admin's action, more than SUBMIT_IN_WORKER cases): the cases
    the person may still see, in one transaction; refusals reported as the action does in the request."""
    with jobs.running(job_id) as progress:
        user = get_user_model().objects.get(pk=user_id)
        cases = list(selectors.cases_for(user).filter(pk__in=case_ids).select_related("inspection").order_by("pk"))
        progress(0, len(cases), stage="Submitting the cases")
        outcome = moderation.cases_submit(cases=cases, by=user, progress=progress)
        gone = len(case_ids) - len(cases)
        messages = outcome.messages("{count} case(s) submitted for moderation.")
        if gone:
            messages.append(("error", f"{gone} case(s) no longer exist or are no longer yours to see: not submitted."))
        jobs.finish(job_id, ok=True, total=len(cases), next_url=next_url, messages=messages)
        return {"ok": True, "submitted": outcome.done, "refused": len(outcome.refused)}


@task()
def frame_upload_job(job_id: int, inspection_id: int, user_id: int, name: str, filename: str) -> dict:
    """A large sampling frame (the sample page's upload over 1 MB): checked and stored in one transaction, the
    inspection's earlier undrawn frame replaced only if every row passes."""
    with jobs.running(job_id) as progress:
        progress(stage="Reading the file")
        user = get_user_model().objects.get(pk=user_id)
        inspection = selectors.inspections_for(user).get(pk=inspection_id)
        try:
            with open_pending(name) as upload:
                frame = sampling.frame_upload(inspection=inspection, upload=upload, filename=filename, by=user,
                                              progress=progress)
        except ValidationError as error:
            default_storage.delete(name)
            jobs.finish(job_id, ok=False, messages=[("error", message) for message in error.messages])
            return {"ok": False}
        default_storage.delete(name)
        jobs.finish(job_id, ok=True, total=frame.record_count, next_url=reverse("audits:sample", args=[inspection.pk]),
                    messages=[("success", f"Frame stored: {frame.record_count} records.")])
        return {"ok": True, "records": frame.record_count}
