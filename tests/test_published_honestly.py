"""Published and computed side by side, honestly labelled, and reasons instead of blanks, on the demo (the real
published results of audits/data/published_cdi_results.csv with the demo's audited samples), through the real
pages: the public force pages, the league table and the signed-in force and inspection reports."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import Inspection
from reports.tables import published_way
from tests.conftest import signed_in

# One worker runs the whole module, so that its demo (module-scoped, tests/conftest.py demo_data) is loaded once
# rather than once on each worker that is given one of its tests (pytest.ini: --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-published")]


@pytest.fixture
def manager(demo_data):
    from django.contrib.auth import get_user_model

    return signed_in(get_user_model().objects.get(username="manager"))


def _page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response


def test_gloucestershire_shows_the_published_figure_beside_the_computed_one(demo_data, manager):
    text = _page(Client(), reverse("reports:public_force", args=["gloucestershire"])).content.decode()
    assert "as published 81.6% ± 1.88; computed 372 of 454 (81.9% ± 3.54)" in text
    response = _page(manager, reverse("reports:force", args=["gloucestershire"]))
    trend = next(table for table in response.context["tables"] if table.key == "trend")
    row = next(row for row in trend.rows if row[0] == "All crime")
    assert row[trend.header.index("As published")] == "81.6% ± 1.88"
    assert row[trend.header.index("Computed from audited cases")] == "81.9% ± 3.54 (372 of 454)"


def test_kents_62_of_63_rape_figure_has_no_published_interval(demo_data, manager):
    text = _page(Client(), reverse("reports:public_force", args=["kent"])).content.decode()
    assert "as published 62 of 63 (98.4%);" in text
    kent = Inspection.objects.get(force__slug="kent", kind="cdi_reinspection")
    response = _page(manager, reverse("reports:inspection", args=[kent.pk]))
    comparison = next(table for table in response.context["tables"] if table.key == "computed_vs_published")
    rape = next(row for row in comparison.rows if row[0] == "Rape")
    assert rape[comparison.header.index("Published rate (%)")] == 98.4
    assert rape[comparison.header.index("Published ± (points)")] is None  # never 3.09
    league = _page(manager, reverse("reports:league"), category="rape", group="picked",
                   forces=["kent", "gloucestershire"]).content.decode()
    row = re.search(r'data-testid="league-row-kent">(.*?)</tr>', league, re.S).group(1)
    assert "no interval published" in row and "computed from the published counts" in row
    assert not re.search(r"±\s*\d", row)  # no "± 3.09": only the reason's words "a ± figure"
    assert 'data-testid="published-reason">Sample too small for a ± figure: published as “62 of 63”' in row


def test_unrecorded_estimates_are_printed_the_published_way_with_the_exact_figure_beside(demo_data, manager):
    assert published_way(35_299.7) == "over 35,200" and published_way(35_200) == "over 35,200"
    assert published_way(99.6) == "100" and published_way(None) is None
    text = _page(Client(), reverse("reports:public_force", args=["gloucestershire"])).content.decode()
    assert re.search(r'<span title="Exactly 7715">over 7,700</span> crimes a year estimated unrecorded \(the report '
                     r'said over 7,900\)', text)
    response = _page(manager, reverse("reports:force", args=["gloucestershire"]))
    unrecorded = next(table for table in response.context["tables"] if table.key == "unrecorded")
    row = next(row for row in unrecorded.rows if row[0] == "All crime")
    assert row[unrecorded.header.index("Estimate")] == 7715
    assert row[unrecorded.header.index("As reports print it")] == "over 7,700"


def test_an_empty_estimate_says_why(demo_data, manager):
    reinspection = Inspection.objects.get(force__slug="kent", kind="cdi_reinspection")
    assert reinspection.audit_period_end is None
    response = _page(manager, reverse("reports:inspection", args=[reinspection.pk]))
    unrecorded = next(table for table in response.context["tables"] if table.key == "unrecorded")
    reasons = {row[0]: row[unrecorded.header.index("Why no estimate")] for row in unrecorded.rows}
    no_period = "No audit period recorded, so no recorded-crime base to estimate from"
    assert reasons == {"All crime": no_period, "Violence against the person": "No recording rate for this category",
                       "Sexual offences": "No recording rate for this category", "Rape": no_period}
    text = _page(Client(), reverse("reports:public_force", args=["kent"])).content.decode()
    assert "No estimate: no audit period recorded, so no recorded-crime base to estimate from." in text
    assert "No estimate: no recording rate for this category." in text


def test_a_category_not_published_says_so(demo_data):
    # Cheshire: two published inspections, neither with a sexual offences figure (Kent's demo has a synthetic one,
    # set against its own audits).
    text = _page(Client(), reverse("reports:public_force", args=["cheshire"])).content.decode()
    assert "No published inspection of this force has a sexual offences figure." in text
    table = _page(Client(), reverse("reports:public"), category="sexual_offences").content.decode()
    row = re.search(r'data-testid="league-row-cheshire">(.*?)</tr>', table, re.S).group(1)
    assert "published no sexual offences figure" in row
    row = re.search(r'data-testid="league-row-surrey">(.*?)</tr>', table, re.S).group(1)
    assert "No published inspection" in row


def test_a_single_point_is_no_trend_and_a_reports_charts_share_one_axis(demo_data, manager):
    glos = _page(Client(), reverse("reports:public_force", args=["gloucestershire"])).content.decode()
    assert glos.count("One published figure so far: no trend yet.") == 4 and "<svg" not in glos
    signed = _page(manager, reverse("reports:force", args=["gloucestershire"])).content.decode()
    assert 'data-testid="no-trend-all_crime"' in signed and "One figure so far: no trend yet." in signed
    thames = _page(Client(), reverse("reports:public_force", args=["thames-valley"])).content.decode()
    charts = re.findall(r"<svg.*?</svg>", thames, re.S)
    assert len(charts) == 4
    axes = {tuple(re.findall(r'dominant-baseline="middle"[^>]*>(\d+%)</text>', chart)) for chart in charts}
    assert len(axes) == 1, axes  # the same ticks on every chart
    signed = _page(manager, reverse("reports:force", args=["thames-valley"])).content.decode()
    axes = {tuple(re.findall(r'dominant-baseline="middle"[^>]*>(\d+%)</text>', chart))
            for chart in re.findall(r"<svg.*?</svg>", signed, re.S) if "app-chart" in chart}
    assert len(axes) == 1, axes
