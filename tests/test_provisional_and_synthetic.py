"""Published means frozen, items 5 and 6: provisional figures kept apart, synthetic figures labelled.

Walks every place figures are read (overview, force report, inspection report, their CSV/XLSX/PDF
exports, the API's results and published-results list) as each role, and checks that an unpublished
inspection's figures appear only on its own pages unless an inspector asks for ``?include=provisional``,
and then labelled on every row; and that figures from a synthetic sample say so everywhere.

PDFs are checked on their extracted text (pypdf).
"""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from audits.models import Inspection, PublishedResult
from reports.tables import PROVISIONAL_LINE
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, publish
from tests.pdf_download import fetch_pdf
from tests.report_files import zip_lines, zip_tables, zip_text

pytestmark = pytest.mark.django_db

PROVISIONAL = "Provisional — not published"

# Figures that only the unpublished inspections have: A's cases give 3 of 7 (42.9%), B's 4 of 13 (30.8%),
# and A's unpublished inspection has a report figure of 55.5% entered but not published.
A_OPEN_RATE, A_OPEN_COUNT = 42.9, "3 of 7"
B_OPEN_RATE, B_OPEN_COUNT = 30.8, "4 of 13"
A_OPEN_REPORT_RATE = 55.5
PROVISIONAL_NUMBERS = {A_OPEN_RATE, B_OPEN_RATE, A_OPEN_REPORT_RATE}
PROVISIONAL_TEXTS = (A_OPEN_COUNT, B_OPEN_COUNT, "(provisional)", "Provisional", "Unpublished")


# Helpers ------------------------------------------------------------------------------------------


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def audited(inspection, recorded, total, prefix):
    """One agreed case with ``total`` violence-with-injury crimes, ``recorded`` of them recorded."""
    case = CaseFactory(inspection=inspection, reference=f"{prefix}-0001", moderation_state="agreed")
    for number in range(total):
        if number < recorded:
            CrimeFactory(case=case)
        else:
            ErrorFactory(crime__case=case, kind="not_recorded")
    return case


