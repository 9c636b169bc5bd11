"""Guided publication under the inspection's row lock, on PostgreSQL with real connections: two inspectors
publishing at once publish once (one version of the record), and a challenge raised while publication runs waits
for it and is then refused."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from audits.models import AuditedCase, Challenge, Inspection
from audits.services.challenges import challenge_raise
from forces.models import Force, RecordedCrimeVolume
from forces.roles import Role
from reports.models import ResultVersion
from reports.publishing import publish_inspection
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, make_user
from tests.test_publication_races import slowed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this on PostgreSQL (DATABASE_URL)")
    force = Force.objects.get(slug="thames-valley")
    inspection = InspectionFactory(force=force, status="fieldwork", year=2024, grade="good")
    CrimeFactory(case=CaseFactory(inspection=inspection, moderation_state=AuditedCase.Moderation.AGREED))
    error = ErrorFactory(crime__case=CaseFactory(inspection=inspection, moderation_state=AuditedCase.Moderation.AGREED))
    for category in ("all_crime", "violence_against_the_person"):
        RecordedCrimeVolume.objects.create(force=force, period_end=date(2024, 6, 30), category=category, count=9000,
                                           source="PRC")
    people = (make_user("insp", Role.INSPECTOR, is_staff=True), make_user("insp2", Role.INSPECTOR, is_staff=True),
              make_user("staff", Role.FORCE_STAFF, force))
    return inspection, error, people


def run_both(first, second, reached):
    outcomes = {}

    def runner(name, action, wait):
        if wait:
            reached.wait(5)
        try:
            outcomes[name] = action()
        except ValidationError as problem:
            outcomes[name] = problem
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=("first", first, False)),
               threading.Thread(target=runner, args=("second", second, True))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return outcomes


def test_two_inspectors_publishing_at_once_publish_once(ready):
    inspection, _, (inspector, inspector2, _) = ready
    with slowed(Inspection, "save") as reached:
        outcomes = run_both(lambda: publish_inspection(inspection_id=inspection.pk, by=inspector),
                            lambda: publish_inspection(inspection_id=inspection.pk, by=inspector2), reached)
    assert outcomes["first"].status == Inspection.Status.PUBLISHED
    assert "It is already published" in str(outcomes["second"])
    assert ResultVersion.objects.filter(inspection=inspection).count() == 1


def test_a_challenge_raised_while_publishing_waits_and_is_refused(ready):
    inspection, error, (inspector, _, staff) = ready
    with slowed(Inspection, "save") as reached:
        outcomes = run_both(lambda: publish_inspection(inspection_id=inspection.pk, by=inspector),
                            lambda: challenge_raise(error_id=error.pk, by=staff, reason="Recorded as CR/1."), reached)
    assert outcomes["first"].status == Inspection.Status.PUBLISHED
    assert "The inspection is published" in str(outcomes["second"])
    assert not Challenge.objects.exists()
