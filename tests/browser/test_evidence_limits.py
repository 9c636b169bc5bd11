"""Force staff see the evidence limits on the form and a clear message when they pick too many files."""

import pytest
from playwright.sync_api import expect

from forces.models import Force
from forces.roles import Role
from recommendations.models import Evidence
from tests.browser.conftest import sign_in
from tests.factories import FindingFactory, InspectionFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_too_many_evidence_files_are_refused_with_the_limit_stated(new_page, tmp_path):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("tvp-staff", Role.FORCE_STAFF, tvp)
    finding = FindingFactory(inspection=InspectionFactory(force=tvp), reference="R1.1")
    files = []
    for number in range(6):
        path = tmp_path / f"part-{number}.pdf"
        path.write_bytes(b"%PDF-1.4 part")
        files.append(path)

    page = new_page()
    sign_in(page, "tvp-staff")
    page.goto(finding.get_absolute_url())
    expect(page.get_by_text("up to 5 files and 20 MB in one update, 10 MB each")).to_be_visible()
    page.get_by_label("Update", exact=True).fill("Evidence of the new process.")
    page.get_by_label("Evidence").set_input_files(files)
    page.get_by_role("button", name="Add update").click()
    expect(page.get_by_text("Attach at most 5 files to one update (you chose 6)")).to_be_visible()
    page.screenshot(path="/tmp/evidence-limits.png", full_page=True)
    assert not Evidence.objects.exists()
