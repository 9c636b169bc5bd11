"""PDF reports (reports/pdf.py, WeasyPrint): each kind rendered through the real stack and read back with pypdf:
the cover, contents, tables, vector charts, the method section, and on every page the protective marking, the
date produced and "Page n of N"."""

import io
import re
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from audits.models import Inspection
from reports import pdf
from reports.guide import method_sections
from reports.results import COUNTING_RULE
from tests.factories import InspectionFactory, PublishedResultFactory, publish
from tests.pdf_download import fetch_pdf
from tests.test_reports import grow

pytestmark = pytest.mark.django_db

MARKING = "OFFICIAL-SENSITIVE"


def pages(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('.pdf"')
    reader = PdfReader(io.BytesIO(response.content))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


def assert_every_page_marked_and_numbered(texts):
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert text.count(MARKING) >= 2, (number, text[:200])  # top and bottom of the page
        assert f"Page {number} of {total}" in text, (number, text[-200:])
        assert re.search(r"Produced \d{1,2} \w+ \d{4} \d\d:\d\d", text), (number, text[-200:])


def assert_contents_and_method(texts, table_titles):
    contents = texts[1]
    assert contents.startswith(f"{MARKING} Contents") or "Contents" in contents
    for title in table_titles:
        assert title in contents, title
    assert "Counting rules and methods" in contents
    everything = " ".join(texts)
    assert "Counting rules and methods" in everything
    for section in method_sections():
        assert section.heading in everything, section.heading
    assert " ".join(COUNTING_RULE.split())[:80] in everything


def no_raster_images(reader):
    return all(not page.images for page in reader.pages)


@pytest.fixture
def published(world):
    inspection = world.inspection
    Inspection.objects.filter(pk=inspection.pk).update(
        audit_period_start=date(2023, 1, 1), audit_period_end=date(2023, 6, 30), published_on=date(2023, 10, 1))
    publish(Inspection.objects.get(pk=inspection.pk))
    return world


def test_inspection_pdf_has_a_cover_contents_tables_method_and_marks_every_page(published, client_for):
    client = client_for(published.people.manager)
    inspection = published.inspection
    page = client.get(reverse("reports:inspection", args=[inspection.pk]))
    reader, texts = pages(fetch_pdf(client, reverse("reports:inspection_export", args=[inspection.pk, "pdf"])))
    assert len(texts) == 10
    assert_every_page_marked_and_numbered(texts)
    cover = texts[0]
    title = page.context["figures"].title
    for expected in ("Crime data integrity", title, "Force Thames Valley Police", "Audit period 1 January 2023 to "
                     "30 June 2023", "Publication Published October 2023", "Produced"):
        assert expected in cover, expected
    assert "PROVISIONAL" not in cover
    assert_contents_and_method(texts, [table.title for table in page.context["tables"]])
    everything = " ".join(texts)
    # The headline summary, with the interval bars drawn as vectors (no raster image anywhere).
    assert "Summary" in texts[2] and "All crime" in texts[2] and "2 of 3 recorded" in everything
    assert no_raster_images(reader)
    assert "Withdrawal of support taken for AVI." in everything  # the incorrect cancellations table


def test_a_provisional_inspection_pdf_says_so_on_its_cover(world, client_for):
    client = client_for(world.people.inspector)
    reader, texts = pages(fetch_pdf(client, reverse("reports:inspection_export", args=[world.inspection.pk, "pdf"]),
                                     {"include": "provisional"}))
    assert_every_page_marked_and_numbered(texts)
    assert "Publication Provisional — not published" in texts[0]
    assert "PROVISIONAL — NOT PUBLISHED" in texts[0]
    assert re.search(r"Audit period \d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}", texts[0])


def test_force_pdf_draws_each_trend_chart_as_vectors(published, client_for):
    earlier = InspectionFactory(force=published.forces.a, status="published", published_on=date(2018, 2, 1),
                                audit_period_start=date(2017, 2, 1), audit_period_end=date(2017, 7, 31))
    PublishedResultFactory(inspection=earlier, category="all_crime", rate="80.40", interval="1.75")
    publish(earlier)  # two points: the all-crime trend is drawn
    client = client_for(published.people.manager)
    page = client.get(reverse("reports:force", args=["thames-valley"]))
    charts = page.context["charts"]
    assert charts
    reader, texts = pages(fetch_pdf(client, reverse("reports:force_export", args=["thames-valley", "pdf"])))
    assert len(texts) == 8
    assert_every_page_marked_and_numbered(texts)
    assert "Thames Valley Police: crime recording" in texts[0] and "Force Thames Valley Police (South East)" in texts[0]
    assert "Publication Published October 2023" in texts[0]
    assert_contents_and_method(texts, ["Trend charts", *[table.title for table in page.context["tables"]]])
    chart_page = next(text for text in texts[2:] if "Trend charts" in text[:40])
    # The charts' axis labels and points are text and paths in the PDF: vectors, not pictures.
    drawn = [(trend, chart) for trend, chart in charts if chart]  # a one-point series is "no trend yet", not drawn
    assert drawn
    for trend, chart in drawn:
        assert trend.category.label in chart_page
        assert all(mark["label"] in chart_page for mark in chart["marks"])
    assert "100%" in chart_page and "What “±” and the 95% interval mean" in chart_page
    assert no_raster_images(reader)
    content = reader.pages[texts.index(chart_page)].get_contents().get_data()
    assert content.count(b" l\n") + content.count(b" l ") > 10  # lines drawn: the grid, the trend, the bars


def test_overview_pdf_lists_each_force_with_its_interval(published, client_for):
    client = client_for(published.people.manager)
    reader, texts = pages(fetch_pdf(client, reverse("reports:overview_export", args=["pdf"])))
    assert len(texts) == 6
    assert_every_page_marked_and_numbered(texts)
    assert "National overview" in texts[0] and "Publication Published figures only" in texts[0]
    assert_contents_and_method(texts, ["Summary", "Latest recording rate per force (all crime)"])
    assert "Thames Valley Police" in texts[2] and "95% interval" in texts[2]
    assert no_raster_images(reader)


@pytest.mark.parametrize("name", ["overview", "force", "inspection"])
def test_pdf_reports_take_a_fixed_number_of_queries(world, client_for, name, monkeypatch):
    # A published record per force to start from (as the pages' own query-count test): the count must not grow.
    # Every query is made while the view and its template run; laying the HTML out as a PDF reads nothing (the
    # renderer fetches nothing, test_rendering_fetches_nothing), so it is skipped here: the tests above render.
    html = []
    monkeypatch.setattr(pdf, "HTML", lambda string, **kwargs: html.append(string) or SimpleNamespace(
        write_pdf=lambda **kwargs: b"%PDF-1.7 laid out by the tests above"))
    publish(world.inspection_b)
    publish(PublishedResultFactory(inspection=InspectionFactory(force=world.forces.a)).inspection)
    client = client_for(world.people.inspector)
    url = {"overview": reverse("reports:overview_export", args=["pdf"]),
           "force": reverse("reports:force_export", args=["thames-valley", "pdf"]),
           "inspection": reverse("reports:inspection_export", args=[world.inspection_b.pk, "pdf"])}[name]

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 302  # the job runs in the request: the immediate backend
        return len(queries)

    small = count()
    grow(world)
    assert count() == small
    assert len(html) == 2 and "<html" in html[-1]  # the report's HTML was built both times


def test_rendering_fetches_nothing():
    with pytest.raises(ValueError, match="fetches nothing"):
        pdf._refuse("https://example.org/logo.png")
    # A page that links a picture on the internet still renders, without it.
    content = pdf.render("reports/pdf/report.html", {
        "cover": pdf.Cover("T", "F", "I", "P", "Published"), "tables": []})
    assert content.startswith(b"%PDF")


def test_marking_and_footer_text_are_quoted_for_css():
    css = pdf.page_margins('A "quoted" \\ marking', "Produced today")
    assert '"A \\"quoted\\" \\\\ marking"' in css and 'counter(pages)' in css
