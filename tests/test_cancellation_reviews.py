"""Cancellation review: reviewed cancelled and transferred crime records are an inspection's own sample,
"x of y correct", never part of a recording rate; and a crime the force correctly cancelled is left out of
the crime-recording sample (reports.results.IN_RECORDING_SAMPLE)."""

from datetime import timedelta

import pytest

from reports.results import results_for
from reports.weighted import stratum_counts
from tests.factories import CaseFactory, CrimeFactory, ErrorFactory, InspectionFactory, offence

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
    case = CaseFactory(inspection=inspection, source="cancelled_crime", domestic_abuse=True)
    CrimeFactory(case=case, expected_offence=offence("Rape"), cancellation_code=ground)
    CrimeFactory(case=case, expected_offence=offence("Violence with injury"), cancellation_code=ground,
                 recorded_at=case.reported_at + timedelta(hours=30))
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
