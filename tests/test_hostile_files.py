"""Every hostile file (tests/data/hostile/generate.py) against every upload path: each answers a clear message
naming what is wrong, writes nothing, and stays within a memory bound measured with tracemalloc.

Upload paths: the case import page, the sampling frame page, the cancellation review import page, the
recorded-crime (PRC) import page and ``manage.py import_prc``, and evidence on a finding's page and through
the API. Evidence is stored, never parsed: what it cannot be (a bomb, a damaged archive, text that is not UTF-8,
a DTD) is refused; a well-formed document is stored exactly as sent.
"""

import fcntl
import gc
import html
import io
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audits.models import AuditedCase, AuditedCrime, CancellationReview, FrameRecord, RecordingError, SamplingFrame
from forces.models import RecordedCrimeVolume
from recommendations.models import Evidence, FollowUp
from tests.conftest import signed_in
from tests.factories import FindingFactory, InspectionFactory

sys.path.insert(0, str(Path(__file__).parent / "data" / "hostile"))
from generate import corpus, write_corpus  # noqa: E402

pytestmark = pytest.mark.django_db

# Bytes allocated at the peak of one upload's handling, request and page rendering included (after one warm-up
# request, so that importing modules and compiling templates are not counted). Without the reader's limits the
# worst of these files needs gigabytes.
MEMORY_BOUND = 24 * 1024 * 1024
CORPUS = corpus()

# What evidence answers: a fragment of the refusal, or None where the file is a well-formed document or
# text that is stored as it is (never opened by the server).
EVIDENCE = {
    "zip_bomb.xlsx": "zip bomb", "zip_bomb.ods": "zip bomb", "empty_rows.xlsx": "zip bomb",
    "empty_cells.xlsx": "zip bomb", "shared_string_bomb.xlsx": "zip bomb",
    "xxe.xlsx": "document type declaration", "billion_laughs.xlsx": "document type declaration",
    "xxe.ods": "document type declaration", "billion_laughs.ods": "document type declaration",
    "nul.csv": "nul bytes", "utf16.csv": "nul bytes", "utf16_no_bom.csv": "nul bytes",
    "latin1.csv": "not a plain utf-8 text file", "csv_named.ods": "is not really a .ods file",
    "csv_named.xlsx": "is not really a .xlsx file", "ods_named.csv": "nul bytes", "xlsx_named.csv": "nul bytes",
    "ods_named.xlsx": "not a .xlsx document", "truncated.xlsx": "damaged or truncated",
    "truncated.ods": "damaged or truncated", "empty.csv": "is empty", "random.xlsx": "is not really a .xlsx file",
}


@pytest.fixture(scope="session")
def hostile_files(tmp_path_factory, worker_id):
    """The corpus, built once per test run and shared by every xdist worker (its bombs take seconds of CPU to
    deflate): the first worker to ask writes it into the run's common temporary folder, under a lock that the
    others wait on, and they read the same files."""
    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":  # each worker's folder is inside the run's
        root = root.parent
    with open(root / "hostile-corpus.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return write_corpus(root / "hostile-corpus")


@pytest.fixture
def place(forces, people):
    inspection = InspectionFactory(force=forces.a)
    finding = FindingFactory(inspection=inspection)
    return SimpleNamespace(inspection=inspection, finding=finding, people=people)


def snapshot(media: Path):
    files = sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()) if media.exists() else []
    return ([model.objects.count() for model in (AuditedCase, AuditedCrime, RecordingError, SamplingFrame, FrameRecord,
                                                 CancellationReview, RecordedCrimeVolume, FollowUp, Evidence)], files)


def page_text(response) -> str:
    assert response.status_code in (200, 400), response.status_code
    text = response.content.decode()
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).lower()


def upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


# Each path: (extensions it reads, a function that sends the file and returns the answer as lower-case text)
def case_import(place, path):
    client = signed_in(place.people.inspector)
    # A file over a megabyte is checked by a background job (run at once here): its page gives the answer.
    return page_text(client.post(reverse("audits:case_import", args=[place.inspection.pk]),
                                 {"file": upload(path), "mode": "add"}, follow=True))


def frame_upload(place, path):
    client = signed_in(place.people.inspector)
    # A file over a megabyte is stored by a background job (run at once here): its page gives the answer.
    return page_text(client.post(reverse("audits:sample", args=[place.inspection.pk]),
                                 {"upload": "1", "file": upload(path)}, follow=True))


def cancellation_import(place, path):
    client = signed_in(place.people.inspector)
    return page_text(client.post(reverse("audits:cancellation_review_import", args=[place.inspection.pk]),
                                 {"file": upload(path), "mode": "add"}))


