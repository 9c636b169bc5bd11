"""Grades per question under the inspection's scheme, grades revised after publication, and titles from the
inspection's own year (never the publication date)."""

import importlib
import io
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from audits import services
from audits.grading import GradeLine, Question, scheme_for, year_for, year_in_report_address
from audits.models import GradeRevision, Inspection, OffenceSubgroup
from audits.services.published_data import PUBLISHED_CSV, load_published_results
from reports.models import (
    FrozenAdditionalEstimate,
    FrozenCancellationResult,
    FrozenGrade,
    FrozenIncorrectCancellation,
    FrozenScope,
    ResultVersion,
)
from tests.factories import InspectionFactory, PublishedResultFactory, publish
from tests.report_files import table_rows, zip_readme

pytestmark = pytest.mark.django_db

REASON = "The inspectorate applied its January 2017 criteria to the published findings."


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def inspection_2016(forces, **extra):
    """Staffordshire-like: audited in 2015/16, published in August 2016, so graded under CDI 2016."""
    return InspectionFactory(force=forces.a, audit_period_start=date(2015, 10, 1), audit_period_end=date(2016, 3, 31),
                             **extra)


def published_2016(forces, **grades):
    inspection = inspection_2016(forces, published_on=date(2016, 8, 25), grade="requires_improvement", **grades)
    PublishedResultFactory(inspection=inspection, rate="90.60", interval="1.90")
    return publish(inspection)


def report_page(client, inspection, **params):
    return client.get(reverse("reports:inspection", args=[inspection.pk]), params)


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def grade_cells(response):
    return {row[0]: row[1] for row in table(response, "grades").rows}


# The scheme decides which grades exist ----------------------------------------------------------------


def test_an_inspection_takes_its_scheme_and_year_from_its_dates_when_not_given(forces):
    assert inspection_2016(forces, published_on=date(2016, 8, 25)).grading_scheme == "cdi_2016"
    # Published after HMIC's January 2017 review: the revised criteria, whatever the audit period.
    assert inspection_2016(forces, published_on=date(2017, 2, 1)).grading_scheme == "cdi_2017"
    unpublished = inspection_2016(forces)
    assert (unpublished.grading_scheme, unpublished.year) == ("cdi_2016", 2016)
    planned_now = InspectionFactory(force=forces.a, audit_period_start=None, audit_period_end=None)
    assert (planned_now.grading_scheme, planned_now.year) == ("peel_2021", None)
    by_fieldwork = InspectionFactory(force=forces.a, audit_period_start=None, audit_period_end=None,
                                     fieldwork_start=date(2019, 11, 4))
    assert (by_fieldwork.grading_scheme, by_fieldwork.year) == ("cdi_2017", 2019)
    given = InspectionFactory(force=forces.a, year=2023, grading_scheme="cdi_2017")
    assert (given.grading_scheme, given.year) == ("cdi_2017", 2023)


def test_adequate_is_refused_on_a_2016_inspection_by_the_service_and_nothing_is_written(world):
    before = Inspection.objects.count()
    new = Inspection(force=world.forces.a, kind="cdi", audit_period_start=date(2015, 10, 1),
                     audit_period_end=date(2016, 3, 31), grade="adequate")
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=new, by=world.people.inspector)
    message = refused.value.message_dict["grade"][0]
    assert "“Adequate” is not a grade of the CDI 2016 scheme" in message
    assert "whose grades are outstanding, good, requires improvement and inadequate." in message
    assert "Only the five-tier PEEL 2021/22 scheme has “Adequate”" in message
    assert Inspection.objects.count() == before

    existing = inspection_2016(world.forces)
    existing.systems_grade = "adequate"
    with pytest.raises(ValidationError, match="CDI 2016") as refused:
        services.inspection_save(inspection=existing, by=world.people.inspector)
    assert set(refused.value.message_dict) == {"systems_grade"}
    assert Inspection.objects.get(pk=existing.pk).systems_grade == ""


