"""The audited case list as an inspector uses it at scale: choose a force, then one of its inspections, from the
filters; search by a crime's force reference; every page checked by axe-core (new_page)."""

import pytest
from playwright.sync_api import expect

from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_by_force_then_inspection_and_search_by_crime_reference(new_page, tmp_path):
    make_user("insp", Role.INSPECTOR, is_staff=True)
    thames, glos = Force.objects.get(slug="thames-valley"), Force.objects.get(slug="gloucestershire")
    inspection = InspectionFactory(force=thames)
    InspectionFactory(force=glos)
    for n in range(3):
        case = CaseFactory(inspection=inspection, reference=f"TVP/24/{n:06d}")
        CrimeFactory(case=case, force_crime_reference=f"43/{n}/24")
    page = new_page()
    sign_in(page, "insp")
    page.goto("/admin/audits/auditedcase/")
    page.get_by_role("link", name="Thames Valley Police", exact=True).click()
    page.get_by_role("link", name=inspection.title).click()
    expect(page.get_by_role("link", name="TVP/24/000002")).to_be_visible()
    page.locator("#searchbar").fill("43/1/")
    page.locator("#searchbar").press("Enter")
    expect(page.get_by_role("link", name="TVP/24/000001")).to_be_visible()
    expect(page.get_by_role("link", name="TVP/24/000002")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "case-list.png"), full_page=True)
    print(tmp_path / "case-list.png")
