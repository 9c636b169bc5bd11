"""Reasons, not blanks (issue 16, item 4): every empty figure says why, on the page, in the exports and in the PDF
text: no audit period, no recorded-crime base for the period, category not audited (the sample has no crimes of
it), and sample too small (shown as "x of y" rather than "rate ± margin", by the normal-approximation rule)."""

import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audits.models import AuditedCrime, Inspection
from forces.models import RecordedCrimeVolume
from reports.statistics import SMALL_SAMPLE, joined_reasons, published_too_small_reason, sample_too_small_reason
from reports.tables import NO_CASES_REASON, NO_FLAG_REASON, NO_SAMPLE_REASON, WHY_COLUMN
from tests.factories import offence, publish
from tests.pdf_download import fetch_pdf
from tests.report_files import csv_rows, table_rows, zip_tables

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


def test_a_published_and_a_computed_small_sample_say_sample_too_small_once():
    published = published_too_small_reason(126, 138, has_interval=False)
    assert published_too_small_reason(126, 138, has_interval=True) == ""
    assert joined_reasons([published, sample_too_small_reason(126, 138), published, ""]) == (
        "Sample too small for a ± figure: published as “126 of 138” (fewer than 200 crimes audited) with no "
        "interval; 138 crimes audited, fewer than 200, so shown as “x of y” with an interval suited to small samples")
    assert joined_reasons([NO_CASES_REASON, sample_too_small_reason(2, 3)]).endswith(f"; {NO_CASES_REASON}")


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


# The public force page, the league tables and the trend and flags tables give the same reasons.

def test_public_force_page_and_its_csv_say_sample_too_small(world, report):
    page = Client().get(reverse("reports:public_force", args=[world.forces.a.slug]))
    said = re.search(r'data-testid="small-sample-reason">(.*?)</span>', page.content.decode()).group(1)
    assert said.startswith(TOO_SMALL)
    table = page.context["results_table"]
    row = next(row for row in table.rows if row[0] == "All crime")
    assert row[table.header.index(WHY_COLUMN)].startswith(TOO_SMALL)
    rows = csv_rows(Client().get(reverse("reports:public_force_csv", args=[world.forces.a.slug])))
    assert rows[0] == table.header
    assert next(r for r in rows if r[0] == "All crime")[rows[0].index(WHY_COLUMN)].startswith(TOO_SMALL)


@pytest.mark.parametrize("signed_in", [True, False], ids=["league", "public national table"])
def test_league_computed_figure_says_sample_too_small_on_the_page_and_in_its_csv(world, report, signed_in):
    client = report[0] if signed_in else Client()
    page_url, csv_url = (("reports:league", "reports:league_csv") if signed_in else ("reports:public", "reports:public_csv"))
    content = client.get(reverse(page_url)).content.decode()
    row = re.search(rf'data-testid="league-row-{world.forces.a.slug}">(.*?)</tr>', content, re.S).group(1)
    computed = re.search(r'data-testid="computed-reason">(.*?)</span>', row).group(1)
    assert computed == sample_too_small_reason(2, 3) and "2 of 3" in row
    rows = csv_rows(client.get(reverse(csv_url)))
    force = next(r for r in rows if r[1] == world.forces.a.name)
    assert TOO_SMALL in force[rows[0].index(WHY_COLUMN)]
    # A force with no figure keeps its reason in the same column.
    assert any(r[rows[0].index(WHY_COLUMN)] and not r[0] for r in rows[1:])


def test_trend_table_says_sample_too_small_on_the_page_and_in_every_export(world, report):
    client = report[0]
    slug = world.forces.a.slug
    page = client.get(reverse("reports:force", args=[slug]))
    trend = next(t for t in page.context["tables"] if t.key == "trend")
    row = next(row for row in trend.rows if row[0] == "All crime")
    assert row[trend.header.index(WHY_COLUMN)].startswith(TOO_SMALL)
    assert TOO_SMALL in re.search(r'data-testid="table-trend">(.*?)</table>', page.content.decode(), re.S).group(1)
    export = lambda fmt: reverse("reports:force_export", args=[slug, fmt])  # noqa: E731
    rows = table_rows(client, export("csv"), "trend")
    assert rows[0] == trend.header
    assert next(r for r in rows if r[0] == "All crime")[rows[0].index(WHY_COLUMN)].startswith(TOO_SMALL)
    header, zipped = zip_tables(client.get(export("zip")))[trend.title]
    assert next(r for r in zipped if r[0] == "All crime")[header.index(WHY_COLUMN)].startswith(TOO_SMALL)
    sheet = next(rows for rows in xlsx_cells(client.get(export("xlsx"))).values()
                 if any(r and WHY_COLUMN in r and "Inspection" in r for r in rows))
    header = next(r for r in sheet if r and WHY_COLUMN in r)
    assert next(r for r in sheet if r and r[0] == "All crime")[header.index(WHY_COLUMN)].startswith(TOO_SMALL)
    assert TOO_SMALL in pdf_text(fetch_pdf(client, export("pdf")))  # the force report's only table with this reason


def test_a_report_only_inspection_says_why_it_has_no_computed_figure_in_the_trend_table(world, client_for):
    AuditedCrime.objects.filter(case__inspection=world.inspection).delete()
    publish(world.inspection)
    client = client_for(world.people.manager)
    rows = table_rows(client, reverse("reports:force_export", args=[world.forces.a.slug, "csv"]), "trend")
    reasons = [r[rows[0].index(WHY_COLUMN)] for r in rows[1:]]
    assert reasons and all(NO_SAMPLE_REASON in reason for reason in reasons)


def test_flags_table_says_why_on_the_page_and_in_every_export(world, report):
    client, page, _, export = report
    flags = next(t for t in page.context["tables"] if t.key == "flags")
    why = {row[0]: row[flags.header.index(WHY_COLUMN)] for row in flags.rows}
    counts = {row[0]: row[1] for row in flags.rows}
    assert why and all((why[label] == NO_FLAG_REASON) == (counts[label] is None) for label in why)
    assert all(why[label].startswith("Sample too small") for label in why if counts[label])
    assert NO_FLAG_REASON in why.values()
    assert NO_FLAG_REASON in re.search(r'data-testid="table-flags">(.*?)</table>', page.content.decode(),
                                       re.S).group(1)
    rows = table_rows(client, export("csv"), "flags")
    assert rows[0] == flags.header and {r[0]: r[rows[0].index(WHY_COLUMN)] for r in rows[1:]} == why
    header, zipped = zip_tables(client.get(export("zip")))[flags.title]
    assert {r[0]: r[header.index(WHY_COLUMN)] for r in zipped} == why
    sheet = next(rows for rows in xlsx_cells(client.get(export("xlsx"))).values()
                 if any(r and r[0] == "Flag" for r in rows))
    header = next(r for r in sheet if r and r[0] == "Flag")
    assert {r[0]: r[header.index(WHY_COLUMN)] for r in sheet if r and r[0] in why} == why
    assert NO_FLAG_REASON in pdf_text(fetch_pdf(client, export("pdf")))
