"""The file store (STORAGES["default"]) behind imports and evidence, on local disk and on an S3-compatible bucket
(moto's server, started here): dry-run files go on confirm and on cancel and expire when left; evidence files
exist only for committed evidence; `purge_uploads` removes what is left behind and can run on every server at
once."""

import io
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from audits.models import AuditedCase
from core import stored_files
from recommendations import purge, services
from recommendations.models import Evidence, FollowUp
from tests.object_store import s3_server
from tests.test_cancellation_reviews import GOOD_ROWS, import_dry_run
from tests.test_case_import import GOOD, confirm, dry_run

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3():
    with s3_server() as server:
        yield server


@pytest.fixture(params=["disk", "s3"])
def store(request, settings):
    """The file store, on local disk or in a fresh bucket; ``names(prefix)`` lists it without the app's help."""
    if request.param == "disk":
        root = Path(settings.MEDIA_ROOT)
        return SimpleNamespace(kind="disk", names=lambda prefix="": sorted(
            str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()
            and str(path.relative_to(root)).startswith(prefix)))
    server = request.getfixturevalue("s3")
    server.bucket = f"cdi-{uuid.uuid4().hex[:12]}"
    server.client.create_bucket(Bucket=server.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {**settings.STORAGES, "default": server.storages()}
    return SimpleNamespace(kind="s3", names=server.names)


def test_a_dry_run_file_is_kept_in_the_store_and_removed_on_confirm(store, world, client_for):
    client = client_for(world.people.inspector)
    preview = dry_run(client, world.inspection, GOOD)
    kept = store.names("imports/")
    assert len(kept) == 1 and kept[0].endswith(".csv")
    assert confirm(client, world.inspection, preview).status_code == 302
    assert AuditedCase.objects.filter(reference__in=["IMP-1", "IMP-2"]).count() == 2
    assert store.names("imports/") == []


def test_cancel_removes_the_dry_run_file_and_writes_nothing(store, world, client_for):
    client = client_for(world.people.inspector)
    before = AuditedCase.objects.count()
    preview = dry_run(client, world.inspection, GOOD)
    url = reverse("audits:case_import", args=[world.inspection.pk])
    assert "Cancel" in preview.content.decode()
    response = client.post(url, {"cancel": "1", "token": preview.context["token"]}, follow=True)
    assert "Import cancelled: nothing was written." in response.content.decode()
    assert store.names("imports/") == [] and AuditedCase.objects.count() == before
    assert confirm(client, world.inspection, preview).status_code == 404  # its token is gone too
    assert AuditedCase.objects.count() == before


def test_a_cancellation_review_dry_run_file_goes_on_cancel(store, world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("audits:cancellation_review_import", args=[world.inspection.pk])
    preview = import_dry_run(client, world.inspection, GOOD_ROWS)
    assert preview.context["plan"].ok and len(store.names("imports/")) == 1
    client.post(url, {"cancel": "1", "token": preview.context["token"]})
    assert store.names("imports/") == []


def test_an_expired_dry_run_is_refused_and_writes_nothing(store, world, client_for, settings):
    client = client_for(world.people.inspector)
    before = AuditedCase.objects.count()
    preview = dry_run(client, world.inspection, GOOD)
    settings.PENDING_UPLOAD_MAX_AGE = timedelta(0)
    assert confirm(client, world.inspection, preview).status_code == 404
    assert AuditedCase.objects.count() == before


def test_purge_removes_expired_dry_runs_and_orphaned_evidence_only(store, world, client_for, settings):
    client = client_for(world.people.inspector)
    dry_run(client, world.inspection, GOOD)
    orphan = stored_files.save("evidence/1/" + uuid.uuid4().hex + ".pdf", SimpleUploadedFile("x.pdf", b"%PDF-1.4"))
    kept_evidence = world.evidence.file.name
    assert orphan in store.names("evidence/") and kept_evidence in store.names("evidence/")

    assert purge.purge_uploads() == purge.Purged(0, 0)  # everything is fresh
    assert purge.purge_uploads(now=timezone.now() + timedelta(hours=2)) == purge.Purged(0, 1)  # the orphan only
    assert store.names("evidence/") == [kept_evidence]
    assert len(store.names("imports/")) == 1  # a dry run waits 24 hours
    settings.PENDING_UPLOAD_MAX_AGE = timedelta(0)
    call_command("purge_uploads", stdout=(out := io.StringIO()))
    assert out.getvalue().strip() == ("1 expired import file(s), 0 expired PDF report(s) and 0 orphaned "
                                      "evidence file(s) removed.")
    assert store.names("imports/") == [] and store.names("evidence/") == [kept_evidence]


def test_two_servers_purging_at_once_remove_each_file_once(store, world, client_for, monkeypatch):
    client = client_for(world.people.inspector)
    for _ in range(3):
        dry_run(client, world.inspection, GOOD)
    later = timezone.now() + timedelta(days=2)
    real, other = stored_files.modified, []

    def raced(name):  # the other server lists the same files and removes them all first
        if not other:
            other.append(None)
            other[0] = purge.purge_uploads(now=later)
        return real(name)

    monkeypatch.setattr(stored_files, "modified", raced)
    mine = purge.purge_uploads(now=later)
    assert other[0].pending + mine.pending == 3 and other[0].pending == 3
    assert store.names("imports/") == []


def test_evidence_is_written_and_served_from_the_store(store, world, client_for):
    update = services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a,
                                     expected_version=world.finding.version, comment="The plan",
                                     files=[SimpleUploadedFile("plan.pdf", b"%PDF-1.4 the plan")])
    evidence = update.evidence.get()
    assert evidence.file.name in store.names("evidence/")
    response = client_for(world.people.staff_a).get(evidence.get_absolute_url())
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 the plan"


def test_evidence_files_are_removed_when_the_database_fails_after_writing_them(store, world, monkeypatch):
    before = (FollowUp.objects.count(), Evidence.objects.count(), store.names("evidence/"))
    real_save, saves = Evidence.save, []

    def failing_save(self, *args, **kwargs):  # the first row is written, the second fails after its file
        saves.append(self.file.name)
        if len(saves) == 2:
            raise DatabaseError("the database went away")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", failing_save)
    with pytest.raises(DatabaseError):
        services.finding_update(finding_id=world.finding.pk, by=world.people.staff_a,
                                expected_version=world.finding.version, comment="Two files",
                                files=[SimpleUploadedFile(f"p{i}.pdf", b"%PDF-1.4 part") for i in range(2)])
    assert len(saves) == 2 and all(name.startswith("evidence/") for name in saves)  # both files had been written
    assert (FollowUp.objects.count(), Evidence.objects.count(), store.names("evidence/")) == before
