"""`make backup` and `make restore` (tools/backup.sh): back up the database and the media folder, wipe both,
restore, and find every inspection, case, finding and evidence file again."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from audits.models import AuditedCase, AuditedCrime, Inspection
from forces.models import Force
from forces.roles import Role
from recommendations import services
from recommendations.models import Evidence, Finding
from tests.factories import CaseFactory, CrimeFactory, FindingFactory, InspectionFactory, make_user

SCRIPT = Path(__file__).resolve().parent.parent / "tools" / "backup.sh"


def run(environ, *args):
    return subprocess.run([str(SCRIPT), *args], env=environ, capture_output=True, text=True, timeout=300)


def database_url():
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def everything():
    return {
        "inspections": list(Inspection.objects.order_by("pk").values_list("pk", "force__slug", "status")),
        "cases": list(AuditedCase.objects.order_by("pk").values_list("pk", "inspection_id", "reference")),
        "crimes": list(AuditedCrime.objects.order_by("pk").values_list("pk", "case_id")),
        "findings": list(Finding.objects.order_by("pk").values_list("pk", "inspection_id", "reference", "status")),
        "evidence": [(e.pk, e.original_name, e.file.name, e.file.open("rb").read()) for e in
                     Evidence.objects.order_by("pk")],
    }


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_finds_everything_again(reference_data, settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump/pg_restore of PostgreSQL; run with DATABASE_URL=postgres://…")
    media = Path(settings.MEDIA_ROOT)
    forces = Force.objects.get(slug="thames-valley"), Force.objects.get(slug="gloucestershire")
    staff = make_user("staff-backup", Role.FORCE_STAFF, forces[0])
    for number, force in enumerate(forces):
        inspection = InspectionFactory(force=force, status="moderation")
        CrimeFactory(case=CaseFactory(inspection=inspection, reference=f"BACKUP-{number}"))
        FindingFactory(inspection=inspection, reference=f"BACKUP-R{number}")
    finding = Finding.objects.get(reference="BACKUP-R0")
    services.finding_update(finding_id=finding.pk, by=staff, expected_version=finding.version,
                            comment="Our action plan",
                            files=[SimpleUploadedFile(f"plan-{i}.pdf", f"%PDF-1.4 plan {i}".encode())
                                   for i in range(2)])
    before = everything()
    assert len(before["evidence"]) == 2 and len(before["inspections"]) >= 2 and len(before["findings"]) >= 2

    environ = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_MEDIA_ROOT": str(media),
               "BACKUP_DIR": str(tmp_path / "backups")}
    environ.pop("DJANGO_S3_BUCKET", None)
    backed_up = run(environ, "backup")
    assert backed_up.returncode == 0, backed_up.stderr
    [folder] = (tmp_path / "backups").iterdir()
    assert sorted(path.name for path in folder.iterdir()) == ["database.dump", "media.tar.gz"]

    connection.close()
    with connection.cursor() as cursor:  # the database and the files are lost
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()
    shutil.rmtree(media)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cursor.fetchone() == (0,)
    connection.close()

    restored = run(environ, "restore")
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {folder}" in restored.stdout
    assert everything() == before


def test_backup_refuses_what_it_cannot_back_up(tmp_path):
    environ = {**os.environ, "BACKUP_DIR": str(tmp_path / "backups"), "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    for url, message in [("sqlite:///db.sqlite3", "DATABASE_URL is not a PostgreSQL database"),
                         ("", "DATABASE_URL is not set")]:
        done = run({**environ, "DATABASE_URL": url}, "backup")
        assert done.returncode == 1 and message in done.stderr
    done = run({**environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, "restore")
    assert done.returncode == 1 and f"no backup in {tmp_path / 'backups'}" in done.stderr
    assert not (tmp_path / "backups").exists() and not (tmp_path / "media").exists()
    done = run({**environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, "wipe")
    assert done.returncode == 1 and "usage:" in done.stderr