def test_adequate_is_refused_in_the_admin_and_nothing_is_written(world, client_for):
    before = Inspection.objects.count()
    response = client_for(world.people.inspector).post(reverse("admin:audits_inspection_add"), {
        "force": world.forces.a.pk, "kind": "cdi", "audit_period_start": "01/10/2015",
        "audit_period_end": "31/03/2016", "grading_scheme": "", "grade": "good",
        "effectiveness_grade": "adequate", "published_results-TOTAL_FORMS": "0",
        "published_results-INITIAL_FORMS": "0", "cancellation_reviews-TOTAL_FORMS": "0",
        "cancellation_reviews-INITIAL_FORMS": "0"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "“Adequate” is not a grade of the CDI 2016 scheme" in errors["effectiveness_grade"][0]
    assert Inspection.objects.count() == before


def test_adequate_is_refused_by_the_api_and_nothing_is_written(world):
    client = api(world.people.inspector)
    before = Inspection.objects.count()
    response = client.post(reverse("api:inspection-list"), {
        "force": "thames-valley", "kind": "cdi", "audit_period_start": "2015-10-01", "audit_period_end": "2016-03-31",
        "grading_scheme": "cdi_2016", "grade": "adequate"}, format="json")
    assert response.status_code == 400
    assert "not a grade of the CDI 2016 scheme" in response.json()["grade"][0]
    assert Inspection.objects.count() == before

    existing = inspection_2016(world.forces, published_on=date(2017, 3, 1))  # CDI 2017: still four tiers
    response = client.patch(reverse("api:inspection-detail", args=[existing.pk]),
                            {"leadership_grade": "adequate", "notes": "changed"}, format="json")
    assert response.status_code == 400
    assert "not a grade of the CDI 2017 scheme" in response.json()["leadership_grade"][0]
    stored = Inspection.objects.get(pk=existing.pk)
    assert (stored.leadership_grade, stored.notes) == ("", "")


def test_an_unknown_grade_or_scheme_is_refused_with_the_field_named(world):
    new = Inspection(force=world.forces.a, kind="cdi", audit_period_end=date(2016, 3, 31), grade="excellent",
                     grading_scheme="cdi_2099")
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=new, by=world.people.inspector)
    assert {"grade", "grading_scheme"} <= set(refused.value.message_dict)
    assert new.pk is None


def test_the_database_refuses_adequate_outside_the_five_tier_scheme(forces):
    inspection = inspection_2016(forces)
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=inspection.pk).update(grade="adequate")
    with pytest.raises(IntegrityError), transaction.atomic():
        Inspection.objects.filter(pk=inspection.pk).update(grading_scheme="")
    assert Inspection.objects.filter(pk=inspection.pk, grade="", grading_scheme="cdi_2016").exists()


def test_adequate_is_accepted_under_peel_2021(world):
    new = Inspection(force=world.forces.a, kind="peel_victim_service", audit_period_start=date(2022, 1, 1),
                     audit_period_end=date(2022, 6, 30), grade="adequate", effectiveness_grade="adequate")
    services.inspection_save(inspection=new, by=world.people.inspector)
    assert Inspection.objects.get(pk=new.pk).grading_scheme == "peel_2021"
    response = api(world.people.inspector).patch(reverse("api:inspection-detail", args=[new.pk]),
                                                 {"systems_grade": "adequate"}, format="json")
    assert response.status_code == 200
    assert response.json()["grading_scheme"] == "peel_2021"
    stored = Inspection.objects.get(pk=new.pk)
    assert (stored.grade, stored.effectiveness_grade, stored.systems_grade) == ("adequate",) * 3


# Per-question grades on the report, its exports and the force report -----------------------------------


