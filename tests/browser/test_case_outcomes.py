"""An inspector finishes a record that disclosed no crime, and enters a crime with its victim's flags and, as it
was not recorded, whether the victim was safeguarded; the pages show them (axe-core checks every page)."""

import re

import pytest
from playwright.sync_api import expect

from audits.models import AuditedCase, Inspection
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import autocomplete, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/outcomes-shots"


def test_a_no_crime_record_and_an_unrecorded_crime_with_its_victim_flags(new_page):
    make_user("insp", Role.INSPECTOR, is_staff=True)
    inspection = Inspection.objects.create(force=Force.objects.get(slug="thames-valley"), kind="cdi",
                                           status="fieldwork", audit_period_start="2024-01-01",
                                           audit_period_end="2024-06-30")
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "insp")

    page.goto(f"/admin/audits/auditedcase/add/?inspection={inspection.pk}")
    page.locator("#id_reference").fill("TVP/24/NONE")
    page.locator("#id_source").select_option("incident_log")
    page.get_by_label("Reported at").fill("01/03/2024 09:00")
    page.locator("#id_outcome").select_option(label="No crime disclosed")
    page.get_by_label("Reason for the outcome").fill("Concern for welfare; no crime on the log.")
    page.get_by_label("Anonymous report").check()
    page.locator("#id_equality_information").select_option(label="Not applicable")
    page.screenshot(path=f"{SHOTS}/no-crime-case.png", full_page=True)
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/audits/auditedcase/$"))
    case = AuditedCase.objects.get(reference="TVP/24/NONE")
    assert (case.outcome, case.anonymous_report, case.crimes.count()) == ("no_crime", True, 0)

    page.goto(f"/admin/audits/auditedcase/add/?inspection={inspection.pk}")
    page.locator("#id_reference").fill("TVP/24/RAPE")
    page.locator("#id_source").select_option("safeguarding_referral")
    page.get_by_label("Reported at").fill("02/03/2024 09:00")
    autocomplete(page, "id_crimes-0-expected_offence", "Rape")
    page.locator("input[name='crimes-0-error_kinds'][value='not_recorded']").check()
    page.locator("#id_crimes-0-vulnerable_victim").check()
    page.locator("#id_crimes-0-child_victim").check()
    page.locator("input[name=_save]").click()
    expect(page.get_by_text("Say whether the victim of this unrecorded crime was safeguarded")).to_be_visible()
    page.locator("#id_crimes-0-safeguarding").select_option("no")
    page.screenshot(path=f"{SHOTS}/unrecorded-crime.png", full_page=True)
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/audits/auditedcase/$"))
    rape = AuditedCase.objects.get(reference="TVP/24/RAPE").crimes.get()
    assert (rape.vulnerable_victim, rape.child_victim, rape.domestic_abuse, rape.safeguarding) == (True, True, False,
                                                                                                  "no")

    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_test_id("case-outcome")).to_have_text("No crime disclosed: Concern for welfare; no crime on "
                                                             "the log.")
    page.goto(f"/reports/inspections/{inspection.pk}/?include=provisional")
    expect(page.get_by_test_id("table-records")).to_contain_text("No crime disclosed")
    expect(page.get_by_test_id("table-safeguarding")).to_contain_text("All unrecorded crimes")
    page.screenshot(path=f"{SHOTS}/report.png", full_page=True)
