"""The REST API: tokens, writes through the services, validation, scoping of filters, figures that
match the report pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, RecordingError
from forces.models import ApiToken
from forces.tokens import token_create

pytestmark = pytest.mark.django_db


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# Tokens ---------------------------------------------------------------------------------------------


def test_token_page_creates_shows_once_lists_and_revokes(world, client_for):
    client = client_for(world.people.staff_a)
    page = client.post(reverse("forces:api_tokens"), {"name": "Audit sheet", "expires_in_days": 30})
    raw = page.context["new_token"]
    assert raw and raw in page.content.decode()
    token = ApiToken.objects.get(user=world.people.staff_a)
    assert token.key_hash != raw and raw not in token.key_hash and token.read_only is False
    assert raw not in client.get(reverse("forces:api_tokens")).content.decode()  # shown once
    assert bearer(raw).get(reverse("api:force-list")).status_code == 200
    client.post(reverse("forces:api_token_revoke", args=[token.pk]))
    assert bearer(raw).get(reverse("api:force-list")).status_code == 401
    other = client_for(world.people.staff_b)
    assert other.post(reverse("forces:api_token_revoke", args=[token.pk])).status_code == 404


def test_token_form_needs_a_name(world, client_for):
    page = client_for(world.people.staff_a).post(reverse("forces:api_tokens"), {"name": " ", "expires_in_days": 30})
    assert "There is a problem" in page.content.decode() and not ApiToken.objects.exists()


def test_a_token_carries_its_owners_role_and_force(world):
    _, raw = token_create(user=world.people.staff_b, name="glos")
    forces = bearer(raw).get(reverse("api:force-list")).json()["results"]
    assert [f["slug"] for f in forces] == ["gloucestershire"]
    assert bearer(raw).get(reverse("api:inspection-detail", args=[world.inspection.pk])).status_code == 404


def test_expired_unknown_and_malformed_tokens_get_401(world):
    token, raw = token_create(user=world.people.inspector, name="old", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(raw).get(reverse("api:force-list")).status_code == 401
    assert bearer("not-a-real-token").get(reverse("api:force-list")).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer two parts")
    assert client.get(reverse("api:force-list")).status_code == 401


def test_read_only_tokens_cannot_write(world):
    _, raw = token_create(user=world.people.inspector, name="reader", read_only=True)
    client = bearer(raw)
    assert client.get(reverse("api:inspection-list")).status_code == 200
    response = client.patch(reverse("api:inspection-detail", args=[world.inspection.pk]), {"notes": "x"}, format="json")
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


# Audited cases through the API --------------------------------------------------------------------


CASE = {
    "reference": "API/24/0001", "source": "incident_log", "reported_at": "2024-03-01T09:00:00Z",
    "crimes": [
        {"expected_offence": "Violence with injury", "recorded_offence": "Violence with injury",
         "recorded_at": "2024-03-01T11:00:00Z", "vulnerable_victim": True},
        {"expected_offence": "Rape", "recorded_offence": "Other sexual offences", "recorded_at": "2024-03-01T12:00:00Z",
         "errors": ["misclassified"], "vulnerable_victim": True},
    ],
}


def test_case_with_two_crimes_and_an_error_matches_the_report_page(world, client_for):
    inspection = Inspection.objects.create(force=world.forces.a, kind="cdi", audit_period_start="2024-01-01",
                                           audit_period_end="2024-06-30")
    api = as_user(world.people.inspector)
    response = api.post(reverse("api:inspection-case-list", args=[inspection.pk]), CASE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["auditor"] == "insp" and body["moderation_state"] == "draft"
    assert [c["errors"] for c in body["crimes"]] == [[], ["misclassified"]]

    unpublished = api.get(reverse("api:inspection-results", args=[inspection.pk]))
    assert unpublished.status_code == 404 and "include=provisional" in unpublished.json()["detail"]
    provisional = api.get(reverse("api:inspection-results", args=[inspection.pk]), {"include": "provisional"}).json()
    assert all(r["provisional"] and r["version"] is None and not r["synthetic"] for r in provisional)
    results = {r["category"]: r for r in provisional}
    page = client_for(world.people.inspector).get(reverse("reports:inspection", args=[inspection.pk]))
    table = {row[0]: row for row in next(t for t in page.context["tables"] if t.key == "categories").rows}
    for category, label in [("all_crime", "All crime"), ("rape", "Rape"), ("violence_against_the_person",
                                                                             "Violence against the person")]:
        assert [results[category]["audited"], results[category]["recorded"]] == table[label][1:3]
        assert round(results[category]["rate"] * 100, 1) == table[label][3]
    assert results["rape"]["errors"] == {"misclassified": 1}
    assert results["vulnerable_victim"]["audited"] == 2


def test_update_replaces_crimes_and_derives_lateness(world):
    api = as_user(world.people.inspector)
    url = reverse("api:case-detail", args=[world.case.pk])
    case = api.get(url).json()
    crimes = case["crimes"][:1]
    crimes[0]["recorded_at"] = "2024-03-03T09:00:00Z"  # 48 hours after the report
    response = api.put(url, {**case, "crimes": crimes}, format="json")
    assert response.status_code == 200, response.json()
    assert [c["errors"] for c in response.json()["crimes"]] == [["recorded_late"]]
    assert AuditedCrime.objects.filter(case=world.case).count() == 1


@pytest.mark.parametrize("change,field,message", [
    ({"crimes": [{"expected_offence": "Rape", "errors": ["misclassified"]}]}, "crimes",
     "can only be recorded against a crime the force recorded"),
    ({"crimes": [{"expected_offence": "Rape", "recorded_offence": "Rape", "recorded_at": "2024-02-29T09:00:00Z"}]},
     "crimes", "cannot be recorded before it was reported"),
    ({"crimes": [{"expected_offence": "Shoplifting by dragon"}]}, "crimes", "does not exist"),
    ({"reported_at": "2024-07-01T09:00:00Z"}, "reported_at", "must fall within the audit period"),
    ({"reference": "TVP-A-0001"}, "__all__", "already has a case with that reference"),
    ({"crimes": []}, "crimes", "at least one audited crime"),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(world, change, field, message):
    before = (AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count())
    response = as_user(world.people.inspector).post(
        reverse("api:inspection-case-list", args=[world.inspection.pk]), {**CASE, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json() and message in str(response.json()[field])
    assert (AuditedCase.objects.count(), AuditedCrime.objects.count(), RecordingError.objects.count()) == before


def test_published_inspections_are_locked_through_the_api_too(world):
    AuditedCase.objects.filter(inspection=world.inspection).update(moderation_state="agreed")
    Challenge.objects.update(status="upheld")
    api = as_user(world.people.inspector)
    assert api.post(reverse("api:inspection-status", args=[world.inspection.pk]), {"status": "published"},
                    format="json").status_code == 200
    url = reverse("api:case-detail", args=[world.case.pk])
    response = api.patch(url, {"notes": "late change", "version": api.get(url).json()["version"]}, format="json")
    assert response.status_code == 400 and "locked" in str(response.json())
    assert api.delete(reverse("api:case-detail", args=[world.case.pk])).status_code == 400
    assert AuditedCase.objects.get(pk=world.case.pk).notes == ""


def test_moderation_rules_hold_through_the_api(world):
    api = as_user(world.people.inspector)
    assert api.post(reverse("api:case-submit", args=[world.case.pk])).status_code == 200
    response = api.post(reverse("api:case-agree", args=[world.case.pk]))
    assert response.status_code == 400 and "never by its own author" in str(response.json())
    assert as_user(world.people.inspector2).post(reverse("api:case-agree", args=[world.case.pk])).status_code == 200


def test_history_records_the_api_user(world):
    as_user(world.people.inspector).patch(reverse("api:inspection-detail", args=[world.inspection.pk]),
                                          {"notes": "Moved"}, format="json")
    assert Inspection.history.filter(id=world.inspection.pk).latest("history_date").history_user == \
        world.people.inspector


# Filters and scoping -------------------------------------------------------------------------------


def test_same_filters_as_the_pages(world):
    api = as_user(world.people.staff_a)
    cases = api.get(reverse("api:inspection-case-list", args=[world.inspection.pk]), {"error": "misclassified"})
    assert [c["reference"] for c in cases.json()["results"]] == ["TVP-A-0001"]
    none = api.get(reverse("api:inspection-case-list", args=[world.inspection.pk]), {"source": "crime_bureau"})
    assert none.json()["count"] == 0
    regions = as_user(world.people.manager).get(reverse("api:inspection-list"), {"region": "Wales"})
    assert regions.json()["count"] == 0
    bad = api.get(reverse("api:inspection-list"), {"year": "twenty"})
    assert bad.status_code == 400 and "year" in bad.json()


def test_filtering_by_another_forces_id_returns_nothing_not_an_error(world):
    api = as_user(world.people.staff_b)
    for params in [{"inspection": world.inspection.pk}, {"force": "thames-valley"}, {"inspection": 999999}]:
        response = api.get(reverse("api:finding-list"), params)
        assert response.status_code == 200 and response.json()["count"] == 0, params
    response = api.get(reverse("api:volume-list"), {"force": "thames-valley"})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert api.get(reverse("api:inspection-case-list", args=[world.inspection.pk])).status_code == 404


def test_follow_up_through_the_api_with_conflict(world):
    api = as_user(world.people.staff_a)
    url = reverse("api:follow-up-list", args=[world.finding.pk])
    response = api.post(url, {"version": 1, "status": "in_progress", "comment": "Started"}, format="json")
    assert response.status_code == 201 and response.json()["status_to"] == "in_progress"
    stale = as_user(world.people.inspector).post(url, {"version": 1, "comment": "stale"}, format="json")
    assert stale.status_code == 409 and stale.json()["changes"][0]["comment"] == "Started"
    refused = api.post(url, {"version": 2, "status": "complete"}, format="json")
    assert refused.status_code == 400 and "You cannot move" in str(refused.json())
    timeline = api.get(url).json()["results"]
    assert [entry["comment"] for entry in timeline] == ["Action plan agreed by the chief officer group.", "Started"]
    assert timeline[0]["evidence"][0]["name"] == "Thames Valley action plan.pdf"


def test_schema_is_valid_openapi_and_documents_errors(world):
    response = as_user(world.people.manager).get(reverse("api:schema"), {"format": "json"})
    schema = response.json()
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)  # against the OpenAPI 3 JSON schema
    operation = schema["paths"]["/api/v1/cases/{id}/"]["put"]
    assert {"400", "401", "403", "404", "429"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    docs = as_user(world.people.manager).get(reverse("api:docs"))
    html = docs.content.decode()
    assert docs.status_code == 200 and "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "https://" not in html and "http://" not in html  # nothing from a CDN


def test_tokens_through_the_api(world):
    _, reader = token_create(user=world.people.staff_a, name="reader", read_only=True)
    refused = bearer(reader).post(reverse("api:token-list"), {"name": "wider"}, format="json")
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
    _, raw = token_create(user=world.people.staff_a, name="first")
    client = bearer(raw)
    made = client.post(reverse("api:token-list"), {"name": "narrow", "read_only": True, "expires_in_days": 7},
                       format="json")
    assert made.status_code == 201 and made.json()["token"]
    listed = client.get(reverse("api:token-list")).json()["results"]
    assert {t["name"] for t in listed} == {"reader", "first", "narrow"} and all(t["token"] is None for t in listed)
    assert bearer(made.json()["token"]).get(reverse("api:force-list")).json()["count"] == 1


def test_the_schema_generates_without_warnings():

    from tests.test_settings import manage

    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr[-2000:]


def test_challenges_through_the_api(world):
    error = world.unrecorded.errors.get()
    staff = as_user(world.people.staff_a)
    raised = staff.post(reverse("api:challenge-list"), {"error": error.pk, "reason": "Recorded as CR/9."},
                        format="json")
    assert raised.status_code == 201 and raised.json()["status"] == "open"
    again = staff.post(reverse("api:challenge-list"), {"error": error.pk, "reason": "again"}, format="json")
    assert again.status_code == 400 and "already being challenged" in str(again.json())
    assert as_user(world.people.staff_b).post(reverse("api:challenge-list"), {"error": error.pk, "reason": "x"},
                                              format="json").status_code == 403
    inspector = as_user(world.people.inspector)
    results = lambda: {r["category"]: r for r in inspector.get(  # noqa: E731
        reverse("api:inspection-results", args=[world.inspection.pk]), {"include": "provisional"}).json()}
    assert results()["all_crime"]["errors"]["not_recorded"] == 1
    resolved = inspector.post(reverse("api:challenge-resolve", args=[raised.json()["id"]]), {"outcome": "withdrawn", "note": "CR/2 confirms it."},
                              format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "withdrawn"
    assert "not_recorded" not in results()["all_crime"]["errors"]
    refused = staff.post(reverse("api:challenge-resolve", args=[raised.json()["id"]]), {"outcome": "upheld"},
                         format="json")
    assert refused.status_code == 403
