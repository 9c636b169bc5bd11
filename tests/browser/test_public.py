"""The public page in Chromium, signed out, under the enforced Content-Security-Policy and axe's accessibility
checks: the national table, a force's page with its charts, the CSV link; then a manager's league table with
forces picked through the form."""

from datetime import date

import pytest
from playwright.sync_api import expect

from audits.models import PublishedResult
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.browser.test_csp import visit, watch
from tests.factories import InspectionFactory, make_user, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published(slug, year, rate, interval="1.75", **extra):
    inspection = InspectionFactory(force=Force.objects.get(slug=slug), published_on=date(year, 2, 1), year=year)
    PublishedResult.objects.create(inspection=inspection, category="all_crime", rate=rate, interval=interval)
    if extra:
        PublishedResult.objects.create(inspection=inspection, **extra)
    publish(inspection)
    return inspection


def test_the_public_page_signed_out_and_a_managers_league_table(new_page):
    _published("thames-valley", 2018, "80.40", category="rape", recorded=152, audited=174)
    _published("thames-valley", 2019, "87.90", category="rape", recorded=126, audited=138)
    _published("kent", 2019, "96.60", interval="0.90", category="rape", recorded=62, audited=63)
    make_user("manager", Role.MANAGER)

    page = new_page()
    problems = watch(page)
    visit(page, "/public/")
    expect(page.get_by_test_id("league-row-kent")).to_contain_text("96.6% ± 0.90")
    expect(page.get_by_test_id("league-row-surrey")).to_contain_text("No published inspection")
    page.get_by_role("link", name="Thames Valley Police").click()
    expect(page.get_by_role("heading", name="Thames Valley Police: published results")).to_be_visible()
    expect(page.locator("svg.app-chart")).to_have_count(2)  # all crime and rape: two points each
    expect(page.get_by_test_id("trend-violence_against_the_person")).to_contain_text(
        "No published inspection of this force has a violence against the person figure.")
    assert page.get_by_role("link", name="Download these results (CSV)").get_attribute("href") == \
        "/public/forces/thames-valley/results.csv"

    sign_in(page, "manager")
    visit(page, "/reports/league/")
    page.get_by_label("Category or result").select_option("rape")
    page.get_by_label("Forces I pick").check()
    page.get_by_text("Pick forces").click()
    page.get_by_label("Kent Police").check()
    page.get_by_label("Thames Valley Police").check()
    page.get_by_role("button", name="Show the table").click()
    expect(page.get_by_test_id("league-title")).to_have_text("Rape: each force's latest published figure")
    expect(page.get_by_test_id("league-row-kent")).to_contain_text("no interval published")
    expect(page.locator("[data-testid^=league-row-]")).to_have_count(2)
    assert problems == []