def csv_rows(response):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_rows(response):
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [trimmed(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}


def trimmed(row):
    """A sheet row without the empty cells the widest row pads it with."""
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def pdf_text(response):
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def all_xlsx_rows(sheets):
    return [row for rows in sheets.values() for row in rows]


def number(cell):
    try:
        return float(cell)
    except (TypeError, ValueError):
        return None


def assert_no_provisional_cells(rows, where):
    """No cell holds an unpublished inspection's figure or a provisional label."""
    for row in rows:
        for cell in row:
            assert number(cell) not in PROVISIONAL_NUMBERS, f"{where}: provisional figure in {row}"
            text = "" if cell is None else str(cell)
            for marker in PROVISIONAL_TEXTS:
                assert marker not in text, f"{where}: {marker!r} in {row}"


def assert_no_provisional_text(text, where):
    for marker in (f"{A_OPEN_RATE}%", f"{B_OPEN_RATE}%", f"{A_OPEN_REPORT_RATE}%", A_OPEN_COUNT, B_OPEN_COUNT,
                   PROVISIONAL, "(provisional)", "Not published", "Unpublished"):
        assert marker not in text, f"{where}: {marker!r} found"


def assert_pdf_clean(text, where):
    # Every PDF ends with the method in full, which explains what provisional figures are: only the report's
    # own pages before it must not mention them.
    text = text[:text.rindex("Counting rules and methods")]
    for marker in (str(A_OPEN_RATE), str(B_OPEN_RATE), str(A_OPEN_REPORT_RATE), A_OPEN_COUNT, B_OPEN_COUNT,
                   "Provisional", "provisional", "Unpublished", "PROVISIONAL"):
        assert marker not in text, f"{where}: {marker!r} found in the PDF text"


def column(table_header, rows, name):
    index = table_header.index(name)
    return [row[index] for row in rows]


# The scene ----------------------------------------------------------------------------------------


@pytest.fixture
def scene(forces, people):
    """Force A: published 2021 (68.2%) and 2023 (71.3%) inspections from their reports, and an
    inspection in moderation whose cases give 3 of 7 (42.9%) with a report figure of 55.5% entered.
    Force B: a published inspection with real cases (5 of 6) and one in moderation at 4 of 13 (30.8%)."""
    a_2021 = InspectionFactory(force=forces.a, audit_period_start=date(2020, 1, 1), audit_period_end=date(2020, 6, 30))
    PublishedResult.objects.create(inspection=a_2021, category="all_crime", rate="68.20", interval="2.40")
    publish(a_2021, date(2021, 6, 1))
    a_2023 = InspectionFactory(force=forces.a, audit_period_start=date(2022, 1, 1), audit_period_end=date(2022, 6, 30))
    PublishedResult.objects.create(inspection=a_2023, category="all_crime", rate="71.30", interval="2.10")
    publish(a_2023, date(2023, 10, 1))
    a_open = InspectionFactory(force=forces.a, status="moderation")
    audited(a_open, 3, 7, "TVP-OPEN")
    PublishedResult.objects.create(inspection=a_open, category="all_crime", rate="55.50", interval="3.30")

    b_published = InspectionFactory(force=forces.b, audit_period_start=date(2022, 1, 1),
                                    audit_period_end=date(2022, 6, 30))
    audited(b_published, 5, 6, "GLO-PUB")
    publish(b_published, date(2023, 3, 1))
    b_open = InspectionFactory(force=forces.b, status="moderation")
    audited(b_open, 4, 13, "GLO-OPEN")
    return type("Scene", (), dict(forces=forces, people=people, a_2021=a_2021, a_2023=a_2023, a_open=a_open,
                                  b_published=b_published, b_open=b_open))


def readers(scene):
    """Everyone who reads reports without asking for provisional figures, and those for whom asking
    changes nothing."""
    return {"manager": scene.people.manager, "staff_a": scene.people.staff_a, "inspector": scene.people.inspector}


# 1. Without ?include=provisional, no provisional figure anywhere -------------------------------------


ASKS = {"include": "provisional"}


@pytest.mark.parametrize("role,query", [("manager", {}), ("staff_a", {}), ("inspector", {}),
                                        ("manager", ASKS), ("staff_a", ASKS)],
                         ids=["manager", "staff_a", "inspector", "manager-asks", "staff_a-asks"])
def test_provisional_figures_appear_nowhere_outside_their_own_pages(scene, client_for, role, query):
    """Managers and force staff asking ?include=provisional get published figures only; an inspector
    asking gets them (next test)."""
    client = client_for(readers(scene)[role])
    unpublished_links = [f'href="{reverse("reports:inspection", args=[i.pk])}"' for i in (scene.a_open, scene.b_open)]

    # National overview: page, and its CSV, XLSX and PDF.
    page = client.get(reverse("reports:overview"), query)
    assert page.status_code == 200
    content = page.content.decode()
    assert_no_provisional_text(content, "overview page")
    assert not any(link in content for link in unpublished_links)
    assert 'data-testid="provisional-tag"' not in content
    rows = page.context["table"].rows
    assert_no_provisional_cells(rows, "overview table")
    assert set(column(page.context["table"].header, rows, "Status")) == {"Published"}
    assert 71.3 in column(page.context["table"].header, rows, "Rate (%)")
    assert_no_provisional_cells(csv_rows(client.get(reverse("reports:overview_export", args=["csv"]), query)),
                                "overview CSV")
    assert_no_provisional_cells(all_xlsx_rows(xlsx_rows(
        client.get(reverse("reports:overview_export", args=["xlsx"]), query))), "overview XLSX")
    overview_pdf = pdf_text(fetch_pdf(client, reverse("reports:overview_export", args=["pdf"]), query))
    assert "71.3" in overview_pdf
    assert_pdf_clean(overview_pdf, "overview PDF")

    # Force A's report: trend and change tables, charts, and its exports.
    page = client.get(reverse("reports:force", args=[scene.forces.a.slug]), query)
    content = page.content.decode()
    assert_no_provisional_text(content, "force page")
    assert not any(link in content for link in unpublished_links)
    for report_table in page.context["tables"]:
        assert_no_provisional_cells(report_table.rows, f"force table {report_table.key}")
    trend = next(t for t in page.context["tables"] if t.key == "trend")
    assert [row[4] for row in trend.rows if row[0] == "All crime"] == [68.2, 71.3]
    assert set(column(trend.header, trend.rows, "Status")) == {"Published"}
    changes = next(t for t in page.context["tables"] if t.key == "changes")
    assert [(row[1], row[2]) for row in changes.rows] == [("June 2021", "October 2023")]
    for trend_item, chart in page.context["charts"]:
        if chart is None:  # one point: no trend yet
            continue
        assert all("provisional" not in mark["label"] for mark in chart["marks"])
        assert all(round(mark["rate"] * 100, 1) not in PROVISIONAL_NUMBERS for mark in chart["marks"])
    assert not page.context["provisional"]
    assert_no_provisional_cells(zip_lines(client.get(reverse("reports:force_export", args=["thames-valley", "zip"]),
                                                     query)), "force ZIP of CSVs")
    assert_no_provisional_cells(all_xlsx_rows(xlsx_rows(
        client.get(reverse("reports:force_export", args=["thames-valley", "xlsx"]), query))), "force XLSX")
    force_pdf = pdf_text(fetch_pdf(client, reverse("reports:force_export", args=["thames-valley", "pdf"]), query))
    assert "71.3" in force_pdf
    assert_pdf_clean(force_pdf, "force PDF")

    # The published inspection's own report and exports.
    page = client.get(reverse("reports:inspection", args=[scene.a_2023.pk]), query)
    assert 'data-testid="record-status"' in page.content.decode()
    assert_no_provisional_text(page.content.decode(), "published inspection page")
    assert_no_provisional_cells(zip_lines(
        client.get(reverse("reports:inspection_export", args=[scene.a_2023.pk, "zip"]), query)), "inspection ZIP")
    assert_pdf_clean(pdf_text(fetch_pdf(client, reverse("reports:inspection_export", args=[scene.a_2023.pk, "pdf"]),
                                        query)),
                     "inspection PDF")

    # The API: the published inspection's results, the unpublished one's (none), the published results list.
    api = api_as(readers(scene)[role])
    results = api.get(reverse("api:inspection-results", args=[scene.a_2023.pk]), query)
    assert results.status_code == 200
    assert all(r["provisional"] is False and r["version"] == 1 for r in results.json())
    assert api.get(reverse("api:inspection-results", args=[scene.a_open.pk]), query).status_code == 404
    listed = api.get(reverse("api:published-result-list"), query).json()["results"]
    assert {r["inspection"] for r in listed} == {scene.a_2021.pk, scene.a_2023.pk}
    assert all(r["rate"] != "55.50" and r.get("provisional") is False for r in listed)
    assert api.get(reverse("api:published-result-list"), {**query, "inspection_id": scene.a_open.pk}
                   ).json()["results"] == []


def test_force_b_results_stay_published_for_its_readers(scene, client_for):
    """Force B's unpublished 4 of 13 is in none of the manager's views, nor the API's."""
    api = api_as(scene.people.manager)
    results = {r["category"]: r for r in api.get(reverse("api:inspection-results",
                                                         args=[scene.b_published.pk])).json()}
    assert (results["all_crime"]["recorded"], results["all_crime"]["audited"]) == (5, 6)
    assert api.get(reverse("api:inspection-results", args=[scene.b_open.pk])).status_code == 404
    page = client_for(scene.people.manager).get(reverse("reports:force", args=[scene.forces.b.slug]))
    assert_no_provisional_text(page.content.decode(), "force B page")
    for report_table in page.context["tables"]:  # the latest with cases is the published one: 5 of 6
        assert_no_provisional_cells(report_table.rows, f"force B table {report_table.key}")
    csv_text = zip_text(client_for(scene.people.manager).get(
        reverse("reports:force_export", args=[scene.forces.b.slug, "zip"])))
    assert B_OPEN_COUNT not in csv_text and "30.8" not in csv_text


# 2. An inspector asking for them gets them, labelled on every row -----------------------------------


def test_an_inspector_asking_for_provisional_figures_gets_them_labelled_on_every_row(scene, client_for):
    client = client_for(scene.people.inspector)
    query = {"include": "provisional"}

    page = client.get(reverse("reports:overview"), query)
    overview = page.context["table"]
    by_force = {row[0]: dict(zip(overview.header, row)) for row in overview.rows}
    thames, glos = by_force["Thames Valley Police"], by_force["Gloucestershire Constabulary"]
    assert (thames["Rate (%)"], thames["Recorded of audited"], thames["Status"]) == (A_OPEN_RATE, A_OPEN_COUNT,
                                                                                     PROVISIONAL)
    assert (glos["Rate (%)"], glos["Recorded of audited"], glos["Status"]) == (B_OPEN_RATE, B_OPEN_COUNT, PROVISIONAL)
    content = page.content.decode()
    assert content.count('data-testid="provisional-tag"') == 2 and 'data-testid="provisional-banner"' in content

    zipped = client.get(reverse("reports:overview_export", args=["zip"]), query)
    assert [PROVISIONAL_LINE] in zip_lines(zipped)
    one_csv = client.get(reverse("reports:overview_export", args=["csv"]), query)
    assert one_csv["Content-Disposition"].endswith('-PROVISIONAL.csv"')
    for header, rows in (zip_tables(zipped)[overview.title], (csv_rows(one_csv)[0], csv_rows(one_csv)[1:])):
        assert {row[header.index("Recorded of audited")]: row[header.index("Status")] for row in rows} == {
            A_OPEN_COUNT: PROVISIONAL, B_OPEN_COUNT: PROVISIONAL}
    sheet = next(iter(xlsx_rows(client.get(reverse("reports:overview_export", args=["xlsx"]), query)).values()))
    assert [PROVISIONAL_LINE] in sheet
    xlsx_header = next(row for row in sheet if row and row[0] == "Force")
    provisional_rows = [row for row in sheet if row and row[0] in by_force]
    assert {row[xlsx_header.index("Status")] for row in provisional_rows} == {PROVISIONAL}
    overview_pdf = pdf_text(fetch_pdf(client, reverse("reports:overview_export", args=["pdf"]), query))
    assert str(A_OPEN_RATE) in overview_pdf and "Provisional" in overview_pdf and "PROVISIONAL" in overview_pdf

    page = client.get(reverse("reports:force", args=[scene.forces.a.slug]), query)
    tables = {t.key: t for t in page.context["tables"]}
    trend = [dict(zip(tables["trend"].header, row)) for row in tables["trend"].rows if row[0] == "All crime"]
    assert [(row["Rate (%)"], row["Status"]) for row in trend] == [
        (68.2, "Published"), (71.3, "Published"), (A_OPEN_RATE, PROVISIONAL)]
    changes = [dict(zip(tables["changes"].header, row)) for row in tables["changes"].rows if row[0] == "All crime"]
    assert [(row["To"], row["Status"]) for row in changes] == [
        ("October 2023", "Published"), ("Unpublished (provisional)", PROVISIONAL)]
    # The errors and unrecorded tables come from the latest inspection with cases: here the provisional one.
    assert page.context["latest"].inspection == scene.a_open
    for key in ("errors", "unrecorded"):
        assert PROVISIONAL in tables[key].title
    # A one-point series has no chart (it says there is no trend yet).
    chart_labels = [mark["label"] for trend_item, chart in page.context["charts"] if chart for mark in chart["marks"]]
    assert "Unpublished (provisional)" in chart_labels
    assert 'data-testid="provisional-banner"' in page.content.decode()
    zipped = client.get(reverse("reports:force_export", args=["thames-valley", "zip"]), query)
    assert [PROVISIONAL_LINE] in zip_lines(zipped)
    exported = zip_tables(zipped)
    header, rows = exported[tables["trend"].title]
    assert [row[header.index("Status")] for row in rows if row[0] == "All crime"] == [
        "Published", "Published", PROVISIONAL]
    assert any(PROVISIONAL in title for title in exported if title.startswith("Recording errors"))
    sheets = xlsx_rows(client.get(reverse("reports:force_export", args=["thames-valley", "xlsx"]), query))
    trend_sheet = sheets["Rates across inspections"]
    assert [PROVISIONAL_LINE] in trend_sheet
    status = tables["trend"].header.index("Status")
    assert any(len(row) > status and row[status] == PROVISIONAL for row in trend_sheet)
    force_pdf = pdf_text(fetch_pdf(client, reverse("reports:force_export", args=["thames-valley", "pdf"]), query))
    assert str(A_OPEN_RATE) in force_pdf and "Provisional" in force_pdf

    api = api_as(scene.people.inspector)
    results = api.get(reverse("api:inspection-results", args=[scene.a_open.pk]), query).json()
    assert results and all(r["provisional"] is True and r["version"] is None for r in results)
    assert {(r["recorded"], r["audited"]) for r in results if r["category"] == "all_crime"} == {(3, 7)}
    listed = api.get(reverse("api:published-result-list"), query).json()["results"]
    flags = {r["inspection"]: r["provisional"] for r in listed}
    assert flags == {scene.a_2021.pk: False, scene.a_2023.pk: False, scene.a_open.pk: True}


@pytest.mark.parametrize("role", ["manager", "staff_a", "manager_b", "staff_b"])
def test_only_inspectors_can_ask_for_provisional_figures(scene, client_for, role):
    user = getattr(scene.people, role)
    client = client_for(user)
    query = {"include": "provisional"}
    rows = client.get(reverse("reports:overview"), query).context["table"].rows
    assert rows and all(row[12] == "Published" for row in rows)
    assert_no_provisional_cells(rows, f"{role} overview")
    assert_no_provisional_cells(csv_rows(client.get(reverse("reports:overview_export", args=["csv"]), query)),
                                f"{role} overview CSV")
    api = api_as(user)
    assert api.get(reverse("api:inspection-results", args=[scene.b_open.pk]), query).status_code == 404
    assert all(not r["provisional"] for r in api.get(reverse("api:published-result-list"), query).json()["results"])


# 3. An unpublished inspection's own page ------------------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "staff_a", "manager"])
def test_unpublished_inspection_shows_its_provisional_figures_on_its_own_page(scene, client_for, role):
    client = client_for(getattr(scene.people, role))
    page = client.get(reverse("reports:inspection", args=[scene.a_open.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="provisional-banner"' in content and "Provisional — not published" in content
    assert f"{A_OPEN_COUNT}" in content
    categories = next(t for t in page.context["tables"] if t.key == "categories")
    assert categories.rows[0][:4] == ["All crime", 7, 3, A_OPEN_RATE]
    lines = zip_lines(client.get(reverse("reports:inspection_export", args=[scene.a_open.pk, "zip"])))
    assert [PROVISIONAL_LINE] in lines
    audits_page = client.get(reverse("audits:inspection", args=[scene.a_open.pk])).content.decode()
    assert 'data-testid="crimes-audited">7<' in audits_page and PROVISIONAL in audits_page


def test_published_inspections_audit_page_is_not_labelled_provisional(scene, client_for):
    page = client_for(scene.people.manager).get(reverse("audits:inspection", args=[scene.b_published.pk]))
    assert page.status_code == 200 and PROVISIONAL not in page.content.decode()


def test_other_forces_staff_cannot_see_an_unpublished_inspection(scene, client_for):
    client = client_for(scene.people.staff_b)
    assert client.get(reverse("reports:inspection", args=[scene.a_open.pk])).status_code == 404
    for fmt in ("csv", "zip"):
        assert client.get(reverse("reports:inspection_export", args=[scene.a_open.pk, fmt])).status_code == 404
    assert client.get(reverse("audits:inspection", args=[scene.a_open.pk])).status_code == 404
    assert api_as(scene.people.staff_b).get(reverse("api:inspection-results", args=[scene.a_open.pk]),
                                            {"include": "provisional"}).status_code == 404


# 4. Synthetic samples are labelled everywhere --------------------------------------------------------


@pytest.fixture
def synthetic(forces, people):
    """Force A's published inspection from a synthetic sample (6 of 8); force B's from real cases (5 of 6)."""
    made_up = InspectionFactory(force=forces.a, sample_is_synthetic=True)
    audited(made_up, 6, 8, "TVP-SYN")
    publish(made_up, date(2024, 10, 1))
    real = InspectionFactory(force=forces.b)
    audited(real, 5, 6, "GLO-REAL")
    publish(real, date(2024, 9, 1))
    return type("Synthetic", (), dict(forces=forces, people=people, made_up=made_up, real=real))


def synthetic_lines(lines):
    return [line for line in lines if line and line[0].startswith("SYNTHETIC DATA")]


def test_synthetic_figures_are_labelled_in_the_overview_and_its_exports(synthetic, client_for):
    client = client_for(synthetic.people.manager)
    page = client.get(reverse("reports:overview"))
    content = page.content.decode()
    assert content.count('data-testid="synthetic-tag"') == 1
    rows = {row[0]: dict(zip(page.context["table"].header, row)) for row in page.context["table"].rows}
    assert rows["Thames Valley Police"]["Sample"] == "Synthetic"
    assert rows["Gloucestershire Constabulary"]["Sample"] == "Audited cases"

    zipped = client.get(reverse("reports:overview_export", args=["zip"]))
    assert len(synthetic_lines(zip_lines(zipped))) == 1
    one_csv = client.get(reverse("reports:overview_export", args=["csv"]))
    assert one_csv["Content-Disposition"].endswith('-SYNTHETIC.csv"')
    for header, exported in (zip_tables(zipped)[page.context["table"].title],
                             (csv_rows(one_csv)[0], csv_rows(one_csv)[1:])):
        assert {row[0]: row[header.index("Sample")] for row in exported} == {
            "Thames Valley Police": "Synthetic", "Gloucestershire Constabulary": "Audited cases"}
    sheet = next(iter(xlsx_rows(client.get(reverse("reports:overview_export", args=["xlsx"]))).values()))
    assert str(sheet[1][0]).startswith("SYNTHETIC DATA")
    xlsx_header = next(row for row in sheet if row and row[0] == "Force")
    assert {row[0]: row[xlsx_header.index("Sample")] for row in sheet if row and row[0] in rows} == {
        "Thames Valley Police": "Synthetic", "Gloucestershire Constabulary": "Audited cases"}
    text = pdf_text(fetch_pdf(client, reverse("reports:overview_export", args=["pdf"])))
    assert "SYNTHETIC DATA" in text and "Synthetic" in text

    # Force B alone (its staff) has no synthetic figure: no label.
    staff_b = client_for(synthetic.people.staff_b)
    assert 'data-testid="synthetic-tag"' not in staff_b.get(reverse("reports:overview")).content.decode()
    lines = zip_lines(staff_b.get(reverse("reports:overview_export", args=["zip"])))
    assert not synthetic_lines(lines) and "Synthetic" not in str(lines)
    assert "Synthetic" not in str(csv_rows(staff_b.get(reverse("reports:overview_export", args=["csv"]))))


@pytest.mark.parametrize("report", ["force", "inspection"])
def test_synthetic_figures_are_labelled_in_every_report_and_export(synthetic, client_for, report):
    client = client_for(synthetic.people.inspector)

    def urls(inspection):
        if report == "force":
            slug = inspection.force.slug
            return reverse("reports:force", args=[slug]), lambda fmt: reverse("reports:force_export", args=[slug, fmt])
        return (reverse("reports:inspection", args=[inspection.pk]),
                lambda fmt: reverse("reports:inspection_export", args=[inspection.pk, fmt]))

    page_url, export_url = urls(synthetic.made_up)
    content = client.get(page_url).content.decode()
    assert 'data-testid="synthetic-banner"' in content
    zipped = client.get(export_url("zip"))
    lines = zip_lines(zipped)
    assert len(synthetic_lines(lines)) == 1
    sheets = xlsx_rows(client.get(export_url("xlsx")))
    assert all(any(row and str(row[0]).startswith("SYNTHETIC DATA") for row in rows) for rows in sheets.values())
    text = pdf_text(fetch_pdf(client, export_url("pdf")))
    assert "SYNTHETIC DATA" in text
    if report == "force":  # rows per inspection carry the Sample column
        header, rows = zip_tables(zipped)["Recording rates across inspections"]
        assert rows and {row[header.index("Sample")] for row in rows} == {"Synthetic"}
        trend = next(t for t in client.get(page_url).context["tables"] if t.key == "trend")
        assert {row[trend.header.index("Sample")] for row in trend.rows} == {"Synthetic"}
        assert "Synthetic" in text

    page_url, export_url = urls(synthetic.real)
    content = client.get(page_url).content.decode()
    assert 'data-testid="synthetic-banner"' not in content and 'data-testid="synthetic-tag"' not in content
    lines = zip_lines(client.get(export_url("zip")))
    assert not synthetic_lines(lines) and "Synthetic" not in str(lines)
    assert "Synthetic" not in str(xlsx_rows(client.get(export_url("xlsx"))))
    text = pdf_text(fetch_pdf(client, export_url("pdf")))
    text = text[:text.rindex("Counting rules and methods")]  # the method, at the end, explains synthetic figures
    assert "SYNTHETIC" not in text and "Synthetic" not in text


def test_synthetic_figures_are_labelled_in_the_api(synthetic):
    api = api_as(synthetic.people.manager)
    made_up = api.get(reverse("api:inspection-results", args=[synthetic.made_up.pk])).json()
    assert made_up and all(r["synthetic"] is True for r in made_up)
    real = api.get(reverse("api:inspection-results", args=[synthetic.real.pk])).json()
    assert real and all(r["synthetic"] is False for r in real)


def test_a_synthetic_flag_without_cases_is_not_a_synthetic_figure(forces, people, client_for):
    """Only figures computed from a synthetic sample are synthetic: a report-only inspection is not."""
    inspection = InspectionFactory(force=forces.a, sample_is_synthetic=True)
    PublishedResult.objects.create(inspection=inspection, category="all_crime", rate="71.30", interval="2.10")
    publish(inspection)
    row = client_for(people.manager).get(reverse("reports:overview")).context["table"].rows[0]
    assert row[-1] == "Report only"
    assert all(r["synthetic"] is False for r in api_as(people.manager).get(
        reverse("api:inspection-results", args=[inspection.pk])).json())


# 5. Setting sample_is_synthetic through the API -------------------------------------------------------


def test_an_inspector_can_mark_an_unpublished_sample_synthetic(scene):
    url = reverse("api:inspection-detail", args=[scene.a_open.pk])
    response = api_as(scene.people.inspector).patch(url, {"sample_is_synthetic": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["sample_is_synthetic"] is True
    scene.a_open.refresh_from_db()
    assert scene.a_open.sample_is_synthetic
    results = api_as(scene.people.inspector).get(reverse("api:inspection-results", args=[scene.a_open.pk]),
                                                 {"include": "provisional"}).json()
    assert all(r["synthetic"] and r["provisional"] for r in results)


def test_a_published_sample_cannot_be_marked_synthetic(scene):
    url = reverse("api:inspection-detail", args=[scene.b_published.pk])
    response = api_as(scene.people.inspector).patch(url, {"sample_is_synthetic": True}, format="json")
    assert response.status_code == 400
    assert "published" in str(response.json()) and "reopen" in str(response.json())
    scene.b_published.refresh_from_db()
    assert not scene.b_published.sample_is_synthetic
    assert scene.b_published.status == Inspection.Status.PUBLISHED
    assert not scene.b_published.result_versions.get().is_synthetic


@pytest.mark.parametrize("role", ["staff_a", "manager"])
def test_only_inspectors_can_mark_a_sample_synthetic(scene, role):
    url = reverse("api:inspection-detail", args=[scene.a_open.pk])
    response = api_as(getattr(scene.people, role)).patch(url, {"sample_is_synthetic": True}, format="json")
    assert response.status_code == 403
    scene.a_open.refresh_from_db()
    assert not scene.a_open.sample_is_synthetic