def test_question_grades_are_saved_and_shown_on_the_report_page_and_its_exports(world, client_for):
    response = api(world.people.inspector).patch(reverse("api:inspection-detail", args=[world.inspection.pk]), {
        "grade": "requires_improvement", "effectiveness_grade": "inadequate", "systems_grade": "adequate",
        "leadership_grade": "good"}, format="json")
    assert response.status_code == 200, response.content
    publish(world.inspection)
    client = client_for(world.people.staff_a)
    page = report_page(client, world.inspection)
    assert grade_cells(page) == {
        "Overall grade": "Requires improvement",
        Question.EFFECTIVENESS.label: "Inadequate",
        Question.SYSTEMS.label: "Adequate",
        Question.LEADERSHIP.label: "Good",
    }
    assert "Grades under the PEEL 2021/22 scheme" in page.content.decode()
    assert "Grading scheme: PEEL 2021/22 (five tiers)." in page.content.decode()
    exported = table_rows(client, reverse("reports:inspection_export", args=[world.inspection.pk, "csv"]), "grades")
    assert ["How effective is the force at recording reported crime?", "Inadequate"] in exported
    assert ["Overall grade", "Requires improvement"] in exported
    workbook = load_workbook(io.BytesIO(client.get(
        reverse("reports:inspection_export", args=[world.inspection.pk, "xlsx"])).content))
    sheet = next(sheet for sheet in workbook if sheet.title.startswith("Grades"))
    assert (Question.LEADERSHIP.label, "Good") in [tuple(row) for row in sheet.iter_rows(values_only=True)]

    force_page = client.get(reverse("reports:force", args=[world.forces.a.slug]))
    row = next(row for row in force_page.context["grades_table"].rows)
    assert row[:7] == ["Crime data integrity inspection 2024", "October 2024", "PEEL 2021/22 (five tiers)",
                       "Requires improvement", "Inadequate", "Adequate", "Good"]
    assert 'data-testid="table-grades"' in force_page.content.decode()
    force_grades = table_rows(client, reverse("reports:force_export", args=[world.forces.a.slug, "csv"]), "grades")
    assert "Systems and processes" in force_grades[0] and force_grades[1][:4] == row[:4]
    assert "Grades by inspection" in zip_readme(client.get(reverse("reports:force_export",
                                                                   args=[world.forces.a.slug, "zip"])))

    overview = client_for(world.people.manager).get(reverse("reports:overview"))
    assert [row[4] for row in overview.context["table"].rows if row[0] == "Thames Valley Police"] == [
        "Requires improvement"]


def test_the_inspection_page_shows_the_scheme_and_every_grade(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(grade="good", systems_grade="requires_improvement")
    page = client_for(world.people.staff_a).get(world.inspection.get_absolute_url()).content.decode()
    assert 'data-testid="grading-scheme">PEEL 2021/22 (five tiers)<' in page
    assert 'data-testid="grade-overall">Good<' in page
    assert 'data-testid="grade-systems">Requires improvement<' in page
    assert 'data-testid="grade-leadership">Not graded<' in page


# Published grades are frozen; a revision keeps what was published -------------------------------------


def test_published_grades_are_frozen_and_version_1_keeps_them_after_a_reopen(world, client_for):
    Inspection.objects.filter(pk=world.inspection.pk).update(grade="inadequate", leadership_grade="good")
    inspection = publish(world.inspection)
    inspection.grade = "good"
    with pytest.raises(ValidationError, match="overall grade cannot change"):
        services.inspection_save(inspection=inspection, by=world.people.inspector)
    assert Inspection.objects.get(pk=inspection.pk).grade == "inadequate"

    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason="Grades reconsidered.")
    reopened = Inspection.objects.get(pk=inspection.pk)
    reopened.grade, reopened.leadership_grade = "requires_improvement", "outstanding"
    services.inspection_save(inspection=reopened, by=world.people.inspector)
    client = client_for(world.people.staff_a)
    for page in (report_page(client, inspection), report_page(client, inspection, version=1)):
        assert grade_cells(page)[Question.OVERALL.label] == "Inadequate"
        assert grade_cells(page)[Question.LEADERSHIP.label] == "Good"
    assert list(FrozenGrade.objects.filter(version__inspection=inspection).values_list("question", "grade")) == [
        ("overall", "inadequate"), ("leadership", "good")]


