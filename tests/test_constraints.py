"""What must never be stored is refused by the database itself, and nothing is written."""

import importlib
from datetime import date

import pytest
from django.db import IntegrityError, transaction

from audits.models import AuditedCase, AuditedCrime, Inspection, PublishedResult, RecordingError
from audits.rules import ERROR_NEEDS, Needs
from tests.factories import CaseFactory, CrimeFactory, InspectionFactory, offence

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_reference_twice_in_one_inspection_is_refused(world):
    before = AuditedCase.objects.count()
    refused(lambda: CaseFactory(inspection=world.inspection, reference="TVP-A-0001"))
    assert AuditedCase.objects.count() == before


def test_same_reference_in_another_inspection_is_allowed(world):
    CaseFactory(inspection=world.inspection_b, reference="TVP-A-0001")


def test_audit_period_ending_before_it_starts_is_refused(forces):
    refused(lambda: InspectionFactory(audit_period_start=date(2024, 6, 1), audit_period_end=date(2024, 5, 31)))
    refused(lambda: InspectionFactory(fieldwork_start=date(2024, 9, 2), fieldwork_end=date(2024, 9, 1)))
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("rate", ["-0.01", "100.01"])
def test_rate_outside_0_to_100_is_refused(world, rate):
    refused(lambda: PublishedResult.objects.create(inspection=world.inspection_b, category="rape", rate=rate))
    assert not PublishedResult.objects.filter(inspection=world.inspection_b).exists()


def test_more_recorded_than_audited_is_refused(world):
    refused(lambda: PublishedResult.objects.create(inspection=world.inspection_b, category="rape",
                                                   recorded=139, audited=138))


def test_recording_time_without_recorded_offence_is_refused(world):
    refused(lambda: CrimeFactory(case=world.case, recorded_offence=None))
    refused(lambda: CrimeFactory(case=world.case, recorded_offence=None, recorded_at=None, cancellation_code="C2"))


@pytest.mark.parametrize("kind", ["misclassified", "recorded_late", "wrongly_cancelled", "victim_not_told"])
def test_error_that_needs_a_recorded_crime_on_an_unrecorded_one_is_refused(world, kind):
    refused(lambda: RecordingError.objects.create(crime=world.unrecorded, kind=kind))
    assert list(world.unrecorded.errors.values_list("kind", flat=True)) == ["not_recorded"]


@pytest.mark.parametrize("kind", ["not_recorded", "n100_misused", "additional_crime_missed"])
def test_error_that_needs_an_unrecorded_crime_on_a_recorded_one_is_refused(world, kind):
    refused(lambda: RecordingError.objects.create(crime=world.recorded, kind=kind))
    assert not world.recorded.errors.exists()


def test_changing_an_errors_kind_is_checked_too(world):
    error = world.unrecorded.errors.get()
    error.kind = "misclassified"
    refused(error.save)
    assert world.unrecorded.errors.get().kind == "not_recorded"


def test_changing_a_crime_so_that_its_errors_contradict_it_is_refused(world):
    crime = AuditedCrime.objects.get(pk=world.misclassified.pk)
    crime.recorded_offence = None
    crime.recorded_at = None
    refused(crime.save)
    assert AuditedCrime.objects.get(pk=crime.pk).recorded_offence == offence("Other sexual offences")


def test_cancellation_errors_need_a_cancelled_crime(world):
    refused(lambda: RecordingError.objects.create(crime=world.recorded, kind="wrongly_cancelled"))
    AuditedCrime.objects.filter(pk=world.recorded.pk).update(cancellation_code="C2")
    RecordingError.objects.create(crime=world.recorded, kind="wrongly_cancelled")


def test_same_error_kind_twice_on_a_crime_is_refused(world):
    refused(lambda: RecordingError.objects.create(crime=world.unrecorded, kind="not_recorded"))


def test_triggers_follow_the_rules_table():
    migration = importlib.import_module("audits.migrations.0003_error_kind_triggers")
    by_need = {need: {kind.value for kind, n in ERROR_NEEDS.items() if n == need} for need in Needs}
    assert set(migration.NEEDS_UNRECORDED) == by_need[Needs.UNRECORDED]
    assert set(migration.NEEDS_RECORDED) == by_need[Needs.RECORDED]
    assert set(migration.NEEDS_CANCELLED) == by_need[Needs.CANCELLED]
