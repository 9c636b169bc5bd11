"""Migration audits 0016 moves each case's victim flags onto every crime of the case (and back), and gives each
unrecorded crime "safeguarding: not known"."""

from datetime import datetime, timezone

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("audits", "0015_cancellation_review")]
AFTER = [("audits", "0016_case_outcomes_and_victim_flags")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_case_flags_go_onto_every_crime_and_come_back(reference_data):
    apps = migrate(BEFORE)
    try:
        Inspection, Case, Crime = (apps.get_model("audits", name) for name in ("Inspection", "AuditedCase",
                                                                                "AuditedCrime"))
        Force, Subgroup = apps.get_model("forces", "Force"), apps.get_model("audits", "OffenceSubgroup")
        rape, violence = Subgroup.objects.get(name="Rape"), Subgroup.objects.get(name="Violence with injury")
        inspection = Inspection.objects.create(force=Force.objects.get(slug="thames-valley"), kind="cdi",
                                               status="fieldwork", grading_scheme="cdi_2017")
        at = datetime(2024, 3, 1, 9, tzinfo=timezone.utc)
        flagged = Case.objects.create(inspection=inspection, reference="M-1", source="incident_log", reported_at=at,
                                      domestic_abuse=True, vulnerable_victim=True)
        plain = Case.objects.create(inspection=inspection, reference="M-2", source="incident_log", reported_at=at)
        Crime.objects.create(case=flagged, expected_offence=rape)
        Crime.objects.create(case=flagged, expected_offence=violence, recorded_offence=violence, recorded_at=at)
        Crime.objects.create(case=plain, expected_offence=violence, recorded_offence=violence, recorded_at=at)

        apps = migrate(AFTER)
        Crime = apps.get_model("audits", "AuditedCrime")
        assert sorted(Crime.objects.values_list("case__reference", "domestic_abuse", "vulnerable_victim",
                                                "modern_slavery", "safeguarding")) == [
            ("M-1", True, True, False, ""), ("M-1", True, True, False, "not_known"), ("M-2", False, False, False, "")]
        # A flag on one crime only: going back, its case is flagged.
        Crime.objects.filter(case__reference="M-2").update(modern_slavery=True)

        apps = migrate(BEFORE)
        Case = apps.get_model("audits", "AuditedCase")
        assert sorted(Case.objects.values_list("reference", "domestic_abuse", "vulnerable_victim", "modern_slavery")) \
            == [("M-1", True, True, False), ("M-2", False, False, True)]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