def test_a_revision_keeps_the_original_grade_with_date_and_reason_and_the_report_shows_both(world, client_for):
    inspection = published_2016(world.forces)
    revisions = services.inspection_revise_grades(
        inspection=inspection, grades={"overall": "good", "systems": "requires_improvement"},
        revised_on=date(2017, 2, 9), reason=REASON, by=world.people.inspector)
    assert [(r.question, r.previous_grade, r.grade, r.revised_on, r.reason, r.recorded_by) for r in revisions] == [
        ("overall", "requires_improvement", "good", date(2017, 2, 9), REASON, world.people.inspector),
        ("systems", "", "requires_improvement", date(2017, 2, 9), REASON, world.people.inspector)]
    stored = Inspection.objects.get(pk=inspection.pk)
    assert (stored.grade, stored.systems_grade, stored.status) == ("good", "requires_improvement", "published")

    client = client_for(world.people.staff_a)
    page = report_page(client, inspection)
    both = f"Good (revised on 09/02/2017 from requires improvement: {REASON})"
    assert grade_cells(page)[Question.OVERALL.label] == both
    assert grade_cells(page)[Question.SYSTEMS.label] == (
        f"Requires improvement (graded on 09/02/2017, after publication: {REASON})")
    assert "Grades revised on 09/02/2017 (overall: requires improvement → good" in page.content.decode()
    first = report_page(client, inspection, version=1)
    assert grade_cells(first)[Question.OVERALL.label] == "Requires improvement"
    assert grade_cells(first)[Question.SYSTEMS.label] == "Not graded"

    versions = list(ResultVersion.objects.filter(inspection=inspection).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].frozen_by == world.people.inspector
    assert list(versions[1].published.values_list("category", "rate")) == list(
        versions[0].published.values_list("category", "rate"))
    exported = table_rows(client, reverse("reports:inspection_export", args=[inspection.pk, "csv"]), "grades")
    assert [Question.OVERALL.label, both] in exported
    overview = client_for(world.people.manager).get(reverse("reports:overview"))
    assert "Good (revised from requires improvement)" in [row[4] for row in overview.context["table"].rows]
    inspection_page = client.get(inspection.get_absolute_url()).content.decode()
    assert f'data-testid="grade-overall">{both}<' in inspection_page
    detail = api(world.people.staff_a).get(reverse("api:inspection-detail", args=[inspection.pk])).json()
    assert detail["grade"] == "good" and detail["grade_revisions"][0]["previous_grade"] == "requires_improvement"


def test_a_revision_copies_the_published_figures_rather_than_recomputing_them(world):
    Inspection.objects.filter(pk=world.inspection.pk).update(grade="inadequate")
    inspection = publish(world.inspection)
    # Reference data changes after publication: recomputing would move the rape figures.
    OffenceSubgroup.objects.filter(name="Other sexual offences").update(category="rape")
    services.inspection_revise_grades(inspection=inspection, grades={"overall": "requires_improvement"},
                                      revised_on=date(2024, 11, 1), reason=REASON, by=world.people.inspector)
    first, second = ResultVersion.objects.filter(inspection=inspection).order_by("number")

    def rows(version):
        return (list(version.computed.order_by("group").values_list("group", "audited", "recorded", "bounds")),
                list(version.unrecorded.values_list("category", "central")))

    assert rows(second) == rows(first)
    assert second.computed.get(group="rape").recorded == 0


