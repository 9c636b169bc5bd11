"""Cancellation review: reviewed cancelled and transferred crime records are an inspection's own sample,
"x of y correct", never part of a recording rate; and a crime the force correctly cancelled is left out of
the crime-recording sample (reports.results.IN_RECORDING_SAMPLE)."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from audits import cancellation_sheet, services
from audits.models import AuditedCase, CancellationReview, Challenge
from audits.services import cancellation_reviews
from audits.services.cancellation_reviews import cancellation_review_delete, cancellation_review_save
from reports.results import results_for
from reports.weighted import stratum_counts
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, offence
from tests.report_files import table_rows

pytestmark = pytest.mark.django_db


def rates(inspection):
    """Every group's (recorded, audited, timed, timely) as computed from the audited crimes."""
    return {key: (g.recorded, g.audited, g.timed, g.timely)
            for key, g in results_for([inspection.pk])[inspection.pk].groups.items()}


def rape_inspection(forces):
    """One rape recorded, one not: a rape rate of 1 of 2."""
    inspection = InspectionFactory(force=forces.b, status="moderation")
    CrimeFactory(case__inspection=inspection, expected_offence=offence("Rape"))
    ErrorFactory(crime__case__inspection=inspection, crime__expected_offence=offence("Rape"), kind="not_recorded")
    return inspection


# Counting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ground", ["C1", "C2", "C3", "C4"])
def test_a_correctly_cancelled_crime_is_left_out_of_every_rate_and_timeliness(forces, ground):
    inspection = rape_inspection(forces)
    before = rates(inspection)
    assert before["rape"] == (1, 2, 1, 1)
    case = CaseFactory(inspection=inspection, source="cancelled_crime")
    CrimeFactory(case=case, expected_offence=offence("Rape"), cancellation_code=ground, domestic_abuse=True)
    CrimeFactory(case=case, expected_offence=offence("Violence with injury"), cancellation_code=ground,
                 recorded_at=case.reported_at + timedelta(hours=30), domestic_abuse=True)
    assert rates(inspection) == before


def test_a_wrongly_cancelled_crime_stays_in_the_sample_as_not_recorded(forces):
    inspection = rape_inspection(forces)
    cancelled = CrimeFactory(case__inspection=inspection, expected_offence=offence("Rape"), cancellation_code="C2")
    ErrorFactory(crime=cancelled, kind="wrongly_cancelled")
    assert rates(inspection)["rape"][:2] == (1, 3)


def test_a_correctly_cancelled_crime_is_left_out_of_the_weighted_estimate_too(forces):
    inspection = InspectionFactory(force=forces.b)
    case = CaseFactory(inspection=inspection, stratum="incident_log")
    CrimeFactory(case=case)
    ErrorFactory(crime__case=case, kind="not_recorded")
    CrimeFactory(case=case, cancellation_code="C4")
    counts = stratum_counts(inspection.pk)["incident_log"]
    assert (counts["audited"], counts["recorded"]) == (2, 1)


# Helpers -----------------------------------------------------------------------------------------------

REVIEW = {"reference": "GLO-CX-1", "category": "rape", "ground": "C2", "avi_evidenced": "yes", "ddm_authorised": True,
          "victim_told": True, "verdict": "correct", "reason": "", "notes": ""}


def review(inspection, **values):
    return CancellationReview(inspection=inspection, **{**REVIEW, **values})


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def report(client, inspection, **params):
    response = client.get(reverse("reports:inspection", args=[inspection.pk]), params)
    assert response.status_code == 200
    return response


def category_rates(response):
    return {row[0]: row[1:3] for row in table(response, "categories").rows}


def api_rates(user, inspection):
    response = api(user).get(reverse("api:inspection-results", args=[inspection.pk]), {"include": "provisional"})
    # Every rate, and not the review's own "x of y correct" (its row is "cancellations"), checked on its own.
    return {row["category"]: (row["recorded"], row["audited"], row["rate"]) for row in response.json()
            if row["category"] != "cancellations"}


def api_cancellations(user, inspection, **params):
    response = api(user).get(reverse("api:inspection-cancellation-results", args=[inspection.pk]), params)
    assert response.status_code == 200, response.content
    return response.json()


