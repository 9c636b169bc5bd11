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
