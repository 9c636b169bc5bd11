"""An inspector re-audits a sub-sample of a force's self-audit in Chromium: draws it from the self-audit's page,
records a verdict on each case from the keyboard (save and next), submits, and reads the agreement. axe-core checks
every page (conftest.new_page). Screenshots go to BROWSER_SCREENSHOTS when it is set."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from forces.models import Force
from forces.roles import Role
from reaudits.models import ReAudit
from tests.browser.conftest import sign_in
from tests.factories import FORCE_NOTE, make_self_audit, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("BROWSER_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_inspector_re_audits_a_self_audit_blind_by_keyboard(new_page):
    tvp = Force.objects.get(slug="thames-valley")
    make_user("inspector", Role.INSPECTOR, is_staff=True)
    staff = make_user("tvp-staff", Role.FORCE_STAFF, tvp)
    self_audit = make_self_audit(tvp, staff, n=4)
    page = new_page()
    sign_in(page, "inspector")
    page.goto(self_audit.get_absolute_url())
    page.get_by_role("link", name="Re-audit a sub-sample blind").click()
    page.get_by_label("How many cases to re-audit").fill("3")
    page.get_by_label("Seed (optional)").fill("42")
    shot(page, "reaudit-draw")
    page.get_by_role("button", name="Draw the cases").click()
    for position in (1, 2, 3):
        expect(page.get_by_text(f"case {position} of 3")).to_be_visible()
        html = page.content()
        assert FORCE_NOTE not in html and " checked" not in html  # blind: nothing of the force's verdict
        if position == 1:
            shot(page, "reaudit-case")
        if position == 1:  # the success banner of the draw takes the focus on the first case
            page.locator("input[value=not_recorded]").focus()
        if "The force recorded no crime" in page.inner_text("main"):
            # "Not recorded" is the first choice and has the focus when the page opens.
            expect(page.locator("input[value=not_recorded]")).to_be_focused()
            page.keyboard.press("Space")
        elif position == 1:  # the inspector finds the first recorded crime misclassified, against the usual rule
            page.locator("input[value=misclassified]").focus()
            page.keyboard.press("Space")
            page.keyboard.press("Tab")  # to the rule, revealed beside the ticked error
            expect(page.get_by_label("Rule cited for “Misclassified” on crime 1")).to_be_focused()
            page.keyboard.type("N100")  # picks the rule by its first letters
            page.keyboard.press("Tab")  # on to the next error's checkbox
        else:
            page.locator("input[value=none]").focus()
            page.keyboard.press("Space")
        page.keyboard.press("Enter")  # the form's first button: save and next
    expect(page.get_by_test_id("done")).to_have_text("3 of 3 cases")
    shot(page, "reaudit-progress")
    page.get_by_test_id("submit-reaudit").click()
    expect(page.get_by_test_id("agreement")).to_be_visible()
    shot(page, "reaudit-results")
    reaudit = ReAudit.objects.get()
    assert reaudit.submitted_at is not None and reaudit.seed == 42
    expect(page.locator("[data-category=all_crime]")).to_contain_text("of 3")
    expect(page.get_by_test_id("agreement")).to_contain_text("Landis and Koch")
    # The force's staff read the same page.
    force_page = new_page()
    sign_in(force_page, "tvp-staff")
    force_page.goto(reaudit.get_absolute_url())
    expect(force_page.get_by_test_id("agreement")).to_be_visible()