def publish_properly(inspection, people):
    """Publish the way inspectors do: every case agreed."""
    AuditedCase.objects.filter(inspection=inspection).update(moderation_state="agreed")
    Challenge.objects.filter(case__inspection=inspection).update(status="upheld")
    return services.inspection_change_status(inspection=inspection, status="published", by=people.inspector)


def stored_reviews():
    return sorted(CancellationReview.objects.values_list("inspection_id", "reference", "verdict", "reason", "notes"))


# The issue ---------------------------------------------------------------------------------------------


def test_a_correct_c2_cancellation_does_not_change_any_recording_rate_and_counts_in_the_cancellation_review(
        forces, people, client_for):
    inspection = rape_inspection(forces)
    page_before = category_rates(report(client_for(people.inspector), inspection))
    api_before = api_rates(people.inspector, inspection)
    assert page_before["Rape"] == [2, 1] and api_before["rape"][:2] == (1, 2)

    # The cancelled record, entered as the test inspection did (a case from the force's cancelled crimes
    # whose rape was correctly cancelled under C2), and reviewed in the cancellation review.
    case = CaseFactory(inspection=inspection, source="cancelled_crime", reference="GLO-CANC-1")
    CrimeFactory(case=case, expected_offence=offence("Rape"), cancellation_code="C2", force_crime_reference="GLO-CX-1")
    cancellation_review_save(review=review(inspection), by=people.inspector)

    response = report(client_for(people.inspector), inspection)
    assert category_rates(response) == page_before
    assert api_rates(people.inspector, inspection) == api_before
    assert rates(inspection)["rape"] == (1, 2, 1, 1)
    rows = {row[0]: row for row in table(response, "cancellations").rows}
    assert rows["Rape"][1:5] == [1, 1, 0, "1 of 1"]
    assert rows["All reviewed"][4] == "1 of 1"
    result = api_cancellations(people.inspector, inspection, include="provisional")
    assert result["overall"]["reviewed"] == 1 and result["overall"]["correct"] == 1
    assert result["provisional"] is True


# Verdict rules -----------------------------------------------------------------------------------------

BAD_REVIEWS = [
    ({"verdict": "incorrect", "reason": ""}, "reason", "Say why the cancellation was incorrect."),
    ({"verdict": "incorrect", "reason": "   "}, "reason", "Say why the cancellation was incorrect."),
    ({"reason": "Looked fine"}, "reason", "A reason is given only for an incorrect cancellation"),
    ({"avi_evidenced": "not_applicable"}, "avi_evidenced", "A C2 cancellation needs an answer"),
    ({"ground": "C3", "avi_evidenced": "yes"}, "avi_evidenced", "for C3 choose “not applicable”"),
    ({"avi_evidenced": "no"}, "verdict", "without the additional verifiable information evidenced cannot be correct"),
    ({"ddm_authorised": False}, "verdict", "not authorised by a designated decision maker cannot be correct"),
    ({"ground": "C5"}, "ground", "not a valid choice"),
    ({"category": "burglary"}, "category", "not a valid choice"),
    ({"reference": " "}, "reference", "cannot be blank"),
]


@pytest.mark.parametrize("change,field,message", BAD_REVIEWS)
def test_inconsistent_reviews_are_refused_naming_the_field_and_nothing_is_written(world, change, field, message):
    before = stored_reviews()
    with pytest.raises(ValidationError) as refused:
        cancellation_review_save(review=review(world.inspection, **change), by=world.people.inspector)
    assert message in " ".join(refused.value.message_dict[field])
    assert stored_reviews() == before


def test_a_change_that_breaks_a_rule_is_refused_and_the_stored_review_is_kept(world):
    changed = CancellationReview.objects.get(pk=world.cancellation_review.pk)
    changed.reason = ""
    with pytest.raises(ValidationError) as refused:
        cancellation_review_save(review=changed, by=world.people.inspector)
    assert "reason" in refused.value.message_dict
    assert CancellationReview.objects.get(pk=changed.pk).reason == "Withdrawal of support taken for AVI."


