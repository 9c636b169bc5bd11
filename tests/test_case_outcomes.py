"""Records with no crime and N100 records used correctly, victim-level flags, safeguarding of unrecorded crimes
and equality information: entry (admin, API, import), rules, reports, the frozen record and scoping."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from audits import case_sheet, services
from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, RecordingError
from reports.models import ResultVersion
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, offence
from tests.pdf_download import fetch_pdf
from tests.report_files import table_rows

pytestmark = pytest.mark.django_db

ADD_CASE = reverse("admin:audits_auditedcase_add")


def counts():
    return AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count()


def case_form(inspection, crimes, **case):
    data = {"inspection": inspection.pk, "reference": "NEW-0001", "source": "incident_log",
            "reported_at": "01/03/2024 09:00", "notes": "", "outcome": "crimes", "outcome_reason": "",
            "equality_information": "", "crimes-TOTAL_FORMS": str(len(crimes)), "crimes-INITIAL_FORMS": "0",
            "crimes-MIN_NUM_FORMS": "0", "crimes-MAX_NUM_FORMS": "1000", **case}
    for i, crime in enumerate(crimes):
        data[f"crimes-{i}-expected_offence"] = offence(crime["expected"]).pk
        if crime.get("recorded"):
            data[f"crimes-{i}-recorded_offence"] = offence(crime["recorded"]).pk
        data[f"crimes-{i}-recorded_at"] = crime.get("recorded_at", "")
        data[f"crimes-{i}-safeguarding"] = crime.get("safeguarding", "")
        data[f"crimes-{i}-error_kinds"] = crime.get("errors", [])
        for flag in crime.get("flags", ()):
            data[f"crimes-{i}-{flag}"] = "on"
    return data


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def report(client, inspection, **params):
    return client.get(reverse("reports:inspection", args=[inspection.pk]), params)


# Records with no crime ---------------------------------------------------------------------------------------


def test_a_no_crime_case_is_entered_submitted_agreed_and_published(world, client_for):
    inspector = client_for(world.people.inspector)
    response = inspector.post(ADD_CASE, case_form(world.inspection, [], outcome="no_crime",
                                                  outcome_reason="Concern for welfare; no crime on the log.",
                                                  anonymous_report="on", equality_information="not_applicable"))
    assert response.status_code == 302, response.content.decode()[:3000]
    case = AuditedCase.objects.get(reference="NEW-0001")
    assert (case.outcome, case.anonymous_report, case.crimes.count()) == ("no_crime", True, 0)
    services.case_submit(case=case, by=world.people.inspector)
    for other in AuditedCase.objects.filter(inspection=world.inspection):
        other = AuditedCase.objects.get(pk=other.pk)
        if other.moderation_state == "draft":
            services.case_submit(case=other, by=world.people.inspector)
        services.case_agree(case=other, by=world.people.inspector2)
    Challenge.objects.update(status="upheld")
    services.inspection_change_status(inspection=world.inspection, status="published", by=world.people.inspector)
    assert Inspection.objects.get(pk=world.inspection.pk).status == "published"
    frozen = ResultVersion.objects.get(inspection=world.inspection).case_outcomes
    assert frozen["sources"]["incident_log"] == [2, 1, 0]  # two records audited, one of them with no crime
    page = inspector.get(reverse("audits:case", args=[case.pk])).content.decode()
    assert "No crime disclosed: Concern for welfare" in page and "the case ends “No crime disclosed”" in page


@pytest.mark.parametrize("crimes,case,message", [
    ([], {"outcome": "no_crime"}, "Say why the case ends “No crime disclosed”."),
    ([{"expected": "Rape", "recorded": "Rape", "recorded_at": "01/03/2024 10:00"}],
     {"outcome": "no_crime", "outcome_reason": "nothing"}, "A case with audited crimes cannot end “No crime disclosed”"),
    ([], {"outcome": "n100_correct", "outcome_reason": "classified correctly"},
     "“N100 used correctly” is an outcome of an N100 record only."),
    ([], {"outcome_reason": "a reason without an outcome"}, "A reason is given only when the case ends with no crime"),
    ([], {"outcome": "perhaps"}, "Select a valid choice"),
    ([], {"equality_information": "partly"}, "Select a valid choice"),
])
def test_a_bad_outcome_is_refused_in_the_admin_and_nothing_is_written(world, client_for, crimes, case, message):
    before = counts()
    response = client_for(world.people.inspector).post(ADD_CASE, case_form(world.inspection, crimes, **case))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_a_case_without_crimes_and_without_a_no_crime_outcome_cannot_be_submitted(world):
    case = CaseFactory(inspection=world.inspection, reference="EMPTY-1")
    with pytest.raises(ValidationError, match="finished with the outcome “No crime disclosed”"):
        services.case_submit(case=case, by=world.people.inspector)
    # A case ending with no crime that somehow has a crime (stored before its outcome changed) is refused too.
    crime_case = CaseFactory(inspection=world.inspection, reference="CRIME-1")
    CrimeFactory(case=crime_case)
    AuditedCase.objects.filter(pk=crime_case.pk).update(outcome="no_crime", outcome_reason="x")
    with pytest.raises(ValidationError, match="ends “No crime disclosed” but has audited crimes"):
        services.case_submit(case=crime_case, by=world.people.inspector)
    assert AuditedCase.objects.get(pk=crime_case.pk).moderation_state == "draft"


@pytest.mark.parametrize("values", [
    {"outcome": "no_crime", "outcome_reason": ""},
    {"outcome": "crimes", "outcome_reason": "why"},
    {"outcome": "n100_correct", "outcome_reason": "why", "source": "incident_log"},
    {"equality_information": "maybe"},
])
def test_the_database_refuses_inconsistent_outcomes(world, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(inspection=world.inspection, reference="DB-1", **values)


def test_the_database_refuses_safeguarding_on_a_recorded_crime_and_requires_it_on_an_unrecorded_one(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        CrimeFactory(case=world.case, safeguarding="yes")
    with pytest.raises(IntegrityError), transaction.atomic():
        CrimeFactory(case=world.case, recorded_offence=None, recorded_at=None, safeguarding="")


def n100_inspection(force):
    inspection = InspectionFactory(force=force)
    for n in range(3):
        CaseFactory(inspection=inspection, reference=f"N100-OK-{n}", source="n100_record", outcome="n100_correct",
                    outcome_reason="No rape disclosed under the counting rules.")
    for n in range(2):  # N100 used where a rape should have been recorded
        case = CaseFactory(inspection=inspection, reference=f"N100-BAD-{n}", source="n100_record")
        ErrorFactory(crime__case=case, crime__expected_offence=offence("Rape"), kind="n100_misused")
    CaseFactory(inspection=inspection, reference="LOG-NONE", outcome="no_crime", outcome_reason="No crime.")
    CrimeFactory(case__inspection=inspection, case__reference="LOG-CRIME")
    return inspection


def test_n100_used_correctly_x_of_y_and_records_audited_by_source(world, client_for):
    inspection = n100_inspection(world.forces.a)
    response = report(client_for(world.people.inspector), inspection)
    records = {row[0]: row[1:] for row in table(response, "records").rows}
    assert records["N100 record"] == [5, 2, 0, 3]
    assert records["Incident (command and control) log"] == [2, 1, 1, 0]
    assert records["All sources"] == [7, 3, 1, 3]
    results = {row[0]: row[1:] for row in table(response, "case_results").rows}
    assert results["N100 used correctly"][:2] == ["3 of 5", 60.0]
    # The records with no crime are in no recording rate: 3 crimes audited, 1 recorded.
    categories = {row[0]: row[1:3] for row in table(response, "categories").rows}
    assert categories["All crime"] == [3, 1]
    errors = {row[0]: row[1] for row in table(response, "errors").rows}
    assert errors["N100 used wrongly"] == 2


# Victim-level flags --------------------------------------------------------------------------------------------


def test_a_flag_on_one_crime_does_not_flag_its_sibling(world, client_for):
    inspection = InspectionFactory(force=world.forces.a)
    case = CaseFactory(inspection=inspection)
    CrimeFactory(case=case, domestic_abuse=True, child_victim=True)
    CrimeFactory(case=case, expected_offence=offence("Rape"), recorded_offence=None, recorded_at=None)
    response = report(client_for(world.people.inspector), inspection)
    flags = {row[0]: row[1] for row in table(response, "flags").rows}
    assert flags["Domestic abuse"] == "1 of 1" and flags["Child victim"] == "1 of 1"
    assert flags["Vulnerable victim"] is None
    results = {r["category"]: r for r in api(world.people.inspector).get(
        reverse("api:inspection-results", args=[inspection.pk]), {"include": "provisional"}).json()}
    assert (results["domestic_abuse"]["audited"], results["all_crime"]["audited"]) == (1, 2)


def test_the_case_list_filters_by_a_victim_flag_on_any_crime_and_by_report_flags(world, client_for):
    flagged = CaseFactory(inspection=world.inspection, reference="FLAG-1", third_party_report=True)
    CrimeFactory(case=flagged, modern_slavery=True)
    client = client_for(world.people.inspector)
    url = world.inspection.get_absolute_url()
    assert "FLAG-1" in client.get(url, {"modern_slavery": "on"}).content.decode()
    assert "TVP-A-0001" not in client.get(url, {"modern_slavery": "on"}).content.decode()
    assert "FLAG-1" in client.get(url, {"third_party_report": "on"}).content.decode()
    assert "FLAG-1" not in client.get(url, {"outcome": "no_crime"}).content.decode()


# Safeguarding ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("crime,message", [
    ({"expected": "Rape", "errors": ["not_recorded"]}, "Say whether the victim of this unrecorded crime was safeguarded"),
    ({"expected": "Rape", "recorded": "Rape", "recorded_at": "01/03/2024 10:00", "safeguarding": "yes"},
     "Safeguarding is asked only of a crime the force did not record"),
    ({"expected": "Rape", "errors": ["not_recorded"], "safeguarding": "perhaps"}, "Select a valid choice"),
])
def test_safeguarding_is_required_for_unrecorded_crimes_and_refused_for_recorded_ones(world, client_for, crime,
                                                                                      message):
    before = counts()
    response = client_for(world.people.inspector).post(ADD_CASE, case_form(world.inspection, [crime]))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_unrecorded_crimes_safeguarding_counts(world, client_for):
    # world: one unrecorded crime, "not known".
    for answer in ("no", "no", "yes"):
        ErrorFactory(crime__case=world.case, crime__safeguarding=answer, kind="not_recorded")
    response = report(client_for(world.people.manager), world.inspection)
    rows = {row[0]: row[1:] for row in table(response, "safeguarding").rows}
    assert rows == {"Yes": [1, 25.0], "No": [2, 50.0], "Not known": [1, 25.0], "All unrecorded crimes": [4, 100.0]}


# Equality information --------------------------------------------------------------------------------------------


def test_equality_information_x_of_y(world, client_for):
    for n, answer in enumerate(["yes", "yes", "no", "not_applicable"]):
        CrimeFactory(case__inspection=world.inspection, case__reference=f"EQ-{n}", case__equality_information=answer)
    response = report(client_for(world.people.manager), world.inspection)
    rows = {row[0]: row[1:] for row in table(response, "case_results").rows}
    assert rows["Equality information obtained"] == ["2 of 3", 66.7, "1 not applicable, 1 not assessed"]
    assert rows["N100 used correctly"][:2] == [None, None]  # no N100 records audited


# Frozen at publication --------------------------------------------------------------------------------------------


def test_the_figures_are_frozen_at_publication_and_older_versions_say_they_have_none(world, client_for):
    inspection = n100_inspection(world.forces.a)
    AuditedCase.objects.filter(inspection=inspection).update(equality_information="yes")
    Inspection.objects.filter(pk=inspection.pk).update(status="moderation", published_on=date(2024, 10, 1))
    AuditedCase.objects.filter(inspection=inspection).update(moderation_state="agreed")
    services.inspection_change_status(inspection=Inspection.objects.get(pk=inspection.pk), status="published",
                                      by=world.people.inspector)
    # Audit data changed underneath (as a bad migration or a direct edit might): published figures do not move.
    AuditedCase.objects.filter(inspection=inspection, outcome="n100_correct").update(
        equality_information="no", outcome="no_crime")
    AuditedCrime.objects.filter(case__inspection=inspection, recorded_offence__isnull=True).update(safeguarding="no")
    client = client_for(world.people.manager)
    response = report(client, inspection)
    results = {row[0]: row[1:] for row in table(response, "case_results").rows}
    assert results["N100 used correctly"][0] == "3 of 5"
    assert results["Equality information obtained"][0] == "7 of 7"
    safeguarding = {row[0]: row[1] for row in table(response, "safeguarding").rows}
    assert safeguarding["Not known"] == 2 and safeguarding["No"] == 0
    body = api(world.people.manager).get(reverse("api:inspection-records-results", args=[inspection.pk])).json()
    assert body["recorded"] and body["n100_used_correctly"] == {"x": 3, "y": 5} and body["version"] == 1
    assert {row["source"]: row["records_audited"] for row in body["by_source"]} == {"incident_log": 2,
                                                                                     "n100_record": 5}
    for fmt in ("zip", "xlsx"):
        export = client.get(reverse("reports:inspection_export", args=[inspection.pk, fmt]))
        assert export.status_code == 200
    assert fetch_pdf(client, reverse("reports:inspection_export", args=[inspection.pk, "pdf"])).status_code == 200
    rows = table_rows(client, reverse("reports:inspection_export", args=[inspection.pk, "csv"]), "case_results")
    assert ["N100 used correctly", "3 of 5", "60.0", ""] in rows
    # A version frozen before these figures existed says so, and the API says they were not recorded.
    ResultVersion.objects.filter(inspection=inspection).update(case_outcomes=None)
    response = report(client, inspection)
    assert "frozen before records audited by source" in table(response, "records").note
    body = api(world.people.manager).get(reverse("api:inspection-records-results", args=[inspection.pk])).json()
    assert body["recorded"] is False and body["n100_used_correctly"] is None


def test_a_grade_revision_keeps_the_frozen_outcomes(world):
    inspection = n100_inspection(world.forces.a)
    Inspection.objects.filter(pk=inspection.pk).update(status="moderation", published_on=date(2024, 10, 1),
                                                       grading_scheme="cdi_2017", grade="good")
    AuditedCase.objects.filter(inspection=inspection).update(moderation_state="agreed")
    services.inspection_change_status(inspection=Inspection.objects.get(pk=inspection.pk), status="published",
                                      by=world.people.inspector)
    services.inspection_revise_grades(inspection=Inspection.objects.get(pk=inspection.pk),
                                      grades={"overall": "outstanding"}, revised_on=date(2024, 12, 1),
                                      reason="Revised after review.", by=world.people.inspector)
    first, second = ResultVersion.objects.filter(inspection=inspection).order_by("number")
    assert second.case_outcomes == first.case_outcomes and first.case_outcomes["sources"]["n100_record"] == [5, 0, 3]


# The API --------------------------------------------------------------------------------------------------------


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


NO_CRIME_CASE = {"reference": "API-NONE", "source": "n100_record", "reported_at": "2024-03-01T09:00:00Z",
                 "outcome": "n100_correct", "outcome_reason": "No rape disclosed.", "third_party_report": True,
                 "equality_information": "no", "crimes": []}


def test_the_api_takes_a_no_crime_case_and_victim_flags_on_crimes(world):
    client = api(world.people.inspector)
    url = reverse("api:inspection-case-list", args=[world.inspection.pk])
    response = client.post(url, NO_CRIME_CASE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outcome"], body["crimes"], body["third_party_report"]) == ("n100_correct", [], True)
    response = client.post(url, {**NO_CRIME_CASE, "reference": "API-2", "outcome": "crimes", "outcome_reason": "",
                                 "crimes": [{"expected_offence": "Rape", "errors": ["not_recorded"],
                                             "safeguarding": "yes", "vulnerable_victim": True},
                                            {"expected_offence": "Rape", "recorded_offence": "Rape",
                                             "recorded_at": "2024-03-01T10:00:00Z"}]}, format="json")
    assert response.status_code == 201, response.json()
    crimes = response.json()["crimes"]
    assert [(c["vulnerable_victim"], c["safeguarding"]) for c in crimes] == [(True, "yes"), (False, "")]
    submit = client.post(reverse("api:case-submit", args=[AuditedCase.objects.get(reference="API-NONE").pk]))
    assert submit.status_code == 200, submit.json()


@pytest.mark.parametrize("change,field,message", [
    ({"outcome": "crimes", "outcome_reason": ""}, "crimes", "needs at least one audited crime"),
    ({"outcome_reason": ""}, "outcome_reason", "Say why the case ends"),
    ({"source": "incident_log"}, "outcome", "an outcome of an N100 record only"),
    ({"crimes": [{"expected_offence": "Rape", "recorded_offence": "Rape", "recorded_at": "2024-03-01T10:00:00Z"}]},
     "outcome", "A case with audited crimes cannot end"),
    ({"outcome": "crimes", "outcome_reason": "", "crimes": [{"expected_offence": "Rape"}]}, "crimes",
     "Say whether the victim of this unrecorded crime was safeguarded"),
    ({"outcome": "crimes", "outcome_reason": "", "crimes": [
        {"expected_offence": "Rape", "recorded_offence": "Rape", "safeguarding": "no"}]}, "crimes",
     "Safeguarding is asked only of a crime the force did not record"),
    ({"outcome": "sometimes"}, "outcome", "not a valid choice"),
    ({"equality_information": "\x00"}, "equality_information", "not a valid choice"),
    ({"outcome": "crimes", "outcome_reason": "", "crimes": [{"expected_offence": "Rape", "safeguarding": "maybe"}]},
     "crimes", "not a valid choice"),
])
def test_the_api_refuses_bad_outcomes_and_safeguarding_naming_the_field(world, change, field, message):
    before = counts()
    response = api(world.people.inspector).post(reverse("api:inspection-case-list", args=[world.inspection.pk]),
                                                {**NO_CRIME_CASE, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json() and message in str(response.json()[field]), response.json()
    assert counts() == before


def test_the_schema_describes_the_new_fields_and_endpoint(world):
    schema = api(world.people.inspector).get(reverse("api:schema"), {"format": "json"}).json()
    case = schema["components"]["schemas"]["Case"]["properties"]
    crime = schema["components"]["schemas"]["Crime"]["properties"]
    assert {"outcome", "outcome_reason", "anonymous_report", "third_party_report", "equality_information"} <= set(case)
    assert "domestic_abuse" not in case
    assert {"domestic_abuse", "vulnerable_victim", "modern_slavery", "child_victim", "safeguarding"} <= set(crime)
    assert "/api/v1/inspections/{id}/results/records/" in schema["paths"]


def test_other_forces_never_see_the_records_results(world):
    inspection = n100_inspection(world.forces.a)
    Inspection.objects.filter(pk=inspection.pk).update(status="moderation", published_on=date(2024, 10, 1))
    AuditedCase.objects.filter(inspection=inspection).update(moderation_state="agreed")
    services.inspection_change_status(inspection=Inspection.objects.get(pk=inspection.pk), status="published",
                                      by=world.people.inspector)
    url = reverse("api:inspection-records-results", args=[inspection.pk])
    assert api(world.people.staff_b).get(url).status_code == 404
    assert api(world.people.manager_b).get(url).status_code == 404
    assert api(world.people.staff_a).get(url).status_code == 200
    assert api(world.people.staff_b).get(url, {"include": "provisional"}).status_code == 404


# Import and export ------------------------------------------------------------------------------------------------


HEADER = ",".join(case_sheet.COLUMNS)


def line(**cells):
    values = {"source": "incident_log", "reported_at": "01/03/2024 09:00", "domestic_abuse": "no",
              "vulnerable_victim": "no", "modern_slavery": "no", "child_victim": "no", "anonymous_report": "no",
              "third_party_report": "no", **cells}
    return ",".join(values.get(column, "") for column in case_sheet.COLUMNS)


GOOD = [
    line(case_reference="IMP-1", expected_offence="Rape", errors="not_recorded", safeguarding="no",
         domestic_abuse="yes", child_victim="yes", equality_information="yes", anonymous_report="yes"),
    line(case_reference="IMP-1", expected_offence="Rape", recorded_offence="Rape", recorded_at="01/03/2024 10:00",
         equality_information="yes", anonymous_report="yes"),
    line(case_reference="IMP-2", outcome="no_crime", outcome_reason="Concern for welfare only",
         equality_information="not_applicable", domestic_abuse="", vulnerable_victim="", modern_slavery="",
         child_victim=""),
    line(case_reference="IMP-3", source="n100_record", outcome="n100_correct", outcome_reason="No rape disclosed",
         third_party_report="yes"),
]


def dry_run(client, inspection, lines, mode="add"):
    upload = SimpleUploadedFile("cases.csv", ("\n".join([HEADER, *lines]) + "\n").encode())
    return client.post(reverse("audits:case_import", args=[inspection.pk]), {"file": upload, "mode": mode})


def confirm(client, inspection, response):
    return client.post(reverse("audits:case_import", args=[inspection.pk]),
                       {"confirm": "1", "token": response.context["token"], "mode": response.context["plan"].mode})


def test_import_then_export_round_trip_with_every_new_column(world, client_for):
    client = client_for(world.people.inspector)
    preview = dry_run(client, world.inspection, GOOD)
    assert preview.context["plan"].ok, preview.context["plan"].problems
    assert confirm(client, world.inspection, preview).status_code == 302
    one = AuditedCase.objects.get(reference="IMP-1")
    assert (one.anonymous_report, one.equality_information, one.outcome) == (True, "yes", "crimes")
    unrecorded, recorded = one.crimes.order_by("id")
    assert (unrecorded.domestic_abuse, unrecorded.child_victim, unrecorded.safeguarding) == (True, True, "no")
    assert (recorded.domestic_abuse, recorded.child_victim, recorded.safeguarding) == (False, False, "")
    none = AuditedCase.objects.get(reference="IMP-2")
    assert (none.outcome, none.outcome_reason, none.crimes.count()) == ("no_crime", "Concern for welfare only", 0)
    n100 = AuditedCase.objects.get(reference="IMP-3")
    assert (n100.outcome, n100.third_party_report) == ("n100_correct", True)

    exported = client.get(reverse("audits:case_export", args=[world.inspection.pk, "csv"])).getvalue().decode(
        "utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["case_reference"] for row in rows} >= {"IMP-1", "IMP-2", "IMP-3", "TVP-A-0001"}
    assert [row["outcome"] for row in rows if row["case_reference"] == "IMP-3"] == ["n100_correct"]
    # Re-importing the export (update) changes nothing.
    before = (counts(), list(AuditedCase.history.values_list("history_id", flat=True)))
    upload = SimpleUploadedFile("export.csv", exported.encode())
    preview = client.post(reverse("audits:case_import", args=[world.inspection.pk]), {"file": upload, "mode": "update"})
    assert preview.context["plan"].ok, preview.context["plan"].problems
    assert preview.context["counts"]["update"] == 0
    confirm(client, world.inspection, preview)
    assert (counts(), list(AuditedCase.history.values_list("history_id", flat=True))) == before
    # And into a fresh inspection it makes the same cases.
    fresh = InspectionFactory(force=world.forces.a)
    upload = SimpleUploadedFile("export.csv", exported.encode())
    preview = client.post(reverse("audits:case_import", args=[fresh.pk]), {"file": upload, "mode": "add"})
    assert preview.context["plan"].ok, preview.context["plan"].problems
    confirm(client, fresh, preview)
    copied = AuditedCase.objects.get(inspection=fresh, reference="IMP-1")
    assert sorted(copied.crimes.values_list("domestic_abuse", "child_victim", "safeguarding")) == [
        (False, False, ""), (True, True, "no")]
    assert AuditedCase.objects.get(inspection=fresh, reference="IMP-2").outcome == "no_crime"


BAD = [
    (0, {"child_victim": "perhaps"}, "child_victim “perhaps” is not yes or no"),
    (0, {"safeguarding": "maybe"}, "safeguarding “maybe” is not one of"),
    (0, {"safeguarding": ""}, "Say whether the victim of this unrecorded crime was safeguarded"),
    (1, {"safeguarding": "yes"}, "Safeguarding is asked only of a crime the force did not record"),
    (0, {"anonymous_report": "sometimes"}, "anonymous_report “sometimes” is not yes or no"),
    (1, {"third_party_report": "\x00"}, "column third_party_report: contains a NUL character"),
    (0, {"equality_information": "partly"}, "equality_information “partly” is not one of"),
    (2, {"outcome": "dunno"}, "outcome “dunno” is not one of"),
    (2, {"outcome_reason": ""}, "Say why the case ends “No crime disclosed”"),
    (2, {"expected_offence": "Rape"}, "case IMP-2 ends no_crime, so its row has no crime: expected_offence"),
    (3, {"source": "incident_log"}, "an outcome of an N100 record only"),
    (1, {"outcome_reason": "stray"}, "A reason is given only when the case ends with no crime"),
    (1, {"domestic_abuse": "yes"}, None),  # a flag may differ between crimes of one case: not a problem
]


@pytest.mark.parametrize("index,cells,message", BAD)
def test_a_bad_value_in_any_new_column_names_its_row_and_writes_nothing(world, client_for, index, cells, message):
    lines = list(GOOD)
    values = dict(zip(case_sheet.COLUMNS, GOOD[index].split(","), strict=True))
    values.update(cells)
    lines[index] = line(**values)
    before = counts()
    preview = dry_run(client_for(world.people.inspector), world.inspection, lines)
    if message is None:
        assert preview.context["plan"].ok, preview.context["plan"].problems
        return
    # A NUL is refused as the file is read, before any row is planned; every other problem by the plan.
    assert not (preview.context.get("plan") and preview.context["plan"].ok)
    assert f"Row {index + 2}" in preview.content.decode() and message in preview.content.decode(), \
        preview.content.decode()
    assert counts() == before


def test_rows_of_a_no_crime_case_are_one(world, client_for):
    preview = dry_run(client_for(world.people.inspector), world.inspection, [GOOD[2], GOOD[2]])
    assert "Row 3: case IMP-2 ends no_crime: give it one row only" in preview.content.decode()


def test_the_case_csv_export_lists_no_crime_cases_and_crime_flags(world, client_for):
    CaseFactory(inspection=world.inspection, reference="TVP-NONE", outcome="no_crime", outcome_reason="No crime")
    AuditedCrime.objects.filter(pk=world.unrecorded.pk).update(vulnerable_victim=True)
    client = client_for(world.people.staff_a)
    rows = list(csv.DictReader(io.StringIO(client.get(
        reverse("audits:inspection_cases_csv", args=[world.inspection.pk])).getvalue().decode("utf-8-sig"))))
    none = next(row for row in rows if row["case reference"] == "TVP-NONE")
    assert (none["outcome"], none["expected offence"], none["vulnerable victim"]) == ("No crime disclosed", "", "")
    flagged = [row["vulnerable victim"] for row in rows if row["case reference"] == "TVP-A-0001"]
    assert sorted(flagged) == ["False", "False", "True"]
    assert "GLO-B" not in str(rows)
    assert client_for(world.people.staff_b).get(
        reverse("audits:inspection_cases_csv", args=[world.inspection.pk])).status_code == 404


def test_a_drawn_case_can_be_finished_with_no_crime_and_counts_as_a_record_audited(world, client_for):
    from audits import sample_design
    from audits.services import sampling

    inspection = InspectionFactory(force=world.forces.a, audit_period_start=date(2024, 1, 1),
                                   audit_period_end=date(2024, 6, 30))
    frame = "reference,occurred_at,stratum\n" + "\n".join(
        f"LOG-{i:03d},{1 + i % 28:02d}/03/2024 10:15,incident_log" for i in range(20)) + "\n"
    sampling.frame_upload(inspection=inspection, upload=SimpleUploadedFile("f.csv", frame.encode()), filename="f.csv",
                          by=world.people.inspector)
    sampling.draw_sample(inspection=inspection, seed=7, sizes=sample_design.allocate(3, {"incident_log": 20}),
                         by=world.people.inspector)
    drawn = AuditedCase.objects.filter(inspection=inspection).order_by("reference").first()
    drawn.outcome, drawn.outcome_reason = "no_crime", "Log closed as a concern for welfare."
    services.case_write(case=drawn, crimes=[], by=world.people.inspector, expected_version=drawn.version)
    services.case_submit(case=AuditedCase.objects.get(pk=drawn.pk), by=world.people.inspector)
    assert AuditedCase.objects.get(pk=drawn.pk).moderation_state == "submitted"
    records = {row[0]: row[1:] for row in table(report(client_for(world.people.inspector), inspection), "records").rows}
    assert records["Incident (command and control) log"] == [3, 2, 1, 0]


def test_history_keeps_who_changed_an_outcome_and_a_victim_flag(world):
    case = AuditedCase.objects.get(pk=world.case.pk)
    version = case.version
    crimes = list(case.crimes.order_by("id"))
    crimes[0].child_victim = True
    case.equality_information, case.third_party_report = "no", True
    services.case_write(case=case, crimes=[(crime, crime.error_kinds) for crime in crimes], by=world.people.inspector2,
                        expected_version=version)
    changes = services.case_changes_since(case.pk, version)
    assert str(changes[-1].by) == "insp2"
    assert {"equality information", "third party report"} <= {name.lower() for name in changes[-1].changed}
    last = AuditedCrime.history.filter(id=crimes[0].pk).first()
    assert (last.child_victim, last.history_user) == (True, world.people.inspector2)
    assert AuditedCrime.history.filter(id=crimes[0].pk, child_victim=False).exists()  # what it was before