@pytest.mark.parametrize("grades,revised_on,reason,field,message", [
    ({"overall": "adequate"}, date(2017, 2, 9), REASON, "overall",
     "“Adequate” is not a grade of the CDI 2016 scheme"),
    ({"overall": "good"}, date(2016, 8, 1), REASON, "revised_on",
     "A grade is revised after publication: give a date on or after 25/08/2016."),
    ({"overall": "good"}, date(2999, 1, 1), REASON, "revised_on", "cannot be in the future"),
    ({"overall": "good"}, None, REASON, "revised_on", "Give the date the grade was revised."),
    ({"overall": "good"}, date(2017, 2, 9), "   ", "reason", "Say why the grade was revised."),
    ({"overall": ""}, date(2017, 2, 9), REASON, "overall", "cannot become ungraded"),
    ({"overall_grade": "good"}, date(2017, 2, 9), REASON, "overall_grade", "Not a graded question"),
    ({"overall": "excellent"}, date(2017, 2, 9), REASON, "overall", "Not a grade: excellent."),
    ({"overall": "requires_improvement"}, date(2017, 2, 9), REASON, "__all__", "Nothing to revise"),
])
def test_a_bad_revision_is_refused_and_nothing_is_written(world, grades, revised_on, reason, field, message):
    inspection = published_2016(world.forces)
    with pytest.raises(ValidationError) as refused:
        services.inspection_revise_grades(inspection=inspection, grades=grades, revised_on=revised_on,
                                          reason=reason, by=world.people.inspector)
    errors = refused.value.message_dict if hasattr(refused.value, "error_dict") else {"__all__": refused.value.messages}
    assert message in " ".join(errors[field])
    assert not GradeRevision.objects.exists()
    assert Inspection.objects.get(pk=inspection.pk).grade == "requires_improvement"
    assert ResultVersion.objects.filter(inspection=inspection).count() == 1


def test_only_an_inspector_revises_and_only_a_published_grade(world):
    inspection = published_2016(world.forces)
    with pytest.raises(ValidationError, match="Only inspectors"):
        services.inspection_revise_grades(inspection=inspection, grades={"overall": "good"},
                                          revised_on=date(2017, 2, 9), reason=REASON, by=world.people.staff_a)
    with pytest.raises(ValidationError, match="Only a published grade is revised"):
        services.inspection_revise_grades(inspection=world.inspection, grades={"overall": "good"},
                                          revised_on=date(2024, 11, 1), reason=REASON, by=world.people.inspector)
    assert not GradeRevision.objects.exists()
    assert Inspection.objects.get(pk=world.inspection.pk).grade == ""


def test_the_admin_revises_a_published_grade_and_explains_a_refusal(world, client_for):
    inspection = published_2016(world.forces)
    client = client_for(world.people.inspector)
    change = client.get(reverse("admin:audits_inspection_change", args=[inspection.pk]))
    url = reverse("admin:audits_inspection_revise_grades", args=[inspection.pk])
    assert url in change.content.decode()
    assert not {"grade", "year", "grading_scheme"} & set(change.context["adminform"].form.fields)
    form = client.get(url).context["form"]
    assert form.fields["overall"].initial == "requires_improvement" and form.fields["systems"].initial == ""

    data = {"overall": "adequate", "effectiveness": "", "systems": "", "leadership": "", "revised_on": "09/02/2017",
            "reason": REASON}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "not a grade of the CDI 2016 scheme" in refused.context["form"].errors["overall"][0]
    assert not GradeRevision.objects.exists() and Inspection.objects.get(pk=inspection.pk).grade == "requires_improvement"

    done = client.post(url, {**data, "overall": "good", "effectiveness": "good"})
    assert done.status_code == 302 and done["Location"].endswith(f"/{inspection.pk}/change/")
    assert list(GradeRevision.objects.values_list("question", "previous_grade", "grade")) == [
        ("overall", "requires_improvement", "good"), ("effectiveness", "", "good")]
    summary = client.get(reverse("admin:audits_inspection_change", args=[inspection.pk])).content.decode()
    assert "Good (revised on 09/02/2017 from requires improvement" in summary