def test_a_reference_reviewed_twice_in_one_inspection_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        cancellation_review_save(review=review(world.inspection, reference="TVP-A-CX1"), by=world.people.inspector)
    assert "already has a cancellation review of that reference" in refused.value.message_dict["reference"][0]
    cancellation_review_save(review=review(world.inspection_b, reference="TVP-A-CX1"), by=world.people.inspector)


def test_a_review_cannot_move_to_another_inspection(world):
    moved = CancellationReview.objects.get(pk=world.cancellation_review.pk)
    moved.inspection = world.inspection_b
    with pytest.raises(ValidationError) as refused:
        cancellation_review_save(review=moved, by=world.people.inspector)
    assert "inspection" in refused.value.message_dict
    assert CancellationReview.objects.get(pk=moved.pk).inspection_id == world.inspection.pk


@pytest.mark.parametrize("values", [
    {"verdict": "incorrect", "reason": ""},
    {"verdict": "correct", "reason": "A reason on a correct verdict"},
    {"ground": "C2", "avi_evidenced": "not_applicable"},
    {"ground": "C1", "avi_evidenced": "no"},
    {"ground": "C2", "avi_evidenced": "no", "verdict": "correct", "reason": ""},
    {"ground": "C2", "avi_evidenced": "yes", "ddm_authorised": False, "verdict": "correct", "reason": ""},
    {"ground": "C9", "avi_evidenced": "not_applicable"},
    {"category": "homicide"},
    {"verdict": "maybe"},
    {"reference": ""},
])
def test_the_database_refuses_an_inconsistent_review_written_around_the_service(world, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        CancellationReview.objects.filter(pk=world.cancellation_review.pk).update(**values)


@pytest.mark.parametrize("role", ["manager", "staff_a"])
def test_only_inspectors_write_reviews(world, role):
    before = stored_reviews()
    user = getattr(world.people, role)
    for call in (lambda: cancellation_review_save(review=review(world.inspection), by=user),
                 lambda: cancellation_review_delete(review=world.cancellation_review, by=user)):
        with pytest.raises(ValidationError, match="Only inspectors"):
            call()
    assert stored_reviews() == before


# x of y per category, with reasons ---------------------------------------------------------------------


def enter_sample(inspection, inspector):
    """Rape 2 of 3 correct (one without AVI), robbery 1 of 2 (a C4 that was a robbery), violence 1 of 1."""
    for values in [
        {"reference": "R-1"},
        {"reference": "R-2", "ground": "C3", "avi_evidenced": "not_applicable", "victim_told": False},
        {"reference": "R-3", "avi_evidenced": "no", "verdict": "incorrect", "reason": "Withdrawal taken for AVI."},
        {"reference": "B-1", "category": "robbery", "ground": "C4", "avi_evidenced": "not_applicable",
         "verdict": "incorrect", "reason": "Property taken by force: a robbery.", "victim_told": False},
        {"reference": "B-2", "category": "robbery", "ground": "C1", "avi_evidenced": "not_applicable"},
        {"reference": "V-1", "category": "violence_against_the_person"},
    ]:
        cancellation_review_save(review=review(inspection, **values), by=inspector)


def test_the_report_gives_x_of_y_correct_per_category_and_overall_with_the_reasons(forces, people, client_for):
    inspection = rape_inspection(forces)
    enter_sample(inspection, people.inspector)
    response = report(client_for(people.manager), inspection)
    rows = {row[0]: row for row in table(response, "cancellations").rows}
    assert rows["Rape"] == ["Rape", 3, 2, 1, "2 of 3", 66.7, "2 of 3"]
    assert rows["Robbery"] == ["Robbery", 2, 1, 1, "1 of 2", 50.0, "1 of 2"]
    assert rows["Violence against the person"][1:5] == [1, 1, 0, "1 of 1"]
    assert rows["Other sexual offences"][1:5] == [0, 0, 0, None]
    assert rows["All reviewed"][1:5] == [6, 4, 2, "4 of 6"]
    assert table(response, "incorrect_cancellations").rows == [
        ["R-3", "Rape", "C2 — additional verifiable information shows no crime", "Withdrawal taken for AVI."],
        ["B-1", "Robbery", "C4 — recorded in error", "Property taken by force: a robbery."],
    ]
    page = response.content.decode()
    assert "<strong>4 of 6</strong> cancelled or transferred crime records reviewed" in page
    assert "never part of any recording rate" in page
    # Only the two rapes of the crime-recording sample are in its rates.
    assert category_rates(response)["Rape"] == [2, 1]

    url = reverse("reports:inspection_export", args=[inspection.pk, "csv"])
    assert ["Rape", "3", "2", "1", "2 of 3", "66.7", "2 of 3"] in table_rows(client_for(people.manager), url,
                                                                            "cancellations")
    assert ["B-1", "Robbery", "C4 — recorded in error", "Property taken by force: a robbery."] in table_rows(
        client_for(people.manager), url, "incorrect_cancellations")
    workbook = load_workbook(io.BytesIO(client_for(people.manager).get(
        reverse("reports:inspection_export", args=[inspection.pk, "xlsx"])).content))
    assert ["All reviewed", "6", "4", "2", "4 of 6", "66.7", "4 of 6"] in [
        list(row) for row in workbook["Cancellation review"].iter_rows(values_only=True)]

    result = api_cancellations(people.inspector, inspection, include="provisional")
    by_category = {row["category"]: row for row in result["categories"]}
    assert (by_category["rape"]["reviewed"], by_category["rape"]["correct"], by_category["rape"]["incorrect"],
            by_category["rape"]["victims_told"]) == (3, 2, 1, 2)
    assert result["overall"] == {"category": "all", "label": "All reviewed", "reviewed": 6, "correct": 4,
                                 "incorrect": 2, "victims_told": 4}
    assert [(row["reference"], row["ground"], row["reason"]) for row in result["incorrect"]] == [
        ("R-3", "C2", "Withdrawal taken for AVI."), ("B-1", "C4", "Property taken by force: a robbery.")]


def test_an_inspection_without_reviews_shows_no_cancellation_tables(world, client_for):
    CancellationReview.objects.all().delete()
    response = report(client_for(world.people.manager), world.inspection)
    assert "cancellations" not in {t.key for t in response.context["tables"]}


# Frozen at publication ---------------------------------------------------------------------------------


def test_the_published_review_is_frozen_and_editing_after_a_reopen_leaves_version_1_alone(forces, people,
                                                                                        client_for):
    inspection = rape_inspection(forces)
    enter_sample(inspection, people.inspector)
    publish_properly(inspection, people)
    client = client_for(people.staff_b)
    published_rows = table(report(client, inspection), "cancellations").rows
    published_reasons = table(report(client, inspection), "incorrect_cancellations").rows
    assert published_rows[-1][4] == "4 of 6"

    services.inspection_change_status(inspection=inspection, status="moderation", by=people.inspector,
                                      reason="Two cancellations were reviewed against the wrong ground.")
    fixed = CancellationReview.objects.get(inspection=inspection, reference="R-3")
    fixed.avi_evidenced, fixed.verdict, fixed.reason = "yes", "correct", ""
    cancellation_review_save(review=fixed, by=people.inspector)
    cancellation_review_save(review=review(inspection, reference="O-1", category="other_sexual_offences",
                                           ground="C4", avi_evidenced="not_applicable", verdict="incorrect",
                                           reason="Recorded correctly: a sexual assault."), by=people.inspector)
    cancellation_review_delete(review=CancellationReview.objects.get(reference="B-1"), by=people.inspector)

    # Still version 1 while reopened, and on ?version=1 for good.
    assert table(report(client, inspection), "cancellations").rows == published_rows
    assert table(report(client, inspection), "incorrect_cancellations").rows == published_reasons
    assert api_cancellations(people.staff_b, inspection)["overall"]["correct"] == 4
    provisional = table(report(client_for(people.inspector), inspection, include="provisional"), "cancellations")
    assert provisional.rows[-1][4] == "5 of 6"  # R-3 now correct, B-1 gone, O-1 incorrect

    publish_properly(inspection, people)
    assert table(report(client, inspection), "cancellations").rows[-1][4] == "5 of 6"
    assert [row[0] for row in table(report(client, inspection), "incorrect_cancellations").rows] == ["O-1"]
    assert table(report(client, inspection, version=1), "cancellations").rows == published_rows
    assert table(report(client, inspection, version=1), "incorrect_cancellations").rows == published_reasons
    first = api_cancellations(people.staff_b, inspection, version=1)
    assert (first["version"], first["overall"]["correct"], first["overall"]["reviewed"]) == (1, 4, 6)
    assert api_cancellations(people.staff_b, inspection)["version"] == 2


def test_an_unpublished_inspections_review_is_not_in_the_api_without_asking_for_provisional(world):
    response = api(world.people.inspector).get(reverse("api:inspection-cancellation-results",
                                                       args=[world.inspection.pk]))
    assert response.status_code == 404


# Locked while published --------------------------------------------------------------------------------


def published_world(world):
    publish_properly(world.inspection, world.people)
    return CancellationReview.objects.get(pk=world.cancellation_review.pk)


def test_services_and_the_backstop_refuse_changes_while_published(world):
    stored = published_world(world)
    before = stored_reviews()
    stored.notes = "late change"
    for call in (lambda: cancellation_review_save(review=stored, by=world.people.inspector),
                 lambda: cancellation_review_save(review=review(world.inspection), by=world.people.inspector),
                 lambda: cancellation_review_delete(review=stored, by=world.people.inspector)):
        with pytest.raises(ValidationError, match="locked"):
            call()
    with pytest.raises(PermissionDenied), transaction.atomic():
        stored.save()
    with pytest.raises(PermissionDenied), transaction.atomic():
        CancellationReview.objects.get(pk=stored.pk).delete()
    with pytest.raises(PermissionDenied), transaction.atomic():
        review(world.inspection, reference="NEW").save()
    assert stored_reviews() == before


def test_the_admin_refuses_changes_while_published(world, client_for):
    stored = published_world(world)
    before = stored_reviews()
    client = client_for(world.people.inspector)
    change = reverse("admin:audits_cancellationreview_change", args=[stored.pk])
    assert client.post(change, {**REVIEW, "notes": "late"}).status_code == 403
    assert client.post(reverse("admin:audits_cancellationreview_delete", args=[stored.pk]),
                       {"post": "yes"}).status_code == 403
    response = client.post(reverse("admin:audits_cancellationreview_add"),
                           {**REVIEW, "inspection": world.inspection.pk, "ddm_authorised": "on", "victim_told": "on"})
    assert response.status_code == 200 and "locked" in response.content.decode()
    page = client.get(reverse("admin:audits_inspection_change", args=[world.inspection.pk])).content.decode()
    assert 'name="cancellation_reviews-0-reference"' not in page and "TVP-A-CX1" in page
    assert stored_reviews() == before


def test_the_api_refuses_changes_while_published(world):
    stored = published_world(world)
    before = stored_reviews()
    client = api(world.people.inspector)
    detail = reverse("api:inspection-cancellation-review-detail", args=[world.inspection.pk, stored.pk])
    for response in (client.patch(detail, {"notes": "late"}, format="json"), client.delete(detail),
                     client.post(reverse("api:inspection-cancellation-review-list", args=[world.inspection.pk]),
                             {**REVIEW, "reference": "API-NEW"}, format="json")):
        assert response.status_code == 400 and "locked" in str(response.json())
    assert stored_reviews() == before


# Another force ------------------------------------------------------------------------------------------


def test_another_forces_staff_get_404_for_the_reviews_on_every_page_and_api_call(world, client_for):
    publish_properly(world.inspection, world.people)
    client = client_for(world.people.staff_b)
    for url in [reverse("audits:cancellation_reviews", args=[world.inspection.pk]),
                reverse("audits:cancellation_review_export", args=[world.inspection.pk, "csv"]),
                reverse("audits:cancellation_review_export", args=[world.inspection.pk, "xlsx"]),
                reverse("reports:inspection", args=[world.inspection.pk])]:
        response = client.get(url)
        assert response.status_code == 404 and b"TVP-A-CX1" not in response.content, url
    staff_b = api(world.people.staff_b)
    for url in [reverse("api:inspection-cancellation-review-list", args=[world.inspection.pk]),
                reverse("api:inspection-cancellation-review-detail", args=[world.inspection.pk,
                                                                          world.cancellation_review.pk]),
                reverse("api:inspection-cancellation-results", args=[world.inspection.pk])]:
        response = staff_b.get(url)
        assert response.status_code == 404 and b"TVP-A-CX1" not in response.content, url
    # Nor through their own inspection's address.
    response = staff_b.get(reverse("api:inspection-cancellation-review-detail",
                                   args=[world.inspection_b.pk, world.cancellation_review.pk]))
    assert response.status_code == 404
    # Their own force's staff see it.
    own = client_for(world.people.staff_a).get(reverse("audits:cancellation_reviews", args=[world.inspection.pk]))
    assert own.status_code == 200 and "TVP-A-CX1" in own.content.decode()


# The API ------------------------------------------------------------------------------------------------


def test_api_create_with_a_bad_ground_is_a_400_naming_the_field_and_writes_nothing(world):
    before = stored_reviews()
    response = api(world.people.inspector).post(
        reverse("api:inspection-cancellation-review-list", args=[world.inspection.pk]),
        {**REVIEW, "ground": "C7"}, format="json")
    assert response.status_code == 400
    assert "ground" in response.json() and "not a valid choice" in str(response.json()["ground"])
    assert stored_reviews() == before


@pytest.mark.parametrize("change,field", [({"avi_evidenced": "not_applicable"}, "avi_evidenced"),
                                          ({"verdict": "incorrect"}, "reason"),
                                          ({"reference": "TVP-A-CX1"}, "reference")])
def test_api_rules_answer_400_naming_the_field_and_write_nothing(world, change, field):
    before = stored_reviews()
    response = api(world.people.inspector).post(
        reverse("api:inspection-cancellation-review-list", args=[world.inspection.pk]), {**REVIEW, **change},
        format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert stored_reviews() == before


def test_api_lists_creates_retrieves_updates_and_deletes_reviews(world):
    client = api(world.people.inspector)
    listing = reverse("api:inspection-cancellation-review-list", args=[world.inspection.pk])
    created = client.post(listing, {**REVIEW, "reference": "API-1"}, format="json")
    assert created.status_code == 201, created.json()
    detail = reverse("api:inspection-cancellation-review-detail", args=[world.inspection.pk, created.json()["id"]])
    assert client.get(detail).json()["reference"] == "API-1"
    assert [row["reference"] for row in client.get(listing).json()["results"]] == ["API-1", "TVP-A-CX1"]
    assert [row["reference"] for row in client.get(listing, {"verdict": "incorrect"}).json()["results"]] == [
        "TVP-A-CX1"]
    changed = client.patch(detail, {"verdict": "incorrect", "reason": "No DDM."}, format="json")
    assert changed.status_code == 200 and changed.json()["reason"] == "No DDM."
    assert CancellationReview.history.filter(reference="API-1").latest("history_date").history_user == \
        world.people.inspector
    assert client.delete(detail).status_code == 204
    assert not CancellationReview.objects.filter(reference="API-1").exists()


# The admin ----------------------------------------------------------------------------------------------


def inline_form(inspection, rows):
    data = {name: getattr(inspection, name) or "" for name in ("kind", "audit_period_start", "audit_period_end")}
    data.update({"force": inspection.force_id, "published_results-TOTAL_FORMS": "0",
                 "published_results-INITIAL_FORMS": "0", "cancellation_reviews-TOTAL_FORMS": str(len(rows)),
                 "cancellation_reviews-INITIAL_FORMS": "0"})
    for name in ("audit_period_start", "audit_period_end"):
        data[name] = data[name].strftime("%d/%m/%Y") if data[name] else ""
    for index, row in enumerate(rows):
        for name, value in row.items():
            if isinstance(value, bool):
                if value:
                    data[f"cancellation_reviews-{index}-{name}"] = "on"
            else:
                data[f"cancellation_reviews-{index}-{name}"] = value
    return data


def test_inspectors_enter_reviews_on_the_inspection_admin_screen(world, client_for):
    CancellationReview.objects.all().delete()
    response = client_for(world.people.inspector).post(
        reverse("admin:audits_inspection_change", args=[world.inspection.pk]),
        inline_form(world.inspection, [{**REVIEW, "reference": f"ADM-{n}"} for n in range(3)]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(CancellationReview.objects.order_by("reference").values_list("reference", flat=True)) == [
        "ADM-0", "ADM-1", "ADM-2"]
    assert CancellationReview.history.filter(reference="ADM-0").get().history_user == world.people.inspector


def test_the_admin_shows_why_a_review_is_refused_and_writes_nothing(world, client_for):
    before = stored_reviews()
    response = client_for(world.people.inspector).post(
        reverse("admin:audits_inspection_change", args=[world.inspection.pk]),
        inline_form(world.inspection, [{**REVIEW, "reference": "ADM-1", "verdict": "incorrect"}]))
    assert response.status_code == 200
    assert "Say why the cancellation was incorrect." in response.content.decode()
    assert stored_reviews() == before


# Bulk import and export ---------------------------------------------------------------------------------

SHEET_HEADER = ",".join(cancellation_sheet.COLUMNS)
GOOD_ROWS = [
    "IMP-CX-1,rape,C2,yes,yes,yes,correct,",
    "IMP-CX-2,Robbery,c4,,yes,no,incorrect,Property taken by force: a robbery.",
    "IMP-CX-3,other_sexual_offences,C3,not applicable,no,yes,correct,",
]


def sheet(lines, name="reviews.csv"):
    return SimpleUploadedFile(name, ("\n".join([SHEET_HEADER, *lines]) + "\n").encode())


def import_dry_run(client, inspection, lines, mode="add", name="reviews.csv"):
    return client.post(reverse("audits:cancellation_review_import", args=[inspection.pk]),
                       {"file": sheet(lines, name), "mode": mode})


def import_confirm(client, inspection, response):
    return client.post(reverse("audits:cancellation_review_import", args=[inspection.pk]),
                       {"confirm": "1", "token": response.context["token"], "mode": response.context["plan"].mode})


def test_a_sheet_is_checked_then_imported_whole(world, client_for):
    client = client_for(world.people.inspector)
    response = import_dry_run(client, world.inspection, GOOD_ROWS)
    assert response.context["plan"].ok and "3 new reviews" in response.content.decode()
    assert not CancellationReview.objects.filter(reference__startswith="IMP-").exists()  # a dry run writes nothing
    response = import_confirm(client, world.inspection, response)
    assert response.status_code == 302
    imported = {r.reference: r for r in CancellationReview.objects.filter(reference__startswith="IMP-")}
    assert (imported["IMP-CX-2"].category, imported["IMP-CX-2"].ground, imported["IMP-CX-2"].avi_evidenced,
            imported["IMP-CX-2"].victim_told) == ("robbery", "C4", "not_applicable", False)
    assert imported["IMP-CX-3"].ddm_authorised is False
    assert CancellationReview.history.filter(reference="IMP-CX-1").get().history_user == world.people.inspector


@pytest.mark.parametrize("bad,message", [
    ("IMP-CX-9,rape,C2,,yes,yes,correct,", "Row 5: avi_evidenced: A C2 cancellation needs an answer"),
    ("IMP-CX-9,rape,C3,,yes,yes,incorrect,", "Row 5: reason: Say why the cancellation was incorrect."),
    ("IMP-CX-9,rape,C7,,yes,yes,correct,", "Row 5: ground “C7” is not one of C1, C2, C3 or C4."),
    ("IMP-CX-9,burglary,C3,,yes,yes,correct,", "Row 5: category “burglary” is not one of"),
    ("IMP-CX-9,rape,C3,,maybe,yes,correct,", "Row 5: ddm_authorised “maybe” is not yes or no."),
    ("IMP-CX-9,rape,C3,,yes,,correct,", "Row 5: victim_told is empty (yes or no)."),
    (",rape,C3,,yes,yes,correct,", "Row 5: reference is empty."),
    ("IMP-CX-1,rape,C3,,yes,yes,correct,", "Row 5: reference IMP-CX-1 is also on row 2."),
    ("TVP-A-CX1,rape,C3,,yes,yes,correct,", "Row 5: reference TVP-A-CX1 is already reviewed in this inspection"),
])
def test_a_bad_row_is_named_by_its_number_and_nothing_is_imported(world, client_for, bad, message):
    before = stored_reviews()
    client = client_for(world.people.inspector)
    response = import_dry_run(client, world.inspection, [*GOOD_ROWS, bad])
    assert not response.context["plan"].ok and message in response.content.decode()
    assert "Confirm import" not in response.content.decode()
    assert stored_reviews() == before
    with pytest.raises(ValidationError):
        cancellation_reviews.import_reviews(response.context["plan"], world.people.inspector)
    assert stored_reviews() == before


def test_an_import_failing_part_way_writes_no_review(world):
    rows = [dict(zip(cancellation_sheet.COLUMNS, line.split(","), strict=True)) for line in GOOD_ROWS]
    plan = cancellation_reviews.plan_review_import(world.inspection, rows)
    plan.new[-1].verdict = "maybe"  # past the checks: only the database's constraint stops it
    before = stored_reviews()
    with pytest.raises(IntegrityError):
        cancellation_reviews.import_reviews(plan, world.people.inspector)
    assert stored_reviews() == before


def test_a_published_inspection_imports_no_review(world, client_for):
    publish_properly(world.inspection, world.people)
    before = stored_reviews()
    response = import_dry_run(client_for(world.people.inspector), world.inspection, GOOD_ROWS)
    assert "locked" in response.content.decode() and not response.context["plan"].ok
    assert stored_reviews() == before


def test_only_inspectors_reach_the_import(world, client_for):
    for who in ("staff_a", "manager"):
        assert import_dry_run(client_for(getattr(world.people, who)), world.inspection, GOOD_ROWS).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_re_imported_changes_nothing_and_a_changed_one_updates(world, client_for, fmt):
    client = client_for(world.people.inspector)
    import_confirm(client, world.inspection, import_dry_run(client, world.inspection, GOOD_ROWS))
    exported = client.get(reverse("audits:cancellation_review_export", args=[world.inspection.pk, fmt]))
    content = exported.content if fmt == "xlsx" else b"".join(exported.streaming_content)
    before = stored_reviews()
    response = client.post(reverse("audits:cancellation_review_import", args=[world.inspection.pk]),
                           {"file": SimpleUploadedFile(f"export.{fmt}", content), "mode": "update"})
    plan = response.context["plan"]
    assert plan.ok and (len(plan.new), len(plan.changed), plan.unchanged) == (0, 0, 4)
    import_confirm(client, world.inspection, response)
    assert stored_reviews() == before

    changed = [*GOOD_ROWS[:2], "IMP-CX-3,other_sexual_offences,C3,,no,yes,incorrect,Not a duplicate of CR/7."]
    response = import_dry_run(client, world.inspection, changed, mode="update")
    assert (len(response.context["plan"].changed), response.context["plan"].unchanged) == (1, 2)
    import_confirm(client, world.inspection, response)
    updated = CancellationReview.objects.get(reference="IMP-CX-3")
    assert (updated.verdict, updated.reason) == ("incorrect", "Not a duplicate of CR/7.")


def test_the_blank_template_has_the_columns_and_a_guide(world, client_for):
    client = client_for(world.people.staff_a)
    workbook = load_workbook(io.BytesIO(client.get(reverse("audits:cancellation_review_template",
                                                           args=["xlsx"])).content))
    assert [c.value for c in workbook["Cancellation reviews"][1]] == cancellation_sheet.COLUMNS
    assert workbook["Guide"].max_row == len(cancellation_sheet.COLUMNS) + 1
    csv_header = b"".join(client.get(reverse("audits:cancellation_review_template", args=["csv"])).streaming_content)
    assert csv_header.decode("utf-8-sig").strip() == SHEET_HEADER
