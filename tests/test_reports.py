"""Compliance reports: figures computed from cases, published beside them, trends, exports, scope."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audits.models import AuditedCrime, PublishedResult
from forces.models import Force, RecordedCrimeVolume
from reports.results import TIMELINESS_RULE, results_for
from reports.statistics import IntervalMethod
from tests.factories import (
    CaseFactory,
    CrimeFactory,
    ErrorFactory,
    InspectionFactory,
    PublishedResultFactory,
    offence,
    publish,
)
from tests.pdf_download import fetch_pdf
from tests.report_files import zip_readme, zip_rows

pytestmark = pytest.mark.django_db


def csv_lines(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def xlsx_cells(response):
    workbook = load_workbook(io.BytesIO(response.content))
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook}


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def test_inspection_report_counts_category_rates_by_the_stated_rule(world, client_for):
    response = client_for(world.people.staff_a).get(reverse("reports:inspection", args=[world.inspection.pk]))
    rows = {row[0]: row for row in table(response, "categories").rows}
    # 3 crimes: violence recorded; rape recorded as another sexual offence; violence not recorded.
    assert rows["All crime"][1:4] == [3, 2, 66.7]
    assert rows["Rape"][1:4] == [1, 0, 0.0]
    assert rows["Sexual offences"][1:4] == [1, 1, 100.0]
    assert rows["Violence against the person"][1:4] == [2, 1, 50.0]
    assert "a rape recorded as another sexual offence is an unrecorded rape" in response.content.decode()


def test_wrongly_cancelled_crimes_do_not_count_as_recorded_and_late_ones_lower_timeliness(world, client_for):
    case = CaseFactory(inspection=world.inspection)
    CrimeFactory(case=case, cancellation_code="C2")
    ErrorFactory(crime=case.crimes.get(), kind="wrongly_cancelled")
    late = CrimeFactory(case=case, recorded_at=case.reported_at + __import__("datetime").timedelta(hours=30))
    ErrorFactory(crime=late, kind="recorded_late")
    response = client_for(world.people.inspector).get(reverse("reports:inspection", args=[world.inspection.pk]))
    all_crime = table(response, "categories").rows[0]
    assert all_crime[1:3] == [5, 3]
    assert all_crime[7] == 75.0  # 3 of 4 recorded crimes with times were recorded within 24 hours


def test_interval_method_can_be_chosen(world, client_for):
    client = client_for(world.people.manager)
    url = reverse("reports:inspection", args=[world.inspection.pk])
    normal = table(client.get(url), "categories").rows[0]
    wilson = table(client.get(url, {"interval": "wilson"}), "categories").rows[0]
    exact = table(client.get(url, {"interval": "clopper_pearson"}), "categories").rows[0]
    assert normal[3] == wilson[3] == exact[3]
    assert len({normal[5], wilson[5], exact[5]}) == 3
    assert "Wilson score interval" in client.get(url, {"interval": "wilson"}).content.decode()


def test_flags_are_shown_as_x_of_y(world, client_for):
    AuditedCrime.objects.filter(case=world.case).update(domestic_abuse=True)  # both of its victims
    response = client_for(world.people.manager).get(reverse("reports:inspection", args=[world.inspection.pk]))
    flags = {row[0]: row[1] for row in table(response, "flags").rows}
    assert flags["Domestic abuse"] == "2 of 3" and flags["Modern slavery"] is None


def test_unrecorded_estimate_uses_the_volume_to_the_end_of_the_audit_period(world, client_for):
    RecordedCrimeVolume.objects.create(force=world.forces.a, period_end=date(2024, 6, 30), category="all_crime",
                                       count=120_000, source="test")
    RecordedCrimeVolume.objects.create(force=world.forces.a, period_end=date(2023, 12, 31), category="all_crime",
                                       count=1, source="too early")
    client = client_for(world.people.manager)
    url = reverse("reports:inspection", args=[world.inspection.pk])
    rows = table(client.get(url), "unrecorded").rows
    assert rows[0] == ["All crime", "30/06/2024", 120_000, 66.7, 60_000, rows[0][5], rows[0][6], "over 60,000", None]
    assert rows[0][5] < 60_000 < rows[0][6]
    # The other categories are listed with the reason they have no estimate, never left out or blank.
    assert {row[0]: row[8] for row in rows[1:]} == {
        "Violence against the person": "No recorded-crime figure for the 12 months to the end of the audit period",
        "Sexual offences": "No recorded-crime figure for the 12 months to the end of the audit period",
        "Rape": "No recorded-crime figure for the 12 months to the end of the audit period"}
    share = table(client.get(url, {"extrapolation": "share_of_recorded"}), "unrecorded")
    assert share.rows[0][4] == 40_000 and "R × (1 − p)" in share.note


def test_published_figures_show_beside_computed_with_the_difference(world, client_for):
    response = client_for(world.people.manager).get(reverse("reports:inspection", args=[world.inspection.pk]))
    row = table(response, "computed_vs_published").rows[0]
    assert row[0] == "All crime" and row[1] == 66.7 and row[3] == 80.4 and row[5] == pytest.approx(-13.73, abs=0.01)


def test_force_report_shows_trend_and_states_significance(world, client_for):
    earlier = InspectionFactory(force=world.forces.a, status="published", published_on=date(2018, 2, 1),
                                audit_period_start=date(2017, 2, 1), audit_period_end=date(2017, 7, 31))
    PublishedResult.objects.create(inspection=earlier, category="all_crime", rate="80.40", interval="1.75")
    publish(earlier)
    publish(world.inspection, date(2024, 10, 1))
    response = client_for(world.people.staff_a).get(reverse("reports:force", args=["thames-valley"]))
    trend = [row for row in table(response, "trend").rows if row[0] == "All crime"]
    assert [(row[3], row[4]) for row in trend] == [("published", 80.4), ("computed", 66.7)]
    change = next(row for row in table(response, "changes").rows if row[0] == "All crime")
    assert change[5] == "No" and "not statistically significant" in change[6]
    assert "<svg" in response.content.decode() and "shaded 95% interval" in response.content.decode()


def test_national_overview_latest_per_force_filters_sort_and_overlap_note(world, client_for):
    for slug, rate in [("kent", "96.60"), ("cumbria", "93.40"), ("essex", "95.80")]:
        inspection = InspectionFactory(force=Force.objects.get(slug=slug), status="published",
                                       published_on=date(2019, 5, 1), grade="outstanding")
        PublishedResult.objects.create(inspection=inspection, category="all_crime", rate=rate, interval="1.50")
        publish(inspection)
    publish(world.inspection)
    publish(world.inspection_b)
    client = client_for(world.people.manager)
    response = client.get(reverse("reports:overview"))
    forces_in_order = [row[0] for row in response.context["table"].rows]
    # Gloucestershire's one audited crime was recorded: 100%, computed.
    assert forces_in_order[:4] == ["Gloucestershire Constabulary", "Kent Police", "Essex Police",
                                   "Cumbria Constabulary"]
    assert "Thames Valley Police" in forces_in_order and "Gloucestershire Constabulary" in forces_in_order
    assert "neighbouring pairs of forces overlap" in response.content.decode()
    south_east = client.get(reverse("reports:overview"), {"region": "South East"}).context["table"].rows
    assert [row[0] for row in south_east] == ["Kent Police", "Thames Valley Police"]
    outstanding = client.get(reverse("reports:overview"), {"grade": "outstanding", "sort": "force"}).context["table"]
    assert [row[0] for row in outstanding.rows] == ["Cumbria Constabulary", "Essex Police", "Kent Police"]
    assert client.get(reverse("reports:overview"), {"year": "2019", "kind": "cdi"}).context["table"].rows
    bad = client.get(reverse("reports:overview"), {"year": "nineteen"})
    assert "Enter a number." in bad.content.decode() and not bad.context["table"].rows


def test_force_staff_see_only_their_force_in_every_report_and_export(world, client_for):
    publish(world.inspection)
    publish(world.inspection_b)
    client = client_for(world.people.staff_b)
    rows = client.get(reverse("reports:overview")).context["table"].rows
    assert [row[0] for row in rows] == ["Gloucestershire Constabulary"]
    for fmt in ("csv", "xlsx", "pdf"):
        url = reverse("reports:overview_export", args=[fmt])
        response = fetch_pdf(client, url) if fmt == "pdf" else client.get(url)
        assert response.status_code == 200
        if fmt == "csv":
            assert "Thames Valley" not in response.content.decode("utf-8-sig")
        if fmt == "xlsx":
            assert "Thames Valley" not in str(xlsx_cells(response))


def test_exports_carry_filters_and_escape_formulas(world, client_for):
    Force.objects.filter(pk=world.forces.a.pk).update(name="=cmd|' /C calc'!A0")
    publish(world.inspection)
    client = client_for(world.people.manager)
    zipped = client.get(reverse("reports:overview_export", args=["zip"]), {"region": "South East"})
    assert zip_readme(zipped).splitlines()[0] == "Filters: Region: South East"
    for lines in (zip_rows(zipped), csv_lines(client.get(reverse("reports:overview_export", args=["csv"]),
                                                         {"region": "South East"}))):
        assert any(line and line[0] == "'=cmd|' /C calc'!A0" for line in lines)
    sheets = xlsx_cells(client.get(reverse("reports:inspection_export", args=[world.inspection.pk, "xlsx"])))
    assert set(sheets) >= {"Recording rates", "Unrecorded estimate"}  # whole words, never cut mid-word
    assert any("'=cmd" in str(row[0]) for rows in sheets.values() for row in rows if row and row[0])
    pdf = fetch_pdf(client, reverse("reports:inspection_export", args=[world.inspection.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    force_pdf = fetch_pdf(client, reverse("reports:force_export", args=["thames-valley", "pdf"]))
    assert force_pdf.content.startswith(b"%PDF")
    assert client.get(reverse("reports:force_export", args=["thames-valley", "docx"])).status_code == 404


def grow(world, cases=25):
    for n in range(cases):
        case = CaseFactory(inspection=world.inspection, reference=f"TVP-R-{n:04d}")
        CrimeFactory(case=case, expected_offence=offence("Rape"), recorded_offence=offence("Rape"),
                     domestic_abuse=n % 2 == 0)
        ErrorFactory(crime__case=case, crime__domestic_abuse=n % 2 == 0, kind="n100_misused")
    other = InspectionFactory(force=world.forces.a, status="published", published_on=date(2020, 1, 1))
    PublishedResult.objects.create(inspection=other, category="all_crime", rate="85.00", interval="1.80")
    publish(other)
    for slug in ("kent", "essex", "durham"):
        inspection = InspectionFactory(force=Force.objects.get(slug=slug), published_on=date(2019, 1, 1))
        PublishedResult.objects.create(inspection=inspection, category="all_crime", rate="90.00", interval="1.60")
        CrimeFactory(case__inspection=inspection)
        publish(inspection)


REPORT_URLS = {
    "overview": lambda w: reverse("reports:overview"),
    "overview.csv": lambda w: reverse("reports:overview_export", args=["csv"]),
    "overview.xlsx": lambda w: reverse("reports:overview_export", args=["xlsx"]),
    "force": lambda w: reverse("reports:force", args=["thames-valley"]),
    "force.csv": lambda w: reverse("reports:force_export", args=["thames-valley", "csv"]) + "?table=trend",
    "force.zip": lambda w: reverse("reports:force_export", args=["thames-valley", "zip"]),
    "force.pdf": lambda w: reverse("reports:force_export", args=["thames-valley", "pdf"]),
    "inspection": lambda w: reverse("reports:inspection", args=[w.inspection.pk]),
    "inspection.xlsx": lambda w: reverse("reports:inspection_export", args=[w.inspection.pk, "xlsx"]),
    "inspection.pdf": lambda w: reverse("reports:inspection_export", args=[w.inspection.pk, "pdf"]),
    "prc_upload": lambda w: reverse("forces:prc_upload"),
}


@pytest.mark.parametrize("name", sorted(REPORT_URLS))
def test_report_pages_and_exports_use_a_fixed_number_of_queries(world, client_for, name):
    # A published record per force to start from: the counts must not grow with more.
    publish(world.inspection_b)
    publish(PublishedResultFactory(inspection=InspectionFactory(force=world.forces.a)).inspection)
    client = client_for(world.people.inspector)
    url = REPORT_URLS[name](world)

    def count():
        with CaptureQueriesContext(connection) as queries:
            # A PDF is made by a background job (the immediate backend: in this request), then its page.
            assert client.get(url).status_code == (302 if name.endswith(".pdf") else 200)
        return len(queries)

    small = count()
    grow(world)
    assert count() == small


def test_category_timeliness_counts_only_crimes_recorded_in_that_category(forces):
    inspection = InspectionFactory(force=forces.a)
    case = CaseFactory(inspection=inspection)
    # A rape recorded late (30 hours) and as another sexual offence: no rape was recorded at all.
    CrimeFactory(case=case, expected_offence=offence("Rape"), recorded_offence=offence("Other sexual offences"),
                 recorded_at=case.reported_at + timedelta(hours=30))
    groups = results_for([inspection.pk])[inspection.pk].groups
    assert (groups["rape"].recorded, groups["rape"].timed, groups["rape"].timeliness) == (0, 0, None)
    assert groups["sexual_offences"].timeliness == 0.0
    assert groups["all_crime"].timeliness == 0.0
    assert "only crimes recorded in that category" in TIMELINESS_RULE


def test_group_results_offer_the_headline_estimate_by_the_normal_approximation_rule(world):
    groups = results_for([world.inspection.pk])[world.inspection.pk].groups
    all_crime = groups["all_crime"]  # 2 of 3
    assert all_crime.estimate.method is IntervalMethod.NORMAL
    assert all_crime.headline.method is IntervalMethod.WILSON
    assert all_crime.headline.description == "Wilson score interval"
    assert groups["rape"].headline.description == "Clopper–Pearson exact one-sided 95% upper bound"  # 0 of 1
