"""Limits per update on evidence: how many files and how much in total, stated on the form, enforced by the
service for the page and the API alike, with nothing written when refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommendations.evidence import MAX_EVIDENCE_FILES, MAX_EVIDENCE_TOTAL_BYTES
from recommendations.models import Evidence, FollowUp
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def pdfs(count, size):
    return [SimpleUploadedFile(f"part{i}.pdf", b"%PDF-1.7 " + b"0" * (size - 9)) for i in range(count)]


def written():
    return FollowUp.objects.count(), Evidence.objects.count()


def test_the_form_states_the_limits(world):
    page = signed_in(world.people.staff_a).get(world.finding.get_absolute_url()).content.decode()
    assert f"up to {MAX_EVIDENCE_FILES} files and {MAX_EVIDENCE_TOTAL_BYTES // MB} MB in one update, 10 MB each" in page


@pytest.mark.parametrize("files,message", [
    (lambda: pdfs(MAX_EVIDENCE_FILES + 1, 1000), "Attach at most 5 files to one update (you chose 6)"),
    (lambda: pdfs(3, 9 * MB), "The files come to 27.0 MB; one update may attach at most 20 MB in total."),
])
def test_too_many_files_or_too_much_in_one_update_is_refused_on_the_page(world, files, message):
    before = written()
    response = signed_in(world.people.staff_a).post(world.finding.get_absolute_url(), {
        "version": world.finding.version, "comment": "Evidence", "files": files()})
    assert response.status_code == 200 and message in response.content.decode()
    assert written() == before


@pytest.mark.parametrize("files,message", [
    (lambda: pdfs(MAX_EVIDENCE_FILES + 1, 1000), "Attach at most 5 files to one update (you chose 6)"),
    (lambda: pdfs(3, 9 * MB), "The files come to 27.0 MB; one update may attach at most 20 MB in total."),
])
def test_too_many_files_or_too_much_in_one_update_is_refused_by_the_api(world, files, message):
    before = written()
    response = signed_in(world.people.staff_a).post(reverse("api:follow-up-list", args=[world.finding.pk]), {
        "version": world.finding.version, "comment": "Evidence", "files": files()})
    assert response.status_code == 400 and message in response.json()["detail"][0]
    assert written() == before


def test_the_most_allowed_is_accepted(world):
    response = signed_in(world.people.staff_a).post(world.finding.get_absolute_url(), {
        "version": world.finding.version, "comment": "Evidence", "files": pdfs(MAX_EVIDENCE_FILES, 4 * MB)})
    assert response.status_code == 302
    assert Evidence.objects.filter(original_name__startswith="part").count() == MAX_EVIDENCE_FILES