def prc_page(place, path):
    client = signed_in(place.people.inspector)
    return page_text(client.post(reverse("forces:prc_upload"), {"file": upload(path), "source": ""}, follow=True))


def prc_command(place, path):
    with pytest.raises(CommandError) as refused:
        call_command("import_prc", str(path), stdout=io.StringIO())
    return str(refused.value).lower()


def evidence_page(place, path):
    client = signed_in(place.people.inspector)
    response = client.post(place.finding.get_absolute_url(), {"version": place.finding.version,
                                                              "comment": "Evidence", "files": [upload(path)]})
    return "stored" if response.status_code == 302 else page_text(response)


def evidence_api(place, path):
    client = signed_in(place.people.inspector)
    response = client.post(reverse("api:follow-up-list", args=[place.finding.pk]),
                           {"version": place.finding.version, "comment": "Evidence", "files": [upload(path)]})
    assert response["Content-Type"] == "application/json"
    assert response.status_code in (201, 400), response.status_code
    return response.content.decode("unicode_escape").lower() if response.status_code == 400 else "stored"


PATHS: dict[str, tuple[tuple[str, ...], Callable]] = {
    "case import page": ((".csv", ".xlsx"), case_import),
    "sampling frame page": ((".csv", ".xlsx"), frame_upload),
    "cancellation review import page": ((".csv", ".xlsx"), cancellation_import),
    "recorded-crime import page": ((".csv", ".ods"), prc_page),
    "manage.py import_prc": ((".csv", ".ods"), prc_command),
}


def measured(send: Callable[[], str]) -> tuple[str, int]:
    gc.collect()
    tracemalloc.start()
    try:
        answer = send()
        return answer, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("path_name", list(PATHS))
def test_every_hostile_file_is_refused_clearly_without_writing_within_the_memory_bound(
        place, hostile_files, settings, path_name):
    extensions, send = PATHS[path_name]
    send(place, hostile_files["semicolon.csv"])  # warm-up, not measured
    failures = []
    for entry in CORPUS:
        file = hostile_files[entry.name]
        before = snapshot(Path(settings.MEDIA_ROOT))
        started = time.monotonic()
        answer, peak = measured(lambda: send(place, file))  # noqa: B023
        print(f"{path_name}: {entry.name} {time.monotonic() - started:.2f}s {peak / 2**20:.1f} MB")
        reads = file.suffix in extensions
        expected = entry.expect.lower() if reads else "." + (" or .".join(ext.lstrip(".") for ext in extensions))
        if expected not in answer:
            failures.append(f"{entry.name}: expected “{expected}” in the answer: {answer[-600:]}")
        if entry.name == "utf8_bom.csv" and reads and "no column" in answer:
            failures.append(f"{entry.name}: the byte order mark hid a column: {answer[-300:]}")
        if snapshot(Path(settings.MEDIA_ROOT)) != before:
            failures.append(f"{entry.name}: something was written")
        if peak > MEMORY_BOUND:
            failures.append(f"{entry.name}: {peak / 2**20:.1f} MB at the peak, over {MEMORY_BOUND / 2**20:.0f} MB")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("send", [evidence_page, evidence_api], ids=["page", "api"])
def test_hostile_files_as_evidence_are_refused_or_stored_exactly_as_sent(place, hostile_files, settings, send):
    send(place, hostile_files["empty.csv"])  # warm-up, not measured
    failures = []
    for entry in CORPUS:
        file = hostile_files[entry.name]
        before = snapshot(Path(settings.MEDIA_ROOT))
        answer, peak = measured(lambda: send(place, file))  # noqa: B023
        place.finding.refresh_from_db()
        refusal = EVIDENCE.get(entry.name)
        after = snapshot(Path(settings.MEDIA_ROOT))
        if refusal is not None:
            if refusal not in answer:
                failures.append(f"{entry.name}: expected “{refusal}” in the answer: {answer[-400:]}")
            if after != before:
                failures.append(f"{entry.name}: refused but something was written")
        else:
            stored = Evidence.objects.filter(original_name=entry.name).order_by("-pk").first()
            if stored is None:
                failures.append(f"{entry.name}: a well-formed document was not stored: {answer[-400:]}")
            else:
                with stored.file.open("rb") as kept:
                    if kept.read() != file.read_bytes():
                        failures.append(f"{entry.name}: stored differently from what was sent")
        if peak > MEMORY_BOUND:
            failures.append(f"{entry.name}: {peak / 2**20:.1f} MB at the peak, over {MEMORY_BOUND / 2**20:.0f} MB")
    assert not failures, "\n".join(failures)
