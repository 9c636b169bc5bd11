"""Reasons, not blanks (issue 16, item 4): every empty figure says why, on the page, in the exports and in the PDF
text: no audit period, no recorded-crime base for the period, category not audited (the sample has no crimes of
it), and sample too small (shown as "x of y" rather than "rate ± margin", by the normal-approximation rule)."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.models import AuditedCrime, Inspection
from forces.models import RecordedCrimeVolume
from reports.statistics import SMALL_SAMPLE, sample_too_small_reason
from reports.tables import NO_CASES_REASON, WHY_COLUMN
from tests.factories import offence, publish
from tests.pdf_download import fetch_pdf
from tests.report_files import table_rows

pytestmark = pytest.mark.django_db

NO_PERIOD = "No audit period recorded, so no recorded-crime base to estimate from"
NO_BASE = "No recorded-crime figure for the 12 months to the end of the audit period"
TOO_SMALL = f"Sample too small for a ± figure: 3 crimes audited, fewer than {SMALL_SAMPLE}"


def pdf_text(response):
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return " ".join(text.split())  # lines wrapped anywhere: compare words, not line breaks


def xlsx_cells(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [[cell for cell in row] for row in sheet.iter_rows(values_only=True)] for sheet in workbook}


def test_the_sample_too_small_rule_in_words():
    assert sample_too_small_reason(150, 200) == "" and sample_too_small_reason(0, 0) == ""
    assert sample_too_small_reason(2, 3).startswith(TOO_SMALL)
    assert sample_too_small_reason(295, 300) == ("Sample too small for a ± figure: only 5 of the 300 audited crimes "
                                                 "not recorded (fewer than 10), so shown as “x of y” with an interval "
                                                 "suited to small samples")
    assert "only 4 of the 300 audited crimes recorded" in sample_too_small_reason(4, 300)


def make_report(world, client_for, *, audit_period=True):
    """Force A's inspection (3 crimes audited, 2 recorded, none a sexual offence), published, with a recorded-crime volume for all crime
    only; without an audit period when ``audit_period`` is false."""
    RecordedCrimeVolume.objects.create(force=world.forces.a, period_end=date(2024, 6, 30), category="all_crime",
                                       count=120_000, source="test")
    # No sexual offence in the sample: the misclassified crime becomes a violent one, recorded as another.
    AuditedCrime.objects.filter(pk=world.misclassified.pk).update(
        expected_offence=offence("Violence with injury"), recorded_offence=offence("Violence without injury"))
    if not audit_period:
        Inspection.objects.filter(pk=world.inspection.pk).update(audit_period_start=None, audit_period_end=None)
        world.inspection.refresh_from_db()
    publish(world.inspection)
    client = client_for(world.people.manager)
    page = client.get(reverse("reports:inspection", args=[world.inspection.pk]))
    categories = next(t for t in page.context["tables"] if t.key == "categories")
    empty = next(row[0] for row in categories.rows if row[1] == 0)  # a category the sample has no crimes of
    export = lambda fmt: reverse("reports:inspection_export", args=[world.inspection.pk, fmt])  # noqa: E731
    return client, page, empty, export


@pytest.fixture
def report(world, client_for):
    return make_report(world, client_for)


def test_sample_too_small_and_category_not_audited_on_the_page(report):
    _, page, empty, _ = report
    content = page.content.decode()
    small = re.search(r'data-testid="reason-all_crime">(.*?)</span>', content).group(1)
    assert small.startswith(TOO_SMALL) and "“x of y”" in small
    key = next(r.group.key for r in page.context["figures"].results.categories if r.group.label == empty)
    assert re.search(rf'data-testid="reason-{key}">(.*?)</span>', content).group(1) == NO_CASES_REASON
    assert "No crimes audited" not in content  # the old bare phrase
    categories = next(t for t in page.context["tables"] if t.key == "categories")
    why = {row[0]: row[categories.header.index(WHY_COLUMN)] for row in categories.rows}
    assert why["All crime"].startswith(TOO_SMALL) and why[empty] == NO_CASES_REASON


def test_each_reason_in_the_csv_and_xlsx_exports(report):
    client, _, empty, export = report
    rows = table_rows(client, export("csv"), "categories")
    why = {row[0]: row[rows[0].index(WHY_COLUMN)] for row in rows[1:]}
    assert why["All crime"].startswith(TOO_SMALL) and why[empty] == NO_CASES_REASON
    unrecorded = table_rows(client, export("csv"), "unrecorded")
    reasons = {row[0]: row[unrecorded[0].index("Why no estimate")] for row in unrecorded[1:]}
    assert reasons[empty] == NO_CASES_REASON
    assert NO_BASE in reasons.values()  # a category with a rate but no recorded-crime volume
    sheets = xlsx_cells(client.get(export("xlsx")))
    rates = sheets["Recording rates"]
    header = next(row for row in rates if row and row[0] == "Category")
    by_label = {row[0]: row[header.index(WHY_COLUMN)] for row in rates if row and row[0] in why}
    assert by_label["All crime"].startswith(TOO_SMALL) and by_label[empty] == NO_CASES_REASON
    assert NO_BASE in str(sheets["Unrecorded estimate"])


def test_each_reason_in_the_pdf_text(report):
    client, _, empty, export = report
    text = pdf_text(fetch_pdf(client, export("pdf")))
    assert TOO_SMALL in text and NO_CASES_REASON in text and NO_BASE in text


def test_no_audit_period_says_so_on_the_page_the_exports_and_the_pdf(world, client_for):
    client, page, _, export = make_report(world, client_for, audit_period=False)
    unrecorded = next(t for t in page.context["tables"] if t.key == "unrecorded")
    reasons = {row[0]: row[unrecorded.header.index("Why no estimate")] for row in unrecorded.rows}
    assert reasons["All crime"] == NO_PERIOD
    assert NO_PERIOD in page.content.decode()
    rows = table_rows(client, export("csv"), "unrecorded")
    assert {row[0]: row[rows[0].index("Why no estimate")] for row in rows[1:]}["All crime"] == NO_PERIOD
    assert NO_PERIOD in str(xlsx_cells(client.get(export("xlsx")))["Unrecorded estimate"])
    text = pdf_text(fetch_pdf(client, export("pdf")))
    assert NO_PERIOD in text and "No audit period recorded" in text  # the table's reason and the cover's


def test_overview_says_sample_too_small_on_the_page_and_in_its_exports(report):
    client = report[0]
    page = client.get(reverse("reports:overview"))
    assert 'data-testid="small-sample">(sample too small for ±)<' in page.content.decode()
    table = page.context["table"]
    rows = table_rows(client, reverse("reports:overview_export", args=["csv"]), "overview")
    assert rows[0] == table.header
    thames = next(row for row in rows if row[0] == "Thames Valley Police")
    assert thames[rows[0].index(WHY_COLUMN)].startswith(TOO_SMALL)
    text = pdf_text(fetch_pdf(client, reverse("reports:overview_export", args=["pdf"])))
    assert "(sample too small for ±)" in text and TOO_SMALL in text
