"""Trend charts draw both figures of each inspection (issue 16, item 3): the published one, with its interval only
where the inspectorate published one, and the computed one with its 95% interval; told apart by line style and
marker shape (not colour alone) with a legend, described in text (<title> and <desc>), on one y-axis for every
chart of a report, on the signed-in force report, its PDF and the public force page."""

import io
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from audits.models import PublishedResult
from reports.publication import freeze_results
from tests.factories import InspectionFactory, publish
from tests.pdf_download import fetch_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_inspections(world):
    """Force A: a 2017 inspection published as 75.0% ± 2.00 (report only), and the world's inspection: its cases
    (2 of 3 recorded) and a published "2 of 3" with no interval."""
    earlier = InspectionFactory(force=world.forces.a, status="published", published_on=date(2017, 10, 1),
                                audit_period_start=date(2017, 1, 1), audit_period_end=date(2017, 6, 30))
    PublishedResult.objects.create(inspection=earlier, category="all_crime", rate="75.00", interval="2.00")
    publish(earlier)
    PublishedResult.objects.filter(pk=world.published.pk).update(rate="66.70", interval=None, recorded=2, audited=3)
    publish(world.inspection)
    return world


def all_crime_chart(page):
    return next(chart for trend, chart in page.context["charts"] if trend.category.key == "all_crime")


def svg(content, key):
    return re.search(rf'<svg[^>]*data-testid="chart-{key}".*?</svg>', content, re.S).group(0)


def test_the_chart_draws_published_and_computed_with_a_published_interval_only_where_published(two_inspections,
                                                                                             client_for):
    page = client_for(two_inspections.people.manager).get(reverse("reports:force", args=["thames-valley"]))
    chart = all_crime_chart(page)
    series = {line["key"]: line for line in chart["series"]}
    assert set(series) == {"published", "computed"}
    published = [(round(m["rate"], 3), m["top"] is not None) for m in series["published"]["marks"]]
    assert published == [(0.75, True), (0.667, False)]  # "2 of 3" was published without an interval: none drawn
    computed = series["computed"]["marks"]
    assert [round(m["rate"], 3) for m in computed] == [0.667] and computed[0]["top"] is not None
    assert series["published"]["dash"] == "" and series["computed"]["dash"]  # solid and dashed, not colour alone

    drawn = svg(page.content.decode(), "all_crime")
    published_group = re.search(r'<g data-series="published">(.*?)</g>', drawn, re.S).group(1)
    computed_group = re.search(r'<g data-series="computed">(.*?)</g>', drawn, re.S).group(1)
    assert published_group.count("<rect") == 2 and "<circle" not in published_group  # square markers
    assert computed_group.count("<circle") == 1 and "<rect" not in computed_group  # round markers
    assert published_group.count("<line") == 3  # one interval (a whisker and two caps): the one published
    legend = {key: re.search(rf'data-testid="legend-{key}">(.*?)</g>', drawn, re.S).group(1)
              for key in ("published", "computed")}
    assert "stroke-dasharray" not in legend["published"] + published_group and "stroke-dasharray" in legend["computed"]
    assert 'data-testid="legend-published"' in drawn and 'data-testid="legend-computed"' in drawn
    assert ">Published</text>" in drawn and ">Computed from audited cases</text>" in drawn
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", drawn, re.S).group(1)
    assert "published 75.0% (95% interval 73.0% to 77.0%), computed no audited cases" in desc
    assert "published 66.7% (no interval published), computed 66.7% (95% interval" in desc
    assert "solid line, square markers" in drawn and "dashed line, round markers" in drawn


def test_a_reports_charts_share_one_axis_with_both_series_in_it(two_inspections, client_for):
    PublishedResult.objects.create(inspection=two_inspections.inspection, category="violence_against_the_person",
                                   rate="95.00", interval="1.00")
    earlier = PublishedResult.objects.get(category="all_crime", rate="75.00").inspection
    PublishedResult.objects.create(inspection=earlier, category="violence_against_the_person", rate="96.00",
                                   interval="1.00")
    freeze_results(earlier, reason="Violence figures added")
    freeze_results(two_inspections.inspection, reason="Violence figures added")
    page = client_for(two_inspections.people.manager).get(reverse("reports:force", args=["thames-valley"]))
    drawn = [chart for _, chart in page.context["charts"] if chart]
    assert len(drawn) >= 2
    assert len({tuple(tick["label"] for tick in chart["ticks"]) for chart in drawn}) == 1
    # Violence's computed 1 of 2 (Wilson: from 9.5%) sets the bottom of every chart's axis, all crime's too (its
    # own figures, 2 of 3 from 20.8% and the published 66.7% and 75.0%, would start it at 20%).
    assert all_crime_chart(page)["ticks"][0]["label"] == "0%"


def test_the_pdf_draws_both_series_with_the_legend(two_inspections, client_for):
    response = fetch_pdf(client_for(two_inspections.people.manager),
                         reverse("reports:force_export", args=["thames-valley", "pdf"]))
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "Published" in text and "Computed from audited cases" in text


def test_the_public_page_draws_both_series(two_inspections):
    content = Client().get(reverse("reports:public_force", args=["thames-valley"])).content.decode()
    drawn = svg(content, "all_crime")
    assert 'data-series="published"' in drawn and 'data-series="computed"' in drawn
    assert "no interval published" in drawn and "Computed from audited cases" in drawn
