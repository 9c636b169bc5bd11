"""A force auditor plans and enters a month's own audit in the admin, a second force auditor agrees the case, the
audit is closed, and the comparison page sets it against the inspectorate's published findings; an inspector
re-audits it blind and the force reads how far the two agree; another force's auditor reaches none of it."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from audits.models import AuditedCase, Inspection
from forces.models import Force
from forces.roles import Role
from reaudits.models import ReAudit
from tests.browser.conftest import autocomplete, sign_in
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, make_user, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def act_on(page, url, pk, action_label):
    page.goto(url)
    page.locator(f"input[name=_selected_action][value='{pk}']").check()
    page.locator("select[name=action]").select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def save_and_return(page, list_url):
    """Press Save and wait for the admin list; if the form comes back instead, fail with what it says (a slow CI
    machine once timed out here without saying why)."""
    page.locator("input[name=_save]").click()
    try:
        page.wait_for_url(re.compile(list_url), timeout=30_000)
    except PlaywrightTimeoutError:
        problems = page.locator(".errornote, .errorlist").all_inner_texts()
        raise AssertionError(f"not saved: still at {page.url}: {problems}") from None


def test_a_force_auditor_enters_a_month_a_second_agrees_and_the_comparison_shows_it(new_page):
    kent = Force.objects.get(slug="kent")
    make_user("kent-aud", Role.FORCE_AUDITOR, kent, is_staff=True)
    make_user("kent-aud2", Role.FORCE_AUDITOR, kent, is_staff=True)
    make_user("glos-aud", Role.FORCE_AUDITOR, Force.objects.get(slug="gloucestershire"), is_staff=True)
    # The inspectorate's published inspection of January to March 2024: 6 of 10 crimes recorded.
    inspection = InspectionFactory(force=kent, audit_period_start="2024-01-01", audit_period_end="2024-03-31")
    for n in range(10):
        case = CaseFactory(inspection=inspection, reference=f"KNT-I-{n}", moderation_state="agreed")
        CrimeFactory(case=case) if n < 6 else ErrorFactory(crime__case=case, kind="not_recorded")
    publish(inspection)

    page = new_page()
    sign_in(page, "kent-aud")
    # Plan March 2024's own audit: the only kind a force auditor may plan.
    page.goto("/admin/audits/inspection/add/")
    autocomplete(page, "id_force", "Kent Police")
    expect(page.locator("#id_kind")).to_have_value("force_self_audit")
    page.locator("#id_audit_period_start").fill("01/03/2024")
    page.locator("#id_audit_period_end").fill("31/03/2024")
    save_and_return(page, r"/admin/audits/inspection/$")
    audit = Inspection.objects.get(kind=Inspection.Kind.FORCE_SELF_AUDIT)
    assert str(audit) == "Kent Police’s own audit, March 2024"

    # Enter a case: one crime recorded, one not.
    page.goto(f"/admin/audits/auditedcase/add/?inspection={audit.pk}")
    page.locator("#id_reference").fill("KNT/24/000777")
    page.locator("#id_source").select_option("incident_log")
    page.get_by_label("Reported at").fill("04/03/2024 09:00")
    autocomplete(page, "id_crimes-0-expected_offence", "Violence with injury")
    autocomplete(page, "id_crimes-0-recorded_offence", "Violence with injury")
    page.locator("#id_crimes-0-recorded_at").fill("04/03/2024 11:00")
    save_and_return(page, r"/admin/audits/auditedcase/$")
    case = AuditedCase.objects.get(reference="KNT/24/000777")
    cases = "/admin/audits/auditedcase/?q=KNT/24/000777"
    act_on(page, cases, case.pk, "Submit selected cases for moderation")
    expect(page.get_by_text("1 case(s) submitted for moderation.")).to_be_visible()

    # A second force auditor of Kent agrees it (its author could not), and the audit is closed.
    second = new_page()
    sign_in(second, "kent-aud2")
    act_on(second, cases, case.pk, "Agree selected cases (moderation)")
    expect(second.get_by_text("1 case(s) agreed.")).to_be_visible()
    audits = "/admin/audits/inspection/"
    for label in ("Move to fieldwork", "Move to moderation",
                  "Close a force's own audit (locks its audit data; never published)"):
        act_on(page, audits, audit.pk, label)
        expect(page.locator(".messagelist .success")).to_be_visible()
    audit.refresh_from_db()
    assert audit.status == Inspection.Status.CLOSED

    # The comparison: the force's 1 of 1 against the inspectorate's 6 of 10.
    page.goto("/reports/forces/kent/own-audits/against-inspections/")
    row = page.get_by_test_id("comparison-row-all_crime")
    expect(row).to_contain_text("100.0% (1 of 1)")
    expect(row).to_contain_text("60.0% (6 of 10)")
    expect(page.get_by_test_id("statement-all_crime")).to_have_text(re.compile("agree with the inspectorate"))
    page.goto("/reports/forces/kent/own-audits/")
    expect(page.get_by_test_id("series-all_crime")).to_contain_text("1 of 1")

    # An inspector re-audits the closed month blind: the force passed the crime, the inspector finds it
    # misclassified; once submitted, the force's auditor reads the disagreement.
    make_user("insp", Role.INSPECTOR, is_staff=True)
    inspector = new_page()
    sign_in(inspector, "insp")
    inspector.goto(f"/inspections/{audit.pk}/")
    inspector.get_by_role("link", name="Re-audit a sub-sample blind").click()
    inspector.get_by_label("How many cases to re-audit").fill("1")
    inspector.get_by_label("Seed (optional)").fill("7")
    inspector.get_by_role("button", name="Draw the cases").click()
    expect(inspector.get_by_text("case 1 of 1")).to_be_visible()
    inspector.locator("input[value=misclassified]").focus()
    inspector.keyboard.press("Space")
    inspector.keyboard.press("Tab")
    expect(inspector.get_by_label("Rule cited for “Misclassified” on crime 1")).to_be_focused()
    inspector.keyboard.type("N100")
    inspector.keyboard.press("Tab")
    inspector.keyboard.press("Enter")
    expect(inspector.get_by_test_id("done")).to_have_text("1 of 1 cases")
    inspector.get_by_test_id("submit-reaudit").click()
    expect(inspector.locator("[data-category=all_crime]")).to_contain_text("0 of 1")
    reaudit = ReAudit.objects.get(self_audit=audit)
    page.goto(reaudit.get_absolute_url())
    expect(page.locator("[data-category=all_crime]")).to_contain_text("0 of 1")
    expect(page.get_by_test_id("agreement")).to_contain_text("Landis and Koch")

    # Another force's auditor reaches none of it.
    outsider = new_page()
    sign_in(outsider, "glos-aud")
    assert outsider.goto(f"/inspections/{audit.pk}/").status == 404
    assert outsider.goto(f"/cases/{case.pk}/").status == 404
    assert outsider.goto("/reports/forces/kent/own-audits/against-inspections/").status == 404
    assert outsider.goto(reaudit.get_absolute_url()).status == 404
