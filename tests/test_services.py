"""The audit services: moderation by a second inspector, inspection status, the publication lock and
derived lateness. Every refusal says why and changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audits import services
from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, RecordingError
from tests.factories import CaseFactory, CrimeFactory, offence

pytestmark = pytest.mark.django_db


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def refused(call, message):
    with pytest.raises(ValidationError) as error:
        call()
    assert message in " ".join(error.value.messages)


def test_case_moves_draft_submitted_agreed_by_two_inspectors(world):
    people = world.people
    services.case_submit(case=world.case, by=people.inspector)
    case = services.case_agree(case=world.case, by=people.inspector2)
    assert case.moderation_state == "agreed"
    assert (case.submitted_by, case.moderated_by) == (people.inspector, people.inspector2)


def test_an_author_cannot_moderate_their_own_case(world):
    services.case_submit(case=world.case, by=world.people.inspector)
    refused(lambda: services.case_agree(case=world.case, by=world.people.inspector), "never by its own author")
    refused(lambda: services.case_query(case=world.case, by=world.people.inspector, reason="x"), "own author")
    assert reload(world.case).moderation_state == "submitted"


def test_the_submitter_cannot_moderate_a_colleagues_case_they_submitted(world):
    services.case_submit(case=world.case, by=world.people.inspector2)
    refused(lambda: services.case_agree(case=world.case, by=world.people.inspector2), "own author")


def test_query_needs_a_reason_and_sends_the_case_back(world):
    services.case_submit(case=world.case, by=world.people.inspector)
    refused(lambda: services.case_query(case=world.case, by=world.people.inspector2, reason="  "), "Say why")
    assert reload(world.case).moderation_state == "submitted"
    case = services.case_query(case=world.case, by=world.people.inspector2, reason="Check the second crime")
    assert (case.moderation_state, case.query_reason) == ("queried", "Check the second crime")
    services.case_submit(case=world.case, by=world.people.inspector)
    assert reload(world.case).moderation_state == "submitted"


@pytest.mark.parametrize("state,action", [("draft", "agree"), ("agreed", "agree"), ("agreed", "submit"),
                                          ("submitted", "submit"), ("draft", "query")])
def test_moderation_steps_out_of_order_are_refused(world, state, action):
    AuditedCase.objects.filter(pk=world.case.pk).update(moderation_state=state)
    call = {
        "agree": lambda: services.case_agree(case=world.case, by=world.people.inspector2),
        "submit": lambda: services.case_submit(case=world.case, by=world.people.inspector),
        "query": lambda: services.case_query(case=world.case, by=world.people.inspector2, reason="why"),
    }[action]
    refused(call, f"is {state}")
    assert reload(world.case).moderation_state == state


def test_a_case_without_crimes_cannot_be_submitted(world):
    empty = CaseFactory(inspection=world.inspection)
    refused(lambda: services.case_submit(case=empty, by=world.people.inspector), "no audited crimes")


@pytest.mark.parametrize("who", ["staff_a", "manager", "nobody"])
def test_only_inspectors_change_audit_data(world, who):
    user = getattr(world.people, who)
    refused(lambda: services.case_submit(case=world.case, by=user), "Only inspectors")
    refused(lambda: services.crime_save(crime=world.recorded, kinds=[], by=user), "Only inspectors")
    refused(lambda: services.inspection_change_status(inspection=world.inspection, status="published", by=user),
            "Only inspectors")
    assert reload(world.inspection).status == "moderation"


def test_publishing_needs_every_case_agreed_then_locks_until_reopened(world):
    people = world.people
    Challenge.objects.update(status="upheld")
    refused(lambda: services.inspection_change_status(inspection=world.inspection, status="published",
                                                      by=people.inspector), "1 case not yet agreed")
    services.case_submit(case=world.case, by=people.inspector)
    services.case_agree(case=world.case, by=people.inspector2)
    inspection = services.inspection_change_status(inspection=world.inspection, status="published",
                                                   by=people.inspector)
    assert inspection.is_locked and inspection.published_on

    refused(lambda: services.crime_save(crime=world.recorded, kinds=["recorded_late"], by=people.inspector),
            "locked")
    refused(lambda: services.case_delete(case=world.case, by=people.inspector), "locked")
    with pytest.raises(PermissionDenied), transaction.atomic():  # the backstop for any other code path
        AuditedCrime.objects.get(pk=world.recorded.pk).save()
    with pytest.raises(PermissionDenied), transaction.atomic():
        RecordingError.objects.filter(crime=world.misclassified).get().delete()
    assert AuditedCase.objects.filter(pk=world.case.pk).exists()

    refused(lambda: services.inspection_change_status(inspection=world.inspection, status="moderation",
                                                      by=people.inspector), "Say why")
    services.inspection_change_status(inspection=world.inspection, status="moderation", by=people.inspector,
                                      reason="A rape was entered under the wrong case.")
    services.crime_save(crime=reload(world.recorded), kinds=[], by=people.inspector)


@pytest.mark.parametrize("start,target", [("planned", "published"), ("planned", "moderation"),
                                          ("fieldwork", "published"), ("published", "planned")])
def test_inspection_status_jumps_are_refused(world, start, target):
    Inspection.objects.filter(pk=world.inspection.pk).update(status=start)
    refused(lambda: services.inspection_change_status(inspection=world.inspection, status=target,
                                                      by=world.people.inspector), "cannot move from")
    assert reload(world.inspection).status == start


def test_recorded_late_is_derived_from_the_timestamps(world):
    crime = world.recorded
    crime.recorded_at = world.case.reported_at + timedelta(hours=25)
    services.crime_save(crime=crime, kinds=[], by=world.people.inspector)
    assert set(crime.errors.values_list("kind", flat=True)) == {"recorded_late"}

    crime.recorded_at = world.case.reported_at + timedelta(hours=23)
    services.crime_save(crime=crime, kinds=["recorded_late"], by=world.people.inspector)
    assert not crime.errors.exists()


def test_lateness_can_be_entered_by_hand_when_a_time_is_missing(world):
    crime = CrimeFactory(case=world.case, recorded_at=None)
    services.crime_save(crime=crime, kinds=["recorded_late"], by=world.people.inspector)
    assert list(crime.errors.values_list("kind", flat=True)) == ["recorded_late"]


def test_changing_a_case_report_time_re_derives_lateness(world):
    case = world.case
    case.reported_at = case.reported_at - timedelta(days=2)
    crimes = [(crime, {error.kind for error in crime.errors.all()}) for crime in case.crimes.all()]
    services.case_write(case=case, crimes=crimes, by=world.people.inspector)
    assert world.recorded.errors.filter(kind="recorded_late").exists()


def test_crime_save_refuses_contradictory_errors_with_a_message_and_writes_nothing(world):
    crime = world.unrecorded
    refused(lambda: services.crime_save(crime=crime, kinds=["not_recorded", "misclassified"],
                                        by=world.people.inspector), "“Misclassified” can only be recorded against")
    assert list(crime.errors.values_list("kind", flat=True)) == ["not_recorded"]


def test_a_crime_can_go_from_misclassified_to_unrecorded_in_one_save(world):
    crime = reload(world.misclassified)
    crime.recorded_offence = None
    crime.recorded_at = None
    with pytest.raises(ValidationError, match="Say whether the victim of this unrecorded crime was safeguarded"):
        services.crime_save(crime=crime, kinds=["not_recorded"], by=world.people.inspector)
    crime.safeguarding = "yes"
    services.crime_save(crime=crime, kinds=["not_recorded"], by=world.people.inspector)
    assert list(crime.errors.values_list("kind", flat=True)) == ["not_recorded"]
    assert reload(crime).recorded_offence is None


def test_editing_an_agreed_case_sends_it_back_to_draft(world):
    services.case_submit(case=world.case, by=world.people.inspector)
    services.case_agree(case=world.case, by=world.people.inspector2)
    case = reload(world.case)
    services.case_return_to_draft_if_moderated(case)
    assert reload(case).moderation_state == "draft" and reload(case).moderated_by is None


def test_expected_and_recorded_offences_are_reference_data(db):
    assert offence("Rape").category == "rape"
    assert offence("Stalking and harassment").category == "violence_against_the_person"
