"""An inspector enters a case, a second inspector agrees it, the inspection page counts it, and
staff of another force cannot reach any of it."""

import re

import pytest
from playwright.sync_api import expect

from audits.models import AuditedCase, Inspection
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import autocomplete, sign_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_action(page, case, action_label):
    page.goto(f"/admin/audits/auditedcase/?q={case.reference}")
    page.locator(f"input[name=_selected_action][value='{case.pk}']").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def test_enter_submit_agree_and_see_the_summary(new_page):
    make_user("insp", Role.INSPECTOR, is_staff=True)
    make_user("insp2", Role.INSPECTOR, is_staff=True)
    make_user("staff-b", Role.FORCE_STAFF, Force.objects.get(slug="gloucestershire"))

    page = new_page()
    sign_in(page, "insp")

    # Plan an inspection.
    page.goto("/admin/audits/inspection/add/")
    autocomplete(page, "id_force", "Thames Valley Police")
    page.locator("#id_audit_period_start").fill("01/01/2024")
    page.locator("#id_audit_period_end").fill("30/06/2024")
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/audits/inspection/$"))
    inspection = Inspection.objects.get(force__slug="thames-valley")

    # Enter a case with two crimes: one recorded correctly, one misclassified.
    page.goto(f"/admin/audits/auditedcase/add/?inspection={inspection.pk}")
    page.locator("#id_reference").fill("TVP/24/000123")
    page.locator("#id_source").select_option("incident_log")
    page.get_by_label("Reported at").fill("01/03/2024 09:00")
    autocomplete(page, "id_crimes-0-expected_offence", "Violence with injury")
    autocomplete(page, "id_crimes-0-recorded_offence", "Violence with injury")
    page.locator("#id_crimes-0-recorded_at").fill("01/03/2024 11:00")
    page.locator(".add-row a").click()
    autocomplete(page, "id_crimes-1-expected_offence", "Rape")
    autocomplete(page, "id_crimes-1-recorded_offence", "Other sexual offences")
    page.locator("#id_crimes-1-recorded_at").fill("01/03/2024 12:00")
    page.locator("input[name='crimes-1-error_kinds'][value='misclassified']").check()
    page.locator("input[name=_save]").click()
    page.wait_for_url(re.compile(r"/admin/audits/auditedcase/$"))
    case = AuditedCase.objects.get(reference="TVP/24/000123")
    assert case.crimes.count() == 2

    run_action(page, case, "Submit selected cases for moderation")
    expect(page.get_by_text("1 case(s) submitted for moderation.")).to_be_visible()

    # A second inspector agrees it (the author could not).
    run_action(page, case, "Agree selected cases (moderation)")
    expect(page.get_by_text("never by its own author")).to_be_visible()
    second = new_page()
    sign_in(second, "insp2")
    run_action(second, case, "Agree selected cases (moderation)")
    expect(second.get_by_text("1 case(s) agreed.")).to_be_visible()

    second.goto(f"/inspections/{inspection.pk}/")
    expect(second.get_by_test_id("crimes-audited")).to_have_text("2")
    expect(second.get_by_test_id("error-misclassified")).to_have_text("1")
    expect(second.get_by_role("link", name="TVP/24/000123")).to_be_visible()

    # Staff of another force cannot reach it.
    outsider = new_page()
    sign_in(outsider, "staff-b")
    assert outsider.goto(f"/inspections/{inspection.pk}/").status == 404
    assert outsider.goto(f"/cases/{case.pk}/").status == 404
    assert outsider.goto(f"/admin/audits/auditedcase/{case.pk}/change/").status == 403
    outsider.goto("/forces/")
    assert "Thames Valley" not in outsider.content()
