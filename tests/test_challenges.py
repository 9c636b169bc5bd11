"""Challenges: the force disputes a recording error before publication; an inspector decides."""


import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from audits import services
from audits.models import AuditedCase, Challenge, Inspection, RecordingError
from audits.services.challenges import challenge_raise, challenge_resolve

pytestmark = pytest.mark.django_db


def test_staff_raise_a_challenge_from_the_case_page(world, client_for):
    client = client_for(world.people.staff_a)
    error = world.unrecorded.errors.get()
    page = client.get(world.case.get_absolute_url()).content.decode()
    assert reverse("audits:challenge_new", args=[error.pk]) in page
    response = client.post(reverse("audits:challenge_new", args=[error.pk]), {"reason": "Recorded as CR/123."})
    challenge = Challenge.objects.get(error=error)
    assert response["Location"] == challenge.get_absolute_url()
    assert challenge.raised_by == world.people.staff_a and challenge.status == "open"
    listed = client_for(world.people.inspector).get(reverse("audits:challenges")).content.decode()
    assert challenge.get_absolute_url() in listed


def test_another_forces_staff_cannot_challenge_or_see(world, client_for):
    error = world.unrecorded.errors.get()
    client = client_for(world.people.staff_b)
    assert client.post(reverse("audits:challenge_new", args=[error.pk]), {"reason": "x"}).status_code == 404
    with pytest.raises(PermissionDenied):
        challenge_raise(error_id=error.pk, by=world.people.staff_b, reason="x")
    assert client.get(world.challenge.get_absolute_url()).status_code == 404
    assert not Challenge.objects.filter(error=error).exists()


@pytest.mark.parametrize("who", ["inspector", "manager"])
def test_only_force_staff_raise_challenges(world, who):
    with pytest.raises(PermissionDenied):
        challenge_raise(error_id=world.unrecorded.errors.get().pk, by=getattr(world.people, who), reason="x")


def test_no_challenge_after_publication_or_without_reason_or_twice(world, client_for):
    error = world.unrecorded.errors.get()
    with pytest.raises(ValidationError, match="Say why"):
        challenge_raise(error_id=error.pk, by=world.people.staff_a, reason="  ")
    with pytest.raises(ValidationError, match="already being challenged"):
        challenge_raise(error_id=world.misclassified.errors.get().pk, by=world.people.staff_a, reason="again")
    Inspection.objects.filter(pk=world.inspection.pk).update(status="published")
    with pytest.raises(ValidationError, match="published"):
        challenge_raise(error_id=error.pk, by=world.people.staff_a, reason="too late")
    page = client_for(world.people.staff_a).get(world.case.get_absolute_url()).content.decode()
    assert reverse("audits:challenge_new", args=[error.pk]) not in page
    assert Challenge.objects.count() == 1


def test_withdrawing_removes_the_error_with_history_and_changes_the_figures(world, client_for):
    client = client_for(world.people.inspector)
    report = reverse("reports:inspection", args=[world.inspection.pk])

    def rape_misclassified():
        errors = next(t for t in client.get(report).context["tables"] if t.key == "errors")
        return next(row for row in errors.rows if row[0] == "Misclassified")[4]

    assert rape_misclassified() == 1
    response = client.post(world.challenge.get_absolute_url(), {"outcome": "withdrawn", "note": "Agreed."})
    assert response.status_code == 302
    world.challenge.refresh_from_db()
    assert world.challenge.status == "withdrawn" and world.challenge.error is None
    assert not RecordingError.objects.filter(crime=world.misclassified).exists()
    assert RecordingError.history.filter(crime_id=world.misclassified.pk, history_type="-",
                                         history_user=world.people.inspector).exists()
    assert rape_misclassified() == 0
    with pytest.raises(ValidationError, match="already been resolved"):
        challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld")


