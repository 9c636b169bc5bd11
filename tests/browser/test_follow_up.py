"""Force staff answer an overdue recommendation with evidence; an inspector sends it back with a
reason, then verifies it; staff of another force never see any of it."""

from datetime import date

import pytest
from playwright.sync_api import expect

from forces.models import Force
from forces.roles import Role
from recommendations.models import Finding
from tests.browser.conftest import sign_in
from tests.factories import FindingFactory, InspectionFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def post_update(page, finding, status=None, comment="", evidence=None):
    page.goto(finding.get_absolute_url())
    if status:
        page.get_by_label("Change the status to").select_option(label=status)
    page.get_by_label("Update", exact=True).fill(comment)
    if evidence:
        page.get_by_label("Evidence").set_input_files(evidence)
    page.get_by_role("button", name="Add update").click()
    expect(page.get_by_text("Your update has been added to the timeline.")).to_be_visible()


def test_overdue_recommendation_evidence_send_back_and_complete(new_page, tmp_path):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("tvp-staff", Role.FORCE_STAFF, tvp)
    make_user("glos-staff", Role.FORCE_STAFF, Force.objects.get(slug="gloucestershire"))
    make_user("inspector", Role.INSPECTOR, is_staff=True)
    inspection = InspectionFactory(force=tvp, status="published", published_on=date(2018, 2, 1))
    finding = FindingFactory(inspection=inspection, reference="R1.1", due_on=date(2018, 5, 1),
                             text="Record crimes from incident logs within 24 hours.")
    plan = tmp_path / "action-plan.pdf"
    plan.write_bytes(b"%PDF-1.4 Thames Valley crime recording action plan")

    staff = new_page()
    sign_in(staff, "tvp-staff")
    staff.get_by_role("link", name="Findings").click()
    staff.get_by_text("Filter findings").click()
    staff.get_by_label("Overdue only").check()
    staff.get_by_role("button", name="Apply filters").click()
    staff.get_by_role("link", name="R1.1").click()
    expect(staff.get_by_test_id("status")).to_contain_text("overdue")
    post_update(staff, finding, "Implemented (claimed by the force)", "Action plan delivered.", plan)
    expect(staff.get_by_test_id("timeline")).to_contain_text("action-plan.pdf")

    inspector = new_page()
    sign_in(inspector, "inspector")
    inspector.goto(finding.get_absolute_url())
    with inspector.expect_download() as download:
        inspector.get_by_role("link", name="action-plan.pdf").click()
    assert download.value.suggested_filename == "action-plan.pdf"
    post_update(inspector, finding, "In progress", "The plan does not cover safeguarding referrals.")

    staff.reload()
    expect(staff.get_by_test_id("timeline")).to_contain_text("The plan does not cover safeguarding referrals.")
    expect(staff.get_by_test_id("status")).to_contain_text("In progress")
    post_update(staff, finding, "Implemented (claimed by the force)", "Plan extended to safeguarding referrals.")

    post_update(inspector, finding, "Complete (verified by an inspector)", "Verified against the re-audit.")
    assert Finding.objects.get(pk=finding.pk).status == "complete"

    outsider = new_page()
    sign_in(outsider, "glos-staff")
    assert outsider.goto(finding.get_absolute_url()).status == 404
    outsider.goto("/findings/")
    expect(outsider.get_by_role("main")).not_to_contain_text("R1.1")
