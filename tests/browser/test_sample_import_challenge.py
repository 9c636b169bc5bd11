"""An inspector uploads a frame and draws a sample, imports a spreadsheet with one bad row (sees it
named, fixes it, imports); tvp-staff challenge an error; the inspector withdraws it; the report's
figures change."""

from datetime import date

import pytest
from playwright.sync_api import expect

from audits.models import AuditedCase, Inspection, SampleDraw
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = ("case_reference,source,reported_at,domestic_abuse,vulnerable_victim,modern_slavery,case_notes,"
          "expected_offence,force_crime_reference,recorded_offence,recorded_at,cancellation_code,errors,child_victim,"
          "safeguarding,anonymous_report,third_party_report,equality_information,outcome,outcome_reason")
ROWS = [
    "IMP-1,incident_log,01/03/2024 09:00,no,no,no,,Violence with injury,CR1,Violence with injury,01/03/2024 10:00,,",
    "IMP-2,incident_log,02/03/2024 09:00,no,yes,no,,Rapee,CR2,Other sexual offences,02/03/2024 11:00,,misclassified",
    "IMP-3,safeguarding_referral,03/03/2024 09:00,yes,no,no,,Stalking and harassment,,,,,not_recorded,no,yes",
]


def misclassified_rapes(page, inspection):
    page.goto(f"/reports/inspections/{inspection.pk}/")
    row = page.get_by_test_id("table-errors").get_by_role("row").filter(has_text="Misclassified")
    return row.get_by_role("cell").nth(3).inner_text()  # the rape column


def test_frame_draw_import_challenge_withdraw(new_page, tmp_path):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("inspector", Role.INSPECTOR, is_staff=True)
    make_user("tvp-staff", Role.FORCE_STAFF, tvp)
    inspection = Inspection.objects.create(force=tvp, kind="cdi", status="fieldwork",
                                           audit_period_start=date(2024, 1, 1), audit_period_end=date(2024, 6, 30))
    frame = tmp_path / "extract.csv"
    frame.write_text("reference,occurred_at,stratum\n" + "\n".join(
        f"TVP-{i:04d},{1 + i % 28:02d}/04/2024 10:{i % 60:02d},{'incident_log' if i % 3 else 'crime_bureau'}"
        for i in range(60)) + "\n")

    page = new_page()
    sign_in(page, "inspector")
    page.goto(f"/inspections/{inspection.pk}/sample/")
    page.get_by_label("The force's extract for the audit period").set_input_files(frame)
    page.get_by_role("button", name="Upload the extract").click()
    expect(page.get_by_text("Frame stored: 60 records.")).to_be_visible()
    page.get_by_label("Seed").fill("2024")
    page.get_by_label("Records to draw").fill("12")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_text("12 records drawn with seed 2024")).to_be_visible()
    assert SampleDraw.objects.get(frame__inspection=inspection).sizes == {"crime_bureau": 4, "incident_log": 8}

    sheet = tmp_path / "findings.csv"
    sheet.write_text("\n".join([HEADER, *ROWS]) + "\n")
    page.goto(f"/inspections/{inspection.pk}/import/")
    page.get_by_label("Spreadsheet of audited crimes").set_input_files(sheet)
    page.get_by_role("button", name="Check the file (dry run)").click()
    expect(page.get_by_test_id("import-problems")).to_contain_text("Row 3: expected_offence “Rapee”")
    sheet.write_text("\n".join([HEADER, ROWS[0], ROWS[1].replace("Rapee", "Rape"), ROWS[2]]) + "\n")
    page.get_by_label("Spreadsheet of audited crimes").set_input_files(sheet)
    page.get_by_role("button", name="Check the file (dry run)").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("New cases: 3")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Imported: 3 new case(s)")).to_be_visible()
    assert misclassified_rapes(page, inspection) == "1"

    staff = new_page()
    sign_in(staff, "tvp-staff")
    staff.goto(AuditedCase.objects.get(reference="IMP-2").get_absolute_url())
    staff.get_by_role("link", name="Challenge misclassified").click()
    staff.get_by_label("Why is this error wrong?").fill("Recorded as rape under CR2 on 02/03/2024; see crime record.")
    staff.get_by_role("button", name="Send challenge").click()
    expect(staff.get_by_text("Your challenge has been sent to the inspectors.")).to_be_visible()

    page.get_by_role("link", name="Challenges").click()
    page.get_by_role("link", name="Misclassified on Rape").click()
    page.get_by_label("Withdraw: remove the error").check()
    page.get_by_label("Reason for the decision").fill("Crime record confirmed.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("challenge-status")).to_contain_text("Withdrawn")
    staff.reload()  # the force sees the decision and its reason
    expect(staff.get_by_test_id("challenge-status")).to_contain_text("Withdrawn")
    expect(staff.get_by_text("Crime record confirmed.")).to_be_visible()
    staff.get_by_test_id("notifications-link").click()  # told in the app, with an unread count in the header
    expect(staff.get_by_test_id("notifications")).to_contain_text("was decided: withdrawn (the error was removed)")
    staff.get_by_role("button", name="Mark all as read").click()
    expect(staff.get_by_text("1 notification marked as read.")).to_be_visible()
    expect(staff.get_by_test_id("notifications-link")).to_have_text("Notifications")
    assert misclassified_rapes(page, inspection) == "0"