def test_the_admin_sends_an_unpublished_inspection_back_to_its_own_grades(world, client_for):
    client = client_for(world.people.inspector)
    response = client.get(reverse("admin:audits_inspection_revise_grades", args=[world.inspection.pk]), follow=True)
    assert "Only a published grade is revised" in response.content.decode()
    assert not GradeRevision.objects.exists()


def test_grade_revisions_are_scoped_to_their_force(world):
    revision_a = GradeRevision.objects.create(inspection=world.inspection, question="overall", grade="good",
                                              revised_on=date(2024, 11, 1), reason=REASON,
                                              recorded_by=world.people.inspector)
    revision_b = GradeRevision.objects.create(inspection=world.inspection_b, question="overall", grade="good",
                                              revised_on=date(2024, 11, 1), reason=REASON,
                                              recorded_by=world.people.inspector)
    assert set(GradeRevision.objects.for_user(world.people.staff_b)) == {revision_b}
    assert set(GradeRevision.objects.for_user(world.people.staff_a)) == {revision_a}
    assert set(GradeRevision.objects.for_user(world.people.manager)) == {revision_a, revision_b}


# The published reference data ----------------------------------------------------------------------------


def test_the_loader_loads_the_overall_grade_with_its_scheme_and_the_report_year(db):
    load_published_results()
    tvp = Inspection.objects.get(force__slug="thames-valley", kind="cdi")
    assert (tvp.grade, tvp.grading_scheme, tvp.year, tvp.published_on) == (
        "inadequate", "cdi_2017", 2017, date(2018, 2, 1))
    assert str(tvp) == "Thames Valley Police crime data integrity inspection 2017"
    # Cambridgeshire's audit period ended in 2016; HMICFRS titled the report 2017.
    assert Inspection.objects.get(force__slug="cambridgeshire").year == 2017
    # A news item about the re-inspection has no year in its address: the publication year.
    assert Inspection.objects.get(force__slug="thames-valley", kind="cdi_reinspection").year == 2019
    version = ResultVersion.objects.get(inspection=tvp)
    assert (version.year, version.grading_scheme) == (2017, "cdi_2017")
    assert list(version.grades.values_list("question", "grade")) == [("overall", "inadequate")]


