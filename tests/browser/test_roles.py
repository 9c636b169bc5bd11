"""One test per role doing its main job end to end from its start page, in Chromium: the second inspector
moderates from the queue; an inspector publishes through guided publication; force staff challenge an error from
the inspection open to challenge; a manager goes from what changed to a force's report. axe-core checks every page
(conftest.new_page), and each page is checked at 375 px wide for sideways scrolling. Screenshots of each page are
written to BROWSER_SCREENSHOTS when it is set."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audits.models import AuditedCase, Challenge, Inspection
from forces.models import Force, RecordedCrimeVolume
from forces.roles import Role
from reports.models import ResultVersion
from tests.browser.conftest import sign_in
from tests.factories import (
    CaseFactory,
    CrimeFactory,
    ErrorFactory,
    FindingFactory,
    InspectionFactory,
    make_user,
    publish,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("BROWSER_SCREENSHOTS")


def narrow(page, name):
    """At 375 px wide the page does not scroll sideways; back to the desktop width after. A screenshot of each
    width when BROWSER_SCREENSHOTS names a folder."""
    wide = page.viewport_size
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-375.png", full_page=True)
    page.set_viewport_size(wide)
    assert scroll_width <= 375, f"{name} ({page.url}) is {scroll_width} px wide at 375 px"


def test_inspector_moderates_from_the_start_page(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    auditor = make_user("auditor", Role.INSPECTOR, is_staff=True)
    make_user("moderator", Role.INSPECTOR, is_staff=True)
    inspection = InspectionFactory(force=tvp, year=2024)
    for n in range(2):
        case = CaseFactory(inspection=inspection, reference=f"TVP-M-{n}", auditor=auditor, submitted_by=auditor,
                           moderation_state=AuditedCase.Moderation.SUBMITTED,
                           submitted_at=timezone.now() + timedelta(minutes=n))
        CrimeFactory(case=case)

    page = new_page()
    sign_in(page, "moderator")
    expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    expect(page.get_by_test_id("awaiting-total")).to_contain_text("2 cases waiting.")
    narrow(page, "inspector-start")
    page.get_by_role("link", name="Open the moderation queue").click()
    expect(page.get_by_role("link", name="TVP-M-0")).to_be_visible()
    narrow(page, "moderation-queue")
    page.get_by_role("link", name="TVP-M-0").click()
    narrow(page, "case-to-moderate")
    page.get_by_role("button", name="Agree and go to the next case").click()
    expect(page.get_by_text("Case TVP-M-0 agreed.")).to_be_visible()
    assert AuditedCase.objects.get(reference="TVP-M-0").moderation_state == AuditedCase.Moderation.AGREED
    page.get_by_role("link", name="Start").first.click()
    expect(page.get_by_test_id("awaiting-total")).to_contain_text("1 case waiting.")


def test_inspector_publishes_through_guided_publication(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("inspector", Role.INSPECTOR, is_staff=True)
    inspection = InspectionFactory(force=tvp, year=2024)
    case = CaseFactory(inspection=inspection, reference="TVP-P-1", moderation_state=AuditedCase.Moderation.AGREED)
    CrimeFactory(case=case)

    page = new_page()
    sign_in(page, "inspector")
    page.get_by_role("link", name="Publish", exact=False).filter(has_text="Publish").first.click()
    expect(page.get_by_role("heading", name="Publish Thames Valley Police crime data integrity inspection 2024")).to_be_visible()
    expect(page.get_by_test_id("blocked")).to_contain_text("2 things stop publication")
    expect(page.get_by_test_id("check-volumes")).to_contain_text("Import police recorded crime")
    narrow(page, "publish-blocked")

    # Put the two right, as the links say (the volume import and the grade are other pages' work).
    for category, count in (("all_crime", 180_000), ("violence_against_the_person", 60_000)):
        RecordedCrimeVolume.objects.create(force=tvp, period_end=date(2024, 6, 30), category=category, count=count,
                                           source="PRC open data")
    Inspection.objects.filter(pk=inspection.pk).update(grade="good")
    page.reload()
    expect(page.get_by_test_id("publish")).to_be_visible()
    narrow(page, "publish-ready")
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("is published: its figures are frozen")).to_be_visible()
    narrow(page, "published-report")
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.PUBLISHED
    assert ResultVersion.objects.filter(inspection=inspection).count() == 1


def test_force_staff_challenge_from_the_start_page(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("tvp-staff", Role.FORCE_STAFF, tvp)
    closes = timezone.localdate() + timedelta(days=5)
    inspection = InspectionFactory(force=tvp, year=2024, status="moderation", challenges_close_on=closes)
    error = ErrorFactory(crime__case=CaseFactory(inspection=inspection, reference="TVP-C-1",
                                                 moderation_state=AuditedCase.Moderation.AGREED))
    earlier = publish(InspectionFactory(force=tvp, year=2019, grade="good"), published_on=date(2020, 1, 10))
    FindingFactory(inspection=earlier, reference="TVP-R1", text="Record every reported rape within 24 hours.",
                   due_on=timezone.localdate() - timedelta(days=12))

    page = new_page()
    sign_in(page, "tvp-staff")
    expect(page.get_by_test_id("findings-due")).to_contain_text("Record every reported rape within 24 hours.")
    expect(page.get_by_test_id("open-to-challenge")).to_contain_text(f"Challenges close on {closes:%A} "
                                                                     f"{closes.day} {closes:%B %Y}")
    narrow(page, "force-staff-start")
    page.get_by_test_id("open-to-challenge").get_by_role("link").first.click()
    page.get_by_role("link", name="TVP-C-1").click()
    narrow(page, "force-staff-case")
    page.get_by_role("link", name="Challenge not recorded").click()
    page.get_by_label("Why", exact=False).fill("The crime was recorded as CR/123 on the day.")
    narrow(page, "challenge-new")
    page.get_by_role("button", name="Send challenge").click()
    expect(page.get_by_text("Your challenge has been sent to the inspectors.")).to_be_visible()
    challenge = Challenge.objects.get(error=error)
    assert challenge.status == Challenge.Status.OPEN
    narrow(page, "challenge-sent")


def test_manager_goes_from_what_changed_to_a_report(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    manager = make_user("manager", Role.MANAGER)
    manager.last_login = timezone.now() - timedelta(days=3)
    manager.save(update_fields=["last_login"])
    inspection = InspectionFactory(force=tvp, year=2024, grade="requires_improvement")
    CrimeFactory(case=CaseFactory(inspection=inspection, moderation_state=AuditedCase.Moderation.AGREED))
    publish(inspection, published_on=timezone.localdate())
    FindingFactory(inspection=inspection, reference="TVP-R9", due_on=timezone.localdate() - timedelta(days=40))

    page = new_page()
    sign_in(page, "manager")
    expect(page.get_by_test_id("since")).to_contain_text("Since your last visit on")
    expect(page.get_by_test_id("overdue-by-force")).to_contain_text("1 overdue of 1 open")
    narrow(page, "manager-start")
    page.get_by_test_id("published-since").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thames Valley Police")
    narrow(page, "manager-inspection-report")
    page.go_back()
    page.get_by_test_id("overdue-by-force").get_by_role("link", name="Thames Valley Police").click()
    narrow(page, "manager-force-report")