def test_upholding_keeps_the_error_and_only_inspectors_decide(world, client_for):
    assert client_for(world.people.staff_a).post(world.challenge.get_absolute_url(),
                                                 {"outcome": "withdrawn"}).status_code == 403
    with pytest.raises(ValidationError):
        challenge_resolve(challenge_id=world.challenge.pk, by=world.people.staff_a, outcome="withdrawn")
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld", note="Stands.")
    assert RecordingError.objects.filter(crime=world.misclassified, kind="misclassified").exists()


def test_open_challenges_block_publication(world):
    AuditedCase.objects.filter(inspection=world.inspection).update(moderation_state="agreed")
    with pytest.raises(ValidationError, match="1 open challenge"):
        services.inspection_change_status(inspection=world.inspection, status="published", by=world.people.inspector)
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld",
                      note="The log shows a crime.")
    services.inspection_change_status(inspection=world.inspection, status="published", by=world.people.inspector)
    assert Inspection.objects.get(pk=world.inspection.pk).status == "published"


@pytest.mark.parametrize("status,listed", [("open", True), ("upheld", False), ("withdrawn", False)])
def test_the_challenge_page_and_api_filter_by_the_same_status_parameter(world, client_for, status, listed):
    challenge = challenge_raise(error_id=world.unrecorded.errors.get().pk, by=world.people.staff_a, reason="CR/1")
    page = client_for(world.people.inspector).get(reverse("audits:challenges"), {"status": status})
    assert (challenge in page.context["page"].object_list) is listed
    api = APIClient()
    api.force_authenticate(world.people.inspector)
    results = api.get(reverse("api:challenge-list"), {"status": status}).json()["results"]
    assert (challenge.pk in [row["id"] for row in results]) is listed


def test_the_challenge_page_lists_open_challenges_unless_asked_for_all(world, client_for):
    challenge = challenge_raise(error_id=world.unrecorded.errors.get().pk, by=world.people.staff_a, reason="CR/1")
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.UPHELD)
    client = client_for(world.people.inspector)
    assert challenge not in client.get(reverse("audits:challenges")).context["page"].object_list
    assert challenge in client.get(reverse("audits:challenges"), {"status": "all"}).context["page"].object_list


@pytest.mark.parametrize("data,message", [
    ({"note": "The log shows a crime."}, "Choose whether the error stands (uphold) or is withdrawn."),
    ({"outcome": "withdrawn"}, "Give the reason for the decision: the force sees it."),
    ({"outcome": "withdrawn", "note": "   "}, "Give the reason for the decision: the force sees it."),
    ({"outcome": "open", "note": "x"}, "Select a valid choice."),
])
def test_a_decision_is_chosen_deliberately_with_its_reason(world, client_for, data, message):
    client = client_for(world.people.inspector)
    page = client.get(world.challenge.get_absolute_url()).content.decode()
    assert 'type="radio"' in page and " checked" not in page  # no decision is made for the inspector
    response = client.post(world.challenge.get_absolute_url(), data)
    assert response.status_code == 200 and message in response.content.decode()
    api = APIClient()
    api.force_authenticate(world.people.inspector)
    refused = api.post(reverse("api:challenge-resolve", args=[world.challenge.pk]), data, format="json")
    assert refused.status_code == 400
    with pytest.raises(ValidationError):
        challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector,
                          outcome=data.get("outcome", ""), note=data.get("note"))
    world.challenge.refresh_from_db()
    assert world.challenge.status == "open" and world.challenge.resolved_by is None
    assert RecordingError.objects.filter(crime=world.misclassified).exists()


def test_the_force_sees_the_decision_and_its_reason(world, client_for):
    challenge_resolve(challenge_id=world.challenge.pk, by=world.people.inspector, outcome="upheld",
                      note="Home Office Counting Rules: classified at the point of the report.")
    page = client_for(world.people.staff_a).get(world.challenge.get_absolute_url()).content.decode()
    assert "Upheld (the error stands)" in page
    assert "Home Office Counting Rules: classified at the point of the report." in page
