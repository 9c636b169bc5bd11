"""Case imports confirmed as background jobs (audits.tasks, core.jobs): the request returns at once, the job's
page shows progress then the outcome, and a worker killed mid-import leaves nothing written and a job shown as
failed. The worker tests run the real django-tasks database backend and `manage.py db_worker` in a subprocess on
PostgreSQL."""

import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from audits.models import AuditedCase
from bench.import_run import make_csv
from core import jobs
from core.models import BackgroundJob
from forces.models import Force
from forces.roles import Role
from tests.factories import InspectionFactory, make_user
from tests.test_case_import import GOOD, HEADER, counts, dry_run

ROOT = Path(__file__).resolve().parent.parent
DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def confirm(client, inspection, preview):
    return client.post(reverse("audits:case_import", args=[inspection.pk]),
                       {"confirm": "1", "token": preview.context["token"], "mode": preview.context["plan"].mode})


# In the request (the immediate backend: SQLite, tests, `make run`) ---------------------------------------------


@pytest.mark.django_db
def test_a_confirmed_import_goes_through_its_job_page_to_the_inspection_with_the_same_message(world, client_for):
    client = client_for(world.people.inspector)
    before = counts()
    response = confirm(client, world.inspection, dry_run(client, world.inspection, GOOD))
    job = BackgroundJob.objects.get()
    assert response.url == reverse("audits:job", args=[job.pk])
    assert (job.status, job.owner, job.total, job.done) == ("succeeded", world.people.inspector, 3, 3)
    page = client.get(response.url, follow=True)
    assert page.redirect_chain[-1][0] == world.inspection.get_absolute_url()
    assert "Imported: 2 new case(s), 0 updated, 0 unchanged." in page.content.decode()
    assert counts() == (before[0] + 2, before[1] + 3, before[2] + 3)


@pytest.mark.django_db
def test_a_file_that_no_longer_passes_fails_its_job_with_the_rows_named_and_writes_nothing(world, client_for):
    client = client_for(world.people.inspector)
    preview = dry_run(client, world.inspection, GOOD)
    AuditedCase.objects.create(inspection=world.inspection, reference="IMP-2", auditor=world.people.inspector,
                               source="incident_log", reported_at="2024-03-02T14:30Z")  # added since the dry run
    before = counts()
    page = client.get(confirm(client, world.inspection, preview).url).content.decode()
    assert counts() == before
    assert "Failed: nothing was written" in page and "case IMP-2 is already in this inspection" in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing
    assert BackgroundJob.objects.get().status == "failed"


@pytest.mark.django_db
def test_a_large_files_dry_run_is_a_job_whose_page_offers_the_confirm(world, client_for, monkeypatch):
    monkeypatch.setattr("audits.views.imports.CHECK_IN_WORKER_BYTES", 100)
    client = client_for(world.people.inspector)
    before = counts()
    response = client.post(reverse("audits:case_import", args=[world.inspection.pk]),
                           {"file": SimpleUploadedFile("cases.csv", ("\n".join([HEADER, *GOOD]) + "\n").encode()),
                            "mode": "add"})
    check = BackgroundJob.objects.get()
    assert (response.url, check.kind, check.status) == (reverse("audits:job", args=[check.pk]), "case_import_check",
                                                        "succeeded")
    page = client.get(response.url).content.decode()
    assert counts() == before
    assert "3 row(s) checked, no problems: 2 case(s)." in page and "New cases: 2" in page
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    done = client.post(reverse("audits:case_import", args=[world.inspection.pk]),
                       {"confirm": "1", "token": token, "mode": "add"}, follow=True)
    assert "Imported: 2 new case(s), 0 updated, 0 unchanged." in done.content.decode()
    assert counts() == (before[0] + 2, before[1] + 3, before[2] + 3)


@pytest.mark.django_db
def test_a_large_file_with_problems_is_refused_by_its_job_with_the_rows_named(world, client_for, monkeypatch):
    monkeypatch.setattr("audits.views.imports.CHECK_IN_WORKER_BYTES", 100)
    client = client_for(world.people.inspector)
    before = counts()
    bad = [GOOD[0].replace("01/03/2024 09:00", "31/02/2024 09:00")]
    response = client.post(reverse("audits:case_import", args=[world.inspection.pk]),
                           {"file": SimpleUploadedFile("cases.csv", ("\n".join([HEADER, *bad]) + "\n").encode()),
                            "mode": "add"})
    page = client.get(response.url).content.decode()
    assert "Failed: nothing was written" in page and "Row 2: reported_at" in page and "Confirm import" not in page
    assert counts() == before


@pytest.mark.django_db
def test_a_job_page_is_its_owners_only(world, client_for):
    job = jobs.create(kind="case_import", title="Import", owner=world.people.inspector)
    assert client_for(world.people.inspector2).get(reverse("audits:job", args=[job.pk])).status_code == 404
    page = client_for(world.people.inspector).get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Waiting for a worker to start it." in page and '<meta http-equiv="refresh" content="2">' in page


