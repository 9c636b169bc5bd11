"""Exports people can use: one table to a CSV file, a ZIP of them, XLSX sheets named in whole words within
Excel's 31 characters, and labels in words. Each export is opened (csv, zipfile, openpyxl) and its headers
checked against the table the page shows."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.export_tables import SHEET_TITLES, short_title
from tests.factories import publish

pytestmark = pytest.mark.django_db


def read_csv(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def reports(world):
    publish(world.inspection_b)
    return {
        "overview": (reverse("reports:overview"), lambda fmt: reverse("reports:overview_export", args=[fmt])),
        "force": (reverse("reports:force", args=[world.forces.b.slug]),
                  lambda fmt: reverse("reports:force_export", args=[world.forces.b.slug, fmt])),
        "inspection": (reverse("reports:inspection", args=[world.inspection_b.pk]),
                       lambda fmt: reverse("reports:inspection_export", args=[world.inspection_b.pk, fmt])),
    }


def page_tables(response):
    return response.context["tables"] if "tables" in response.context else [response.context["table"]]


@pytest.mark.parametrize("kind", ["overview", "force", "inspection"])
def test_each_table_downloads_as_its_own_csv_with_its_header_first(world, client_for, reports, kind):
    client = client_for(world.people.manager)
    page_url, export_url = reports[kind]
    page = client.get(page_url)
    tables = page_tables(page)
    assert tables
    content = page.content.decode()
    for table in tables:
        url = f"{export_url('csv')}?table={table.key}"
        assert url.replace("&", "&amp;") in content  # offered on the page
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].endswith('.csv"')
        rows = read_csv(response.content)
        assert rows[0] == [str(cell) for cell in table.header]
        assert len(rows) == 1 + len(table.rows)
        assert all(len(row) == len(table.header) for row in rows)


@pytest.mark.parametrize("kind", ["overview", "force", "inspection"])
def test_the_zip_holds_a_csv_a_table_and_a_readme(world, client_for, reports, kind):
    client = client_for(world.people.manager)
    page_url, export_url = reports[kind]
    tables = page_tables(client.get(page_url))
    response = client.get(export_url("zip"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[0] == "README.txt" and len(names) == 1 + len(tables)
    readme = archive.read("README.txt").decode()
    for name, table in zip(names[1:], tables):
        assert name.endswith(".csv") and f"{name}: {table.title}" in readme
        rows = read_csv(archive.read(name))
        assert rows[0] == [str(cell) for cell in table.header] and len(rows) == 1 + len(table.rows)


@pytest.mark.parametrize("kind", ["overview", "force", "inspection"])
def test_sheet_names_are_whole_words_within_31_characters(world, client_for, reports, kind):
    client = client_for(world.people.manager)
    page_url, export_url = reports[kind]
    tables = page_tables(client.get(page_url))
    workbook = load_workbook(io.BytesIO(client.get(export_url("xlsx")).content))
    assert workbook.sheetnames == [SHEET_TITLES[table.key] for table in tables]
    for sheet, table in zip(workbook.worksheets, tables):
        assert len(sheet.title) <= 31
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert [str(cell) for cell in table.header] in [[str(cell) for cell in row] for row in rows]


def test_an_unknown_table_is_refused_with_the_tables_it_has(world, client_for, reports):
    _, export_url = reports["inspection"]
    response = client_for(world.people.manager).get(export_url("csv"), {"table": "nonsense"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "no table “nonsense”" in text and "categories (Recording rates computed from audited cases)" in text


def test_a_provisional_download_says_so_in_its_file_name(world, client_for):
    client = client_for(world.people.inspector)
    url = reverse("reports:inspection_export", args=[world.inspection.pk, "csv"])
    response = client.get(url, {"table": "categories", "include": "provisional"})
    assert response["Content-Disposition"].endswith('-recording-rates-PROVISIONAL.csv"')
    zipped = client.get(reverse("reports:inspection_export", args=[world.inspection.pk, "zip"]),
                        {"include": "provisional"})
    assert zipped["Content-Disposition"].endswith('-PROVISIONAL.zip"')
    assert "PROVISIONAL — NOT PUBLISHED" in zipfile.ZipFile(io.BytesIO(zipped.content)).read("README.txt").decode()


def test_findings_export_and_filter_are_labelled_in_words(world, client_for):
    client = client_for(world.people.manager)
    rows = read_csv(b"".join(client.get(reverse("recommendations:list_csv")).streaming_content))
    assert rows[0] == ["Force", "Inspection", "Reference", "Kind", "Part of", "Owner", "Timescale", "Due", "Status",
                       "Text"]
    page = client.get(reverse("recommendations:list")).content.decode()
    assert "Inspection force slug" not in page and 'for="id_force">Force</label>' in page


@pytest.mark.parametrize("text, expected", [
    ("Recording rates across inspections", "Recording rates across"),
    ("Short", "Short"),
    ("Grades under the CDI 2017 (four tiers) scheme", "Grades under the CDI 2017"),
    ("A" * 40, "A" * 31),  # one word longer than the limit: cut, nothing else to do
])
def test_short_titles_never_cut_a_word(text, expected):
    assert short_title(text) == expected and len(short_title(text)) <= 31


def test_every_sheet_title_fits():
    assert all(len(title) <= 31 for title in SHEET_TITLES.values())


@pytest.mark.parametrize("kind", ["force", "inspection"])
def test_an_old_link_to_the_stacked_csv_of_a_report_of_several_tables_goes_to_its_zip(world, client_for, reports,
                                                                                      kind):
    """``report.csv`` without ``?table=`` once stacked every table in one file; an old link now gets the ZIP, a
    clean CSV a table, with its query kept, and only the ZIP's request is recorded as an export."""
    from audits.models import AccessRecord

    client = client_for(world.people.manager)
    _, export_url = reports[kind]
    before = AccessRecord.objects.count()
    response = client.get(export_url("csv"), {"interval": "wilson"})
    assert response.status_code == 302 and response["Location"] == export_url("zip") + "?interval=wilson"
    assert AccessRecord.objects.count() == before
    followed = client.get(export_url("csv"), {"interval": "wilson"}, follow=True)
    assert followed["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(followed.content)).namelist()
    assert names[0] == "README.txt" and all(name.endswith(".csv") for name in names[1:]) and len(names) > 3


def test_the_overview_csv_is_its_one_table_with_or_without_naming_it(world, client_for, reports):
    client = client_for(world.people.manager)
    page_url, export_url = reports["overview"]
    table = page_tables(client.get(page_url))[0]
    plain, named = client.get(export_url("csv")), client.get(export_url("csv"), {"table": table.key})
    assert read_csv(plain.content) == read_csv(named.content)
    assert read_csv(plain.content)[0] == [str(cell) for cell in table.header]


@pytest.mark.parametrize("kind", ["overview", "force", "inspection"])
def test_no_page_offers_a_stacked_csv(world, client_for, reports, kind):
    """Every CSV link a report page offers names its table: no link to several tables in one file."""
    import re

    page_url, export_url = reports[kind]
    content = client_for(world.people.manager).get(page_url).content.decode()
    csv_links = re.findall(r'href="([^"]*\.csv[^"]*)"', content)
    assert csv_links and all("table=" in link for link in csv_links), csv_links
    assert "every table in one CSV file" not in content