def test_the_loader_refuses_a_grade_its_scheme_does_not_have_and_writes_nothing(db, tmp_path):
    with open(PUBLISHED_CSV, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    header, first = lines[0], lines[1].replace(",requires_improvement,", ",adequate,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([header, lines[2], first]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="avon-and-somerset published 2017-02: “Adequate” is not a grade of the CDI 2017 scheme"):
        load_published_results(bad, by_source_path=None)
    assert not Inspection.objects.exists()


# Titles from the inspection's own year -------------------------------------------------------------------


def test_the_title_uses_the_stored_year_not_the_publication_date(world, client_for):
    inspection = InspectionFactory(force=world.forces.a, status="moderation", published_on=date(2026, 3, 2))
    PublishedResultFactory(inspection=inspection)
    services.inspection_change_status(inspection=inspection, status="published", by=world.people.inspector)
    inspection.refresh_from_db()
    assert inspection.year == 2024
    title = "Thames Valley Police crime data integrity inspection 2024"
    assert str(inspection) == inspection.title == title
    client = client_for(world.people.staff_a)
    page = report_page(client, inspection).content.decode()
    assert f'data-testid="report-title">{title}: report<' in page and "Published March 2026" in page
    assert "2026" not in page.split('data-testid="report-title"')[1].split("<")[0]
    assert f'data-testid="inspection-title">{title}<' in client.get(inspection.get_absolute_url()).content.decode()
    readme = zip_readme(client.get(reverse("reports:inspection_export", args=[inspection.pk, "zip"])))
    assert readme.splitlines()[0] == title
    overview = client.get(reverse("reports:overview")).context["table"]
    assert [row[2] for row in overview.rows if row[0] == "Thames Valley Police"] == [
        "Crime data integrity inspection 2024"]
    assert api(world.people.staff_a).get(reverse("api:inspection-detail", args=[inspection.pk])).json()["title"] == title

    given = InspectionFactory(force=world.forces.a, year=2023, kind="cdi_reinspection")
    assert str(given) == "Thames Valley Police crime data integrity re-inspection 2023"
    peel = InspectionFactory(force=world.forces.a, kind="peel_victim_service")
    assert str(peel) == "Thames Valley Police PEEL victim service assessment 2024"


def test_the_year_cannot_change_while_published_and_version_1_keeps_it(world, client_for):
    inspection = publish(InspectionFactory(force=world.forces.a, status="moderation"))
    inspection.year = 2025
    with pytest.raises(ValidationError) as refused:
        services.inspection_save(inspection=inspection, by=world.people.inspector)
    assert refused.value.message_dict == {"year": [
        "The inspection is published, so its year cannot change. An inspector must reopen it first."]}
    response = api(world.people.inspector).patch(reverse("api:inspection-detail", args=[inspection.pk]),
                                                 {"year": 2025}, format="json")
    assert response.status_code == 400 and "year cannot change" in response.json()["year"][0]
    assert Inspection.objects.get(pk=inspection.pk).year == 2024

    services.inspection_change_status(inspection=inspection, status="moderation", by=world.people.inspector,
                                      reason="Wrong year.")
    assert api(world.people.inspector).patch(reverse("api:inspection-detail", args=[inspection.pk]),
                                             {"year": 2025}, format="json").status_code == 200
    client = client_for(world.people.staff_a)
    assert report_page(client, inspection, version=1).context["figures"].title.endswith("inspection 2024")


def test_an_inspection_without_a_year_cannot_be_published(world):
    inspection = InspectionFactory(force=world.forces.a, status="moderation", audit_period_start=None,
                                   audit_period_end=None)
    with pytest.raises(ValidationError) as refused:
        services.inspection_change_status(inspection=inspection, status="published", by=world.people.inspector)
    assert "titled by that year" in refused.value.message_dict["year"][0]
    assert Inspection.objects.get(pk=inspection.pk).status == "moderation"
    assert not ResultVersion.objects.filter(inspection=inspection).exists()


# The rules and the data migration ------------------------------------------------------------------------


@pytest.mark.parametrize("address,year", [
    ("justiceinspectorates.gov.uk/hmic/publications/avon-and-somerset-crime-data-integrity-inspection-2016/", 2016),
    ("justiceinspectorates.gov.uk/hmicfrs/publications/durham-constabulary-crime-data-integrity-inspection-2017", 2017),
    ("mkfm.com/news/local-news/thames-valley-polices-response-to-hmicfrs-report-on-crime-data-integrity", None),
    ("burytimes.co.uk/news/18932606.greater-manchester-police-failed-record-80-000-crimes/", None),
    ("", None),
])
def test_the_year_in_a_report_address(address, year):
    assert year_in_report_address(address) == year


def test_scheme_and_year_rules_at_their_boundaries():
    assert scheme_for(published_on=date(2016, 12, 31)) == "cdi_2016"
    assert scheme_for(published_on=date(2017, 1, 1)) == "cdi_2017"
    assert scheme_for(published_on=date(2021, 3, 31)) == "cdi_2017"
    assert scheme_for(published_on=date(2021, 4, 1)) == "peel_2021"
    assert scheme_for(today=date(2026, 1, 1)) == "peel_2021"
    assert year_for(audit_period_end=date(2017, 7, 31), fieldwork_start=date(2017, 11, 1)) == 2017
    assert year_for() is None
    assert GradeLine(Question.OVERALL).text == "Not graded"


def test_the_data_migration_fills_scheme_and_year_from_what_is_stored():
    migration = importlib.import_module("audits.migrations.0010_fill_inspection_scheme_and_year")

    def row(**values):
        fields = dict.fromkeys(["published_on", "fieldwork_start", "fieldwork_end", "audit_period_end"])
        return SimpleNamespace(**{**fields, "grade": "", "effectiveness_grade": "", "systems_grade": "",
                                  "leadership_grade": "", "report_reference": "", **values})

    tvp = row(published_on=date(2018, 2, 1), audit_period_end=date(2017, 7, 31), grade="inadequate",
              report_reference="justiceinspectorates.gov.uk/hmicfrs/publications/thames-valley-police-crime-data-"
                               "integrity-inspection-2017")
    assert (migration.scheme_of(tvp), migration.year_of(tvp)) == ("cdi_2017", 2017)
    staffordshire = row(published_on=date(2016, 8, 25), audit_period_end=date(2016, 3, 31))
    assert (migration.scheme_of(staffordshire), migration.year_of(staffordshire)) == ("cdi_2016", 2016)
    audit_2024 = row(published_on=date(2026, 3, 2), audit_period_end=date(2024, 6, 30))
    assert (migration.scheme_of(audit_2024), migration.year_of(audit_2024)) == ("peel_2021", 2024)
    only_published = row(published_on=date(2019, 7, 1))
    assert migration.year_of(only_published) == 2019
    adequate_2016 = row(published_on=date(2016, 8, 25), grade="adequate")
    assert migration.scheme_of(adequate_2016) == "peel_2021"  # the only scheme that can hold it
    assert (migration.scheme_of(row()), migration.year_of(row())) == ("peel_2021", None)


def test_a_revision_carries_every_frozen_part_of_the_record_forward(world):
    """Scope, additional crimes, the cancellation review, rules cited and case outcomes are part of what was
    published: a grade revision copies each of them. Walks every relation of ResultVersion, so a frozen part added
    later and not copied fails here."""
    inspection = publish(world.inspection)
    first = ResultVersion.objects.get(inspection=inspection)
    ResultVersion.objects.filter(pk=first.pk).update(
        rules_cited=[{"code": "HOCR-A", "title": "Principal crime", "source": "HOCR"}],
        case_outcomes={"sources": {"incident_log": [3, 1, 0]}})
    FrozenScope.objects.update_or_create(version=first, defaults={
        "audited": ["violence"], "carried_forward": ["rape"], "previous_title": "2017 inspection"})
    FrozenAdditionalEstimate.objects.update_or_create(version=first, category="all", defaults={
        "earlier_rate": 0.8, "later_rate": 0.9, "volume": 1000, "additional": 111.1})
    FrozenCancellationResult.objects.update_or_create(version=first, category="rape", defaults={
        "reviewed": 4, "correct": 3, "victims_told": 2})
    FrozenIncorrectCancellation.objects.create(version=first, reference="C-1", category="rape", ground="C2",
                                               reason="No additional verifiable information.")
    services.inspection_revise_grades(inspection=inspection, grades={"overall": "good"},
                                      revised_on=date(2024, 11, 1), reason=REASON, by=world.people.inspector)
    latest, revised = ResultVersion.objects.filter(inspection=inspection).order_by("number")

    def frozen(version):
        own = {f.name: getattr(version, f.name) for f in ResultVersion._meta.concrete_fields
               if f.name not in {"id", "number", "frozen_at", "frozen_by", "reason"}}
        parts = {}
        for relation in ResultVersion._meta.related_objects:
            if relation.related_model is FrozenGrade or relation.related_model._meta.app_label != "reports":
                continue
            names = [f.name for f in relation.related_model._meta.concrete_fields if f.name not in {"id", "version"}]
            parts[relation.name] = list(relation.related_model.objects.filter(version=version).order_by("id")
                                        .values_list(*names))
        return own, parts

    assert frozen(revised) == frozen(latest)