@pytest.mark.django_db
def test_progress_shows_rows_done_of_the_total(world, client_for):
    job = jobs.create(kind="case_import", title="Import", owner=world.people.inspector)
    jobs.Progress(job.pk)(1200, 20000, stage="Checking every row again")  # outside any import's transaction
    if connection.vendor == "postgresql":  # here, inside the test's: written where the worker tests look
        BackgroundJob.objects.filter(pk=job.pk).update(done=1200, total=20000, stage="Checking every row again")
    BackgroundJob.objects.filter(pk=job.pk).update(status="running")
    page = client_for(world.people.inspector).get(reverse("audits:job", args=[job.pk])).content.decode()
    assert "Checking every row again" in page and "1,200 of 20,000 rows (6%)" in page
    assert '<progress class="govuk-!-width-full govuk-!-margin-bottom-4" id="job-progress-bar" max="20000" value="1200">' in page


# A real worker on PostgreSQL --------------------------------------------------------------------------------


def start_worker(media_root):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "worker-test-" + "x" * 50, "DJANGO_TASKS_BACKEND": "database",
           "DJANGO_ALLOWED_HOSTS": "localhost", "DJANGO_MEDIA_ROOT": str(media_root),
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"}
    return subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2",
                             "--no-reload", "--verbosity", "0"], cwd=ROOT, env=env)


def wait_for(condition, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.fixture
def big_import(reference_data, settings, client_for):
    """A worker running, and a 20,000-row file checked by it (a file this size is dry-run in the worker too);
    yields (client, inspection, worker, the confirm's job page)."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker tests need PostgreSQL (a worker process shares the database); CI runs them there")
    settings.TASKS = DATABASE_BACKEND
    inspector = make_user("insp", Role.INSPECTOR, is_staff=True)
    inspection = InspectionFactory(force=Force.objects.get(slug="kent"), status="fieldwork",
                                   audit_period_start=date(2025, 1, 1), audit_period_end=date(2025, 6, 30))
    client = client_for(inspector)
    worker = start_worker(settings.MEDIA_ROOT)
    try:
        content = make_csv(20000, random.Random(7))
        started = time.perf_counter()
        response = client.post(reverse("audits:case_import", args=[inspection.pk]),
                               {"file": SimpleUploadedFile("big.csv", content), "mode": "add"})
        assert time.perf_counter() - started < 5  # the request only stores the file and queues its check
        check = BackgroundJob.objects.get(kind="case_import_check")
        assert response.url == reverse("audits:job", args=[check.pk])
        wait_for(lambda: BackgroundJob.objects.filter(pk=check.pk, status__in=["succeeded", "failed"]).exists())
        page = client.get(response.url).content.decode()
        assert "20,000 row(s) checked, no problems" in page and "Confirm import" in page, page
        token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
        started = time.perf_counter()
        response = client.post(reverse("audits:case_import", args=[inspection.pk]),
                               {"confirm": "1", "token": token, "mode": "add"})
        assert time.perf_counter() - started < 5  # the request only queues the import
        yield client, inspection, worker, response.url
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_shown_failed(big_import):
    client, inspection, worker, url = big_import
    job = BackgroundJob.objects.get(kind="case_import")
    wait_for(lambda: BackgroundJob.objects.filter(pk=job.pk, stage__startswith="Writing the crimes").exists())
    page = client.get(url).content.decode()  # progress from inside the import's transaction
    assert "Writing the crimes: step 2 of 3, 20,000 rows in one transaction (all or none)" in page
    assert 'http-equiv="refresh"' in page
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    page = client.get(url).content.decode()
    assert "Failed: nothing was written" in page and jobs.STOPPED in page
    assert not AuditedCase.objects.filter(inspection=inspection).exists()
    assert BackgroundJob.objects.get(pk=job.pk).status == "failed"
    assert DBTaskResult.objects.get(task_path__endswith="import_cases_job").status == "RUNNING"  # only we can tell


@pytest.mark.django_db(transaction=True)
def test_a_worker_completes_the_import_and_the_page_ends_on_the_inspection(big_import):
    client, inspection, worker, url = big_import
    job = BackgroundJob.objects.get(kind="case_import")
    wait_for(lambda: BackgroundJob.objects.filter(pk=job.pk, status__in=["succeeded", "failed"]).exists())
    page = client.get(url, follow=True)
    assert page.redirect_chain[-1][0] == inspection.get_absolute_url()
    cases = AuditedCase.objects.filter(inspection=inspection).count()
    assert cases > 15000 and f"Imported: {cases} new case(s), 0 updated, 0 unchanged." in page.content.decode()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
