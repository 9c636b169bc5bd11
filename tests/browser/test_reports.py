"""A manager reads the national overview, narrows it to a region, opens a force and downloads its
report as CSV and PDF; force staff see only their own force."""

import zipfile
from datetime import date

import pytest
from playwright.sync_api import expect

from audits.models import PublishedResult
from forces.models import Force
from forces.roles import Role
from tests.browser.conftest import sign_in
from tests.factories import InspectionFactory, make_user
from tests.factories import publish as freeze_as_published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish(slug, rate, interval, when):
    inspection = InspectionFactory(force=Force.objects.get(slug=slug), published_on=when)
    PublishedResult.objects.create(inspection=inspection, category="all_crime", rate=rate, interval=interval)
    freeze_as_published(inspection)


def test_manager_filters_opens_a_force_and_downloads(new_page, tmp_path):
    make_user("boss", Role.MANAGER)
    make_user("staff-glos", Role.FORCE_STAFF, Force.objects.get(slug="gloucestershire"))
    publish("thames-valley", "80.40", "1.75", date(2018, 2, 1))
    publish("thames-valley", "87.90", "1.60", date(2019, 7, 1))
    publish("kent", "96.60", "1.20", date(2019, 1, 1))
    publish("gloucestershire", "81.60", "1.88", date(2019, 7, 1))

    page = new_page()
    sign_in(page, "boss")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="National overview")).to_be_visible()
    expect(page.get_by_test_id("table-overview")).to_contain_text("Gloucestershire Constabulary")

    page.get_by_text("Filter, sort and choose the interval").click()
    page.get_by_label("Region").select_option("South East")
    page.get_by_role("button", name="Update").click()
    overview = page.get_by_test_id("table-overview")
    expect(overview).to_contain_text("Kent Police")
    expect(overview).not_to_contain_text("Gloucestershire")

    page.get_by_role("link", name="Thames Valley Police").click()
    expect(page.get_by_role("heading", name="Thames Valley Police: crime recording")).to_be_visible()
    expect(page.get_by_test_id("table-changes")).to_contain_text("a statistically significant change")

    page.get_by_text("One table as a CSV file").click()
    with page.expect_download() as csv_download:
        page.get_by_test_id("csv-downloads").get_by_role("link", name="Recording rates across inspections").click()
    csv_path = tmp_path / "report.csv"
    csv_download.value.save_as(csv_path)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Category,Inspection,Published,Figure,Rate (%)")  # its header first
    assert "87.9" in text

    with page.expect_download() as zip_download:
        page.get_by_test_id("downloads").get_by_role("link", name="ZIP of CSV files").click()
    zip_path = tmp_path / "report.zip"
    zip_download.value.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        assert "README.txt" in archive.namelist() and len(archive.namelist()) > 3

    page.get_by_test_id("downloads").get_by_role("link", name="PDF report").click()  # made by a background job
    expect(page.get_by_test_id("job-done")).to_contain_text("The PDF is ready.")
    with page.expect_download() as pdf_download:
        page.get_by_test_id("job-download").click()
    pdf_path = tmp_path / "report.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")

    staff = new_page()
    sign_in(staff, "staff-glos")
    staff.goto("/reports/")
    expect(staff.get_by_test_id("table-overview")).to_contain_text("Gloucestershire Constabulary")
    expect(staff.get_by_test_id("table-overview")).not_to_contain_text("Thames Valley")
    assert staff.goto("/reports/forces/thames-valley/").status == 404
