"""Bulk submission, PDF reports, recorded-crime and sampling-frame imports as background jobs (core.jobs, the
job's page at /jobs/<pk>/), through the real stack with the immediate backend (the job runs in the request, as in
`make run`): the request goes to the job's page, the page shows progress then the result, a job that fails part
way leaves nothing written and can be tried again, and a job and its file are its owner's only.

The real-worker behaviour (a worker killed mid-job) is tests/test_import_worker.py's; every job here uses the same
core.jobs.running, so the same advisory lock and the same failed page."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from audits.models import AuditedCase, FrameRecord, SamplingFrame
from audits.services import moderation
from audits.tasks import submit_cases_job
from core import jobs, stored_files
from core.models import BackgroundJob
from forces.models import RecordedCrimeVolume
from recommendations import purge
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory
from tests.test_prc_import import SAMPLE
from tests.test_sampling import frame_csv, population

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:audits_auditedcase_changelist"


def job_of(response):
    assert response.status_code == 302 and re.fullmatch(r"/jobs/\d+/", response.url), response
    return BackgroundJob.objects.get(pk=int(response.url.split("/")[2]))


def stored(folder):
    return list(stored_files.walk(folder))


@pytest.fixture
def progress_calls(monkeypatch):
    """Every progress report a job makes (the page shows the latest written; writes are spaced half a second)."""
    calls = []
    original = jobs.Progress.__call__

    def spy(self, done=None, total=None, stage=None, force=False):
        calls.append((done, total, stage))
        return original(self, done, total, stage, force)

    monkeypatch.setattr(jobs.Progress, "__call__", spy)
    return calls


# Bulk submission for moderation ---------------------------------------------------------------------------------


@pytest.fixture
def drafts(world):
    """Five draft cases of an inspection in fieldwork: four with a crime, one without (refused at submission)."""
    inspection = InspectionFactory(force=world.forces.a)
    cases = [CaseFactory(inspection=inspection, reference=f"BULK-{n}", auditor=world.people.inspector)
             for n in range(5)]
    for case in cases[:4]:
        CrimeFactory(case=case)
    return cases


def submit(client, cases):
    return client.post(reverse(CHANGELIST), {"action": "submit_cases", "_selected_action": [c.pk for c in cases]})


def states(cases):
    return sorted(AuditedCase.objects.filter(pk__in=[c.pk for c in cases]).values_list("moderation_state", flat=True))


def test_a_bulk_submission_over_the_threshold_is_a_job_that_ends_on_the_cases_with_its_messages(
        world, client_for, drafts, monkeypatch, progress_calls):
    monkeypatch.setattr("audits.admin.SUBMIT_IN_WORKER", 4)
    client = client_for(world.people.inspector)
    job = job_of(submit(client, drafts))
    assert (job.kind, job.status, job.owner, job.done, job.total, job.unit) == (
        "case_submit", "succeeded", world.people.inspector, 5, 5, "case")
    assert progress_calls[0] == (0, 5, "Submitting the cases") and progress_calls[-1] == (5, 5, None)
    assert [done for done, _, _ in progress_calls[1:]] == [1, 2, 3, 4, 5]
    page = client.get(reverse("audits:job", args=[job.pk]), follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse(CHANGELIST))
    said = [str(message) for message in page.context["messages"]]
    assert said[0] == "4 case(s) submitted for moderation."
    assert said[1].startswith("1 not done. Case BULK-4 has no audited crimes to submit.")
    assert states(drafts) == ["draft", "submitted", "submitted", "submitted", "submitted"]


def test_a_bulk_submission_within_the_threshold_is_done_in_the_request(world, client_for, drafts):
    assert len(drafts) <= moderation.SUBMIT_IN_WORKER
    response = submit(client_for(world.people.inspector), drafts)
    assert response.url.startswith(reverse(CHANGELIST)) and not BackgroundJob.objects.exists()
    assert states(drafts).count("submitted") == 4


def test_a_bulk_submission_failing_part_way_submits_none_and_can_be_tried_again(world, client_for, drafts,
                                                                                monkeypatch):
    monkeypatch.setattr("audits.admin.SUBMIT_IN_WORKER", 4)
    real_submit = moderation.case_submit

    def fails_on_the_third(*, case, by):
        if case.reference == "BULK-2":
            raise RuntimeError("the database went away")
        return real_submit(case=case, by=by)

    monkeypatch.setattr(moderation, "case_submit", fails_on_the_third)
    client = client_for(world.people.inspector)
    job = job_of(submit(client, drafts))
    assert job.status == "failed" and states(drafts) == ["draft"] * 5  # BULK-0 and BULK-1 rolled back too
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Failed: nothing was written" in page and jobs.UNEXPECTED in page and "Try again" in page
    assert "Back to the cases" in page
    monkeypatch.setattr(moderation, "case_submit", real_submit)
    client.post(reverse("audits:job_retry", args=[job.pk]))
    assert BackgroundJob.objects.get(pk=job.pk).status == "succeeded"
    assert states(drafts).count("submitted") == 4


def test_a_bulk_submission_job_submits_only_the_cases_its_owner_still_sees(world, drafts):
    job = jobs.create(kind="case_submit", title="Submission", owner=world.people.inspector)
    gone = drafts[0].pk
    AuditedCase.objects.filter(pk=gone).delete()
    submit_cases_job.call(job.pk, world.people.inspector.pk, [gone, drafts[1].pk, world.case_b.pk], "/admin/")
    job.refresh_from_db()
    assert job.status == "succeeded" and job.total == 2
    assert "1 case(s) no longer exist or are no longer yours to see: not submitted." in [t for _, t in job.messages]


def test_force_staff_cannot_run_a_bulk_submission(world, client_for, drafts, monkeypatch):
    monkeypatch.setattr("audits.admin.SUBMIT_IN_WORKER", 1)
    response = submit(client_for(world.people.staff_a), drafts)
    assert response.status_code in (302, 403) and not BackgroundJob.objects.exists()
    assert states(drafts) == ["draft"] * 5


# PDF reports ----------------------------------------------------------------------------------------------------


def force_pdf():
    return reverse("reports:force_export", args=["thames-valley", "pdf"])


def test_a_force_pdf_is_made_by_a_job_and_downloaded_from_its_page(world, client_for, progress_calls):
    client = client_for(world.people.inspector)
    job = job_of(client.get(force_pdf()))
    assert (job.kind, job.status, job.done, job.total, job.unit) == ("report_pdf", "succeeded", 3, 3, "step")
    assert [stage for _, _, stage in progress_calls if stage] == [
        "Gathering the figures", "Laying out the pages", "Storing the PDF"]
    assert stored("reports") == [job.result["file"]]  # in the shared file store, not in the database
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "The PDF is ready." in page and "thames-valley-report.pdf" in page and 'http-equiv="refresh"' not in page
    assert 'href="/reports/forces/thames-valley/"' in page  # back to the report
    download = client.get(reverse("audits:job_download", args=[job.pk]))
    body = b"".join(download.streaming_content)
    assert body.startswith(b"%PDF") and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="thames-valley-report.pdf"'


@pytest.mark.parametrize("who", ["inspector2", "staff_a", "staff_b", "manager"])
def test_a_pdf_job_and_its_file_are_its_owners_only(world, client_for, who):
    job = job_of(client_for(world.people.inspector).get(force_pdf()))
    other = client_for(getattr(world.people, who))
    assert other.get(reverse("audits:job", args=[job.pk])).status_code == 404
    assert other.get(reverse("audits:job_download", args=[job.pk])).status_code == 404
    assert other.post(reverse("audits:job_retry", args=[job.pk])).status_code == 404


def test_another_forces_report_starts_no_job(world, client_for):
    client = client_for(world.people.staff_b)
    assert client.get(force_pdf()).status_code == 404
    assert client.get(reverse("reports:inspection_export", args=[world.inspection.pk, "pdf"])).status_code == 404
    assert not BackgroundJob.objects.exists() and stored("reports") == []


def test_force_staff_get_their_own_forces_pdf(world, client_for):
    client = client_for(world.people.staff_b)
    job = job_of(client.get(reverse("reports:force_export", args=["gloucestershire", "pdf"])))
    assert job.status == "succeeded" and job.owner == world.people.staff_b
    assert b"".join(client.get(reverse("audits:job_download", args=[job.pk])).streaming_content).startswith(b"%PDF")


def test_a_pdf_expires_like_a_pending_upload(world, client_for, settings):
    client = client_for(world.people.inspector)
    job = job_of(client.get(reverse("reports:inspection_export", args=[world.inspection.pk, "pdf"])))
    assert purge.purge_uploads() == purge.Purged(0, 0, 0)  # fresh: kept
    settings.PENDING_UPLOAD_MAX_AGE = timedelta(0)
    assert client.get(reverse("audits:job_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "This PDF is no longer kept." in page and f'href="/reports/inspections/{world.inspection.pk}/report.pdf"' \
        in page
    assert purge.purge_uploads(now=timezone.now() + timedelta(seconds=1)).reports == 1
    assert stored("reports") == []


def test_a_pdf_job_that_fails_keeps_no_file_and_can_be_tried_again(world, client_for, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("out of memory")

    monkeypatch.setattr("reports.pdf.HTML.write_pdf", broken)
    client = client_for(world.people.inspector)
    job = job_of(client.get(reverse("reports:overview_export", args=["pdf"])))
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert job.status == "failed" and jobs.UNEXPECTED in page and "Try again" in page and stored("reports") == []
    monkeypatch.undo()
    client.post(reverse("audits:job_retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "succeeded" and stored("reports") == [job.result["file"]]


# Recorded crime -------------------------------------------------------------------------------------------------


def post_prc(client, text, name="prc.csv", source=""):
    return client.post(reverse("forces:prc_upload"), {"file": SimpleUploadedFile(name, text.encode()),
                                                      "source": source})


@pytest.fixture
def prc_in_worker(monkeypatch):
    monkeypatch.setattr("forces.views.PRC_IN_WORKER_BYTES", 100)


def test_a_large_recorded_crime_file_is_imported_by_a_job(world, client_for, prc_in_worker, progress_calls):
    client = client_for(world.people.inspector)
    job = job_of(post_prc(client, SAMPLE, source="Sample release"))
    rows = len(SAMPLE.splitlines()) - 1
    assert (job.kind, job.status, job.done, job.total) == ("prc_import", "succeeded", rows, rows)
    stages = [stage for _, _, stage in progress_calls if stage]
    assert stages == ["Reading the file", "Checking every row", "Writing the 12-month volumes"]
    writing = progress_calls[progress_calls.index((0, rows, "Checking every row")) + rows + 1:]
    assert writing[0][2] == "Writing the 12-month volumes" and writing[-1] == (writing[0][1], writing[0][1], None)
    page = client.get(reverse("audits:job", args=[job.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("forces:prc_upload")
    assert f"{rows} rows read" in page.content.decode() and "24 12-month volumes stored" in page.content.decode()
    assert set(RecordedCrimeVolume.objects.values_list("source", flat=True)) == {"Sample release"}
    assert stored("imports") == []  # the kept file goes once it is imported


def test_a_large_bad_recorded_crime_file_fails_its_job_with_the_row_named(world, client_for, prc_in_worker):
    client = client_for(world.people.inspector)
    job = job_of(post_prc(client, SAMPLE + "2017/18,1,Narnia,X,Robbery,Robbery,1,5\n"))
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Failed: nothing was written" in page and "unknown force “Narnia”" in page and "Try again" not in page
    assert "Upload the file again" in page
    assert not RecordedCrimeVolume.objects.exists() and stored("imports") == []


def test_a_recorded_crime_job_failing_part_way_writes_nothing_and_can_be_tried_again(world, client_for,
                                                                                    prc_in_worker, monkeypatch):
    real = RecordedCrimeVolume.objects.update_or_create
    written = []

    def fails_after_ten(**kwargs):
        written.append(kwargs)
        if len(written) > 10:
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(RecordedCrimeVolume.objects, "update_or_create", fails_after_ten)
    client = client_for(world.people.inspector)
    job = job_of(post_prc(client, SAMPLE))
    assert job.status == "failed" and not RecordedCrimeVolume.objects.exists()
    assert len(stored("imports")) == 1  # kept for another try
    monkeypatch.undo()
    client.post(reverse("audits:job_retry", args=[job.pk]))
    assert BackgroundJob.objects.get(pk=job.pk).status == "succeeded"
    assert RecordedCrimeVolume.objects.count() == 24 and stored("imports") == []


def test_a_small_recorded_crime_file_is_still_imported_in_the_request(world, client_for):
    response = post_prc(client_for(world.people.inspector), SAMPLE)
    assert response.url == reverse("forces:prc_upload") and not BackgroundJob.objects.exists()
    assert RecordedCrimeVolume.objects.count() == 24


# Sampling frame -------------------------------------------------------------------------------------------------


@pytest.fixture
def frame_in_worker(monkeypatch):
    monkeypatch.setattr("audits.views.sampling.FRAME_IN_WORKER_BYTES", 100)
    monkeypatch.setattr("audits.services.sampling.FRAME_BATCH", 30)


def post_frame(client, inspection, records):
    return client.post(reverse("audits:sample", args=[inspection.pk]),
                       {"upload": "1", "file": SimpleUploadedFile("frame.csv", frame_csv(records))})


def test_a_large_frame_is_stored_by_a_job(world, client_for, frame_in_worker, progress_calls):
    inspection = InspectionFactory(force=world.forces.a)
    client = client_for(world.people.inspector)
    job = job_of(post_frame(client, inspection, population()))
    assert (job.kind, job.status, job.done, job.total) == ("frame_upload", "succeeded", 100, 100)
    assert [call for call in progress_calls if call[2] == "Writing the frame"] == [(0, 100, "Writing the frame")]
    assert [done for done, _, stage in progress_calls if done and stage is None][-4:] == [30, 60, 90, 100]
    page = client.get(reverse("audits:job", args=[job.pk]), follow=True)
    assert page.redirect_chain[-1][0] == reverse("audits:sample", args=[inspection.pk])
    assert "Frame stored: 100 records." in page.content.decode()
    assert FrameRecord.objects.filter(frame__inspection=inspection).count() == 100 and stored("imports") == []


def test_a_large_bad_frame_fails_its_job_and_keeps_the_earlier_frame(world, client_for, frame_in_worker):
    inspection = InspectionFactory(force=world.forces.a)
    client = client_for(world.people.inspector)
    post_frame(client, inspection, population(n_incidents=1, n_referrals=1, n_bureau=1))  # small: in the request
    records = population()
    records[5] = (records[5][0], "31/02/2024 09:00", records[5][2])
    job = job_of(post_frame(client, inspection, records))
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Failed: nothing was written" in page and "Row 7: occurred_at" in page
    assert SamplingFrame.objects.get(inspection=inspection).record_count == 3 and stored("imports") == []


def test_a_frame_job_failing_while_writing_keeps_the_earlier_frame(world, client_for, frame_in_worker,
                                                                   monkeypatch):
    inspection = InspectionFactory(force=world.forces.a)
    client = client_for(world.people.inspector)
    post_frame(client, inspection, population(n_incidents=1, n_referrals=1, n_bureau=1))
    real = FrameRecord.objects.bulk_create
    batches = []

    def fails_on_the_third_batch(records, **kwargs):
        batches.append(len(records))
        if len(batches) == 3:
            raise RuntimeError("worker lost")
        return real(records, **kwargs)

    monkeypatch.setattr(FrameRecord.objects, "bulk_create", fails_on_the_third_batch)
    job = job_of(post_frame(client, inspection, population()))
    assert job.status == "failed" and batches == [30, 30, 30]
    assert SamplingFrame.objects.get(inspection=inspection).record_count == 3
    assert FrameRecord.objects.filter(frame__inspection=inspection).count() == 3


def test_only_inspectors_start_a_frame_or_recorded_crime_job(world, client_for, frame_in_worker, prc_in_worker):
    client = client_for(world.people.staff_a)
    assert post_frame(client, InspectionFactory(force=world.forces.a), population()).status_code == 403
    assert post_prc(client, SAMPLE).status_code in (302, 403)
    assert not BackgroundJob.objects.exists() and stored("imports") == []


# Trying again ---------------------------------------------------------------------------------------------------


def stopped(job):
    """As core.jobs.refresh leaves a job whose worker was killed."""
    BackgroundJob.objects.filter(pk=job.pk).update(status="failed", messages=[["error", jobs.STOPPED]])
    job.refresh_from_db()
    return job


def test_a_stopped_job_runs_again_once(world, client_for, monkeypatch):
    client = client_for(world.people.inspector)
    monkeypatch.setattr(ImmediateBackend, "_execute_task", lambda self, result: None)  # queued, never run
    job = stopped(job_of(client.get(force_pdf())))
    monkeypatch.undo()
    page = client.get(reverse("audits:job", args=[job.pk])).content.decode()
    assert jobs.STOPPED in page and 'data-testid="job-retry"' in page
    assert jobs.retry(job) is True
    assert BackgroundJob.objects.get(pk=job.pk).status == "succeeded" and len(stored("reports")) == 1
    assert jobs.retry(job) is False  # a second press with the page as it was: the job is no longer failed
    assert len(stored("reports")) == 1
    refused = client.post(reverse("audits:job_retry", args=[job.pk]), follow=True).content.decode()
    assert "This job cannot be run again" in refused


def test_a_job_refused_for_its_input_or_whose_file_expired_is_not_run_again(world, client_for, prc_in_worker,
                                                                           settings, monkeypatch):
    client = client_for(world.people.inspector)
    refused = job_of(post_prc(client, SAMPLE + "2017/18,1,Narnia,X,Robbery,Robbery,1,5\n"))
    assert refused.status == "failed" and not jobs.can_retry(refused)
    monkeypatch.setattr(ImmediateBackend, "_execute_task", lambda self, result: None)
    job = stopped(job_of(post_prc(client, SAMPLE)))
    assert jobs.can_retry(job)
    job.messages = [["error", "Row 7: unknown force “Narnia”."]]  # its file kept, but refused for what it holds
    assert not jobs.can_retry(job)
    job.refresh_from_db()
    settings.PENDING_UPLOAD_MAX_AGE = timedelta(0)
    assert not jobs.can_retry(job)
    assert "Try again" not in client.get(reverse("audits:job", args=[job.pk])).content.decode()


# The job's page -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["queued", "running", "failed", "pdf"])
def test_the_job_page_takes_a_fixed_number_of_queries(world, client_for, state):
    client = client_for(world.people.inspector)

    def make(messages):
        if state == "pdf":
            job = job_of(client.get(force_pdf()))
        else:
            job = jobs.create(kind="prc_import", title="Import", owner=world.people.inspector, total=1000)
        BackgroundJob.objects.filter(pk=job.pk).update(
            status={"pdf": "succeeded"}.get(state, state), done=500,
            messages=[["error", f"Row {n}: bad"] for n in range(messages)] if state == "failed" else job.messages)
        return job

    def count(job):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("audits:job", args=[job.pk])).status_code == 200
        return len(queries)

    small = count(make(1))
    for _ in range(20):
        jobs.create(kind="prc_import", title="Another", owner=world.people.inspector)
    assert count(make(50)) == small


def test_a_running_jobs_page_shows_its_stage_and_how_far_it_has_got(world, client_for):
    job = jobs.create(kind="case_submit", title="Submission of 300 cases", owner=world.people.inspector, total=300)
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", stage="Submitting the cases", done=120)
    page = client_for(world.people.inspector).get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Submitting the cases" in page and "120 of 300 cases (40%)" in page and 'http-equiv="refresh"' in page


def test_a_pdf_download_of_a_job_of_another_kind_is_404(world, client_for):
    job = jobs.create(kind="prc_import", title="Import", owner=world.people.inspector)
    kept = stored_files.save_pending(SimpleUploadedFile("x.csv", b"a,b\n"), "x.csv")
    BackgroundJob.objects.filter(pk=job.pk).update(status="succeeded", result={"file": kept, "filename": "x.pdf"})
    assert client_for(world.people.inspector).get(reverse("audits:job_download", args=[job.pk])).status_code == 404

