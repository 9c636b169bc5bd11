"""The dry run checks everything the database will: random rows (a seeded generator, so a failure can be
replayed from its seed) go to the dry run and, when it passes them, to the confirm, which must then write
every row exactly as given. On PostgreSQL the database enforces lengths and refuses NUL; on SQLite, which
does neither, the test checks each stored value against its column's length instead.

Also here: no silent truncation (a force crime reference of 80 characters is refused, not cut) and the
recorded-crime import refusing duplicate rows by name instead of adding them together.
"""

import io
import random
import string

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from audits import cancellation_sheet, case_sheet
from audits.models import AuditedCase, AuditedCrime, CancellationReview, FrameRecord
from audits.services import cancellation_reviews, case_import, sampling
from forces.models import RecordedCrimeVolume
from tests.factories import CaseFactory, InspectionFactory

pytestmark = pytest.mark.django_db

ROUNDS = 40
OFFENCES = ["Rape", "Violence with injury", "Other sexual offences", "Stalking and harassment", "Nothing"]


def text(rng: random.Random, longest: int) -> str:
    """Mostly ordinary, sometimes at or just over a column's length, now and then with a NUL (in a hostile
    round only: half the rounds are clean, so that both the dry run's answers are exercised)."""
    hostile = getattr(rng, "hostile", True)
    length = rng.choice([rng.randint(1, 12)] * 6 + ([longest, longest + 1, rng.randint(longest - 2, longest + 20)]
                                                    if hostile else [longest]))
    value = "".join(rng.choice(string.ascii_uppercase + string.digits + "-/é") for _ in range(max(length, 1)))
    if hostile and rng.random() < 0.05:
        at = rng.randrange(len(value) + 1)
        value = value[:at] + "\x00" + value[at:]
    return value


def sometimes(rng: random.Random, good, bad, chance: float = 0.05):
    return rng.choice(bad) if getattr(rng, "hostile", True) and rng.random() < chance else rng.choice(good)


def case_row(rng: random.Random, references: list[str]) -> dict:
    recorded = rng.random() < 0.7
    reference = rng.choice(references) if references and rng.random() < 0.3 else text(rng, 64)
    references.append(reference)
    expected = sometimes(rng, OFFENCES[:4], ["Nothing"])
    return {
        "case_reference": reference,
        "source": sometimes(rng, ["incident_log", "safeguarding_referral", "crime_bureau"], ["nowhere"]),
        "reported_at": sometimes(rng, ["01/03/2024 09:00"], ["31/02/2024 10:00", ""]),
        "domestic_abuse": sometimes(rng, ["yes", "no", ""], ["maybe"]),
        "vulnerable_victim": rng.choice(["yes", "no"]),
        "modern_slavery": rng.choice(["no", ""]),
        "case_notes": text(rng, 500) if rng.random() < 0.3 else "",
        "expected_offence": expected,
        "force_crime_reference": text(rng, 64) if recorded else "",
        "recorded_offence": expected if recorded else "",
        "recorded_at": rng.choice(["01/03/2024 10:00", "05/03/2024 10:00"]) if recorded else "",
        "cancellation_code": sometimes(rng, [""], ["C9"]) if recorded else "",
        "errors": "" if recorded else sometimes(rng, ["not_recorded"], ["misclassified", "nonsense"]),
        "child_victim": sometimes(rng, ["yes", "no", ""], ["perhaps"]),
        "safeguarding": "" if recorded else sometimes(rng, ["yes", "no", "not_known"], ["", "sometimes"]),
        "anonymous_report": rng.choice(["yes", "no", ""]),
        "third_party_report": sometimes(rng, ["no", ""], ["twice"]),
        "equality_information": sometimes(rng, ["", "yes", "no", "not_applicable"], ["unknown"]),
        "outcome": "",
        "outcome_reason": "",
    }


def fits(instance) -> list[str]:
    """What the database would refuse on PostgreSQL, checked on any database."""
    wrong = []
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str):
            if "\x00" in value:
                wrong.append(f"{field.name} holds a NUL")
            if field.max_length and len(value) > field.max_length:
                wrong.append(f"{field.name} is {len(value)} characters, over {field.max_length}")
    return wrong


def test_random_case_rows_the_dry_run_passes_are_written_exactly(forces, people):
    inspection = InspectionFactory(force=forces.a)
    CaseFactory(inspection=inspection, reference="EXISTING-1", auditor=people.inspector)
    passed = refused = 0
    for seed in range(ROUNDS):
        rng = random.Random(seed)
        rng.hostile = rng.random() < 0.5  # type: ignore[attr-defined]
        references: list[str] = ["EXISTING-1"] if rng.random() < 0.1 else []
        rows = [case_row(rng, references) for _ in range(rng.randint(1, 6))]
        if rng.random() < 0.1:
            rows.append(dict(rows[0]))  # an exact duplicate row
        mode = rng.choice(["add", "update"])
        plan = case_import.plan_import(inspection, rows, mode)
        if not plan.ok:
            refused += 1
            assert all(number is None or 2 <= number <= len(rows) + 1 for number, _ in plan.problems), seed
            continue
        passed += 1
        with transaction.atomic():
            try:
                case_import.import_cases(plan, people.inspector)
            except (DatabaseError, ValidationError) as error:
                pytest.fail(f"seed {seed}: the dry run passed {rows} but the confirm failed: {error!r}")
            for reference in plan.cases:
                case = AuditedCase.objects.get(inspection=inspection, reference=reference)
                assert not fits(case), (seed, fits(case))
                stored = sorted(case.crimes.values_list("force_crime_reference", flat=True))
                given = sorted(row["force_crime_reference"].strip() for row in rows
                               if row["case_reference"].strip() == reference)
                assert stored == given, f"seed {seed}: stored {stored}, given {given}"  # nothing cut
                assert case.notes == next(row["case_notes"].strip() for row in rows
                                          if row["case_reference"].strip() == reference)
                for crime in case.crimes.all():
                    assert not fits(crime), (seed, fits(crime))
            transaction.set_rollback(True)
    assert passed >= 5 and refused >= 5, (passed, refused)  # both sides were exercised


def test_random_cancellation_rows_the_dry_run_passes_are_written_exactly(forces, people):
    inspection = InspectionFactory(force=forces.a)
    passed = refused = 0
    for seed in range(ROUNDS):
        rng = random.Random(1000 + seed)
        rng.hostile = rng.random() < 0.5  # type: ignore[attr-defined]
        rows = [{
            "reference": text(rng, 64), "category": sometimes(rng, ["rape", "robbery"], ["burglary"]),
            "ground": sometimes(rng, ["C1", "C3", "C4"], ["C9"]), "avi_evidenced": "",
            "ddm_authorised": "yes", "victim_told": sometimes(rng, ["yes"], [""]),
            "verdict": rng.choice(["correct", "incorrect"]),
            "reason": text(rng, 300) if rng.random() < 0.8 else "",
        } for _ in range(rng.randint(1, 5))]
        plan = cancellation_reviews.plan_review_import(inspection, rows, "add")
        if not plan.ok:
            refused += 1
            continue
        passed += 1
        with transaction.atomic():
            try:
                cancellation_reviews.import_reviews(plan, people.inspector)
            except (DatabaseError, ValidationError) as error:
                pytest.fail(f"seed {seed}: the dry run passed {rows} but the confirm failed: {error!r}")
            for review in CancellationReview.objects.filter(inspection=inspection):
                assert not fits(review), (seed, fits(review))
            transaction.set_rollback(True)
    assert passed >= 3 and refused >= 5, (passed, refused)


def test_random_frames_are_stored_whole_or_refused_by_name(forces, people):
    inspection = InspectionFactory(force=forces.a)
    for seed in range(ROUNDS):
        rng = random.Random(2000 + seed)
        rng.hostile = rng.random() < 0.5  # type: ignore[attr-defined]
        lines = ["reference,occurred_at,stratum"]
        for _ in range(rng.randint(1, 6)):
            lines.append(",".join([text(rng, 64).replace(",", ""), rng.choice(["01/03/2024 09:00", "soon"]),
                                   text(rng, 60).replace(",", "")]))
        data = ("\n".join(lines) + "\n").encode()
        with transaction.atomic():
            try:
                frame = sampling.frame_upload(inspection=inspection, upload=io.BytesIO(data), filename="frame.csv",
                                              by=people.inspector)
            except ValidationError:
                assert not FrameRecord.objects.exists()
            except DatabaseError as error:
                pytest.fail(f"seed {seed}: {lines} reached the database and failed: {error!r}")
            else:
                for record in frame.records.all():
                    assert not fits(record), (seed, fits(record))
            transaction.set_rollback(True)


# No silent truncation ---------------------------------------------------------------------------------------


def test_a_long_force_crime_reference_is_refused_not_cut(forces, people):
    inspection = InspectionFactory(force=forces.a)
    row = {column: "" for column in case_sheet.COLUMNS} | {
        "case_reference": "LONG-1", "source": "incident_log", "reported_at": "01/03/2024 09:00",
        "expected_offence": "Rape", "recorded_offence": "Rape", "recorded_at": "01/03/2024 10:00",
        "force_crime_reference": "R" * 80}
    plan = case_import.plan_import(inspection, [row], "add")
    assert plan.problems == [(2, "force_crime_reference is 80 characters long; the most it may have is 64.")]
    notes = case_import.plan_import(inspection, [row | {"force_crime_reference": "", "case_notes": "n" * 501,
                                                        "case_reference": "C" * 65}], "add")
    assert (2, "case_notes is 501 characters long; the most it may have is 500.") in notes.problems
    assert (2, "case_reference is 65 characters long; the most it may have is 64.") in notes.problems
    no_crime = case_import.plan_import(inspection, [row | {
        "force_crime_reference": "", "expected_offence": "", "recorded_offence": "", "recorded_at": "",
        "outcome": "no_crime", "outcome_reason": "r" * 301}], "add")
    assert (2, "outcome_reason is 301 characters long; the most it may have is 300.") in no_crime.problems
    assert not AuditedCrime.objects.filter(case__inspection=inspection).exists()


def test_an_exact_duplicate_row_is_refused_naming_both_rows(forces):
    inspection = InspectionFactory(force=forces.a)
    row = {column: "" for column in case_sheet.COLUMNS} | {
        "case_reference": "DUP-1", "source": "incident_log", "reported_at": "01/03/2024 09:00",
        "expected_offence": "Rape", "errors": "not_recorded", "safeguarding": "yes"}
    plan = case_import.plan_import(inspection, [row, dict(row)], "add")
    assert [number for number, _ in plan.problems] == [3] and "repeats row 2 exactly" in plan.problems[0][1]


def test_two_long_frame_references_sharing_64_characters_are_refused_not_a_500(forces, people):
    inspection = InspectionFactory(force=forces.a)
    data = f"reference,occurred_at,stratum\n{'F' * 64}1,01/03/2024 09:00,cad\n{'F' * 64}2,01/03/2024 09:00,cad\n"
    with pytest.raises(ValidationError) as refused:
        sampling.frame_upload(inspection=inspection, upload=io.BytesIO(data.encode()), filename="f.csv",
                              by=people.inspector)
    assert "Row 2: reference is 65 characters long; the most it may have is 64." in refused.value.messages
    assert not FrameRecord.objects.exists()


def test_cancellation_rows_with_a_nul_are_refused(forces):
    inspection = InspectionFactory(force=forces.a)
    rows = cancellation_sheet.read_rows(io.BytesIO(
        b"reference,category,ground,avi_evidenced,ddm_authorised,victim_told,verdict,reason\n"
        b"CX-1,rape,C4,,yes,yes,correct,\n"), "c.csv")
    rows[0]["reason"] = "bad\x00"
    plan = cancellation_reviews.plan_review_import(inspection, rows, "add")
    assert (2, "reason contains a NUL character (a zero byte), which no text may hold.") in plan.problems


# Recorded-crime duplicates ----------------------------------------------------------------------------------

PRC_HEADER = ("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,"
              "Offence Code,Number of Offences\n")


def test_recorded_crime_duplicates_are_refused_with_their_rows_named(forces, tmp_path):
    rows = "".join(f"2016/17,{quarter},Thames Valley,Assault with injury,Violence against the person,"
                   f"Violence with injury,8N,800\n" for quarter in (1, 2, 3, 4))
    path = tmp_path / "prc.csv"
    path.write_text(PRC_HEADER + rows + "2016/17,Q3,Thames Valley Police,Assault with injury,Violence against the "
                    "person,Violence with injury,8n,832\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_prc", str(path), stdout=io.StringIO())
    assert "Row 6: Thames Valley Police, 2016/17 quarter Q3, offence 8n “Assault with injury” is also on row 4" \
        in str(refused.value)
    assert not RecordedCrimeVolume.objects.exists()
    path.write_text(PRC_HEADER + rows)  # without the duplicate: 4 × 800
    call_command("import_prc", str(path), stdout=io.StringIO())
    assert RecordedCrimeVolume.objects.get(force=forces.a, category="all_crime").count == 3200


def test_a_recorded_crime_source_too_long_is_refused_not_cut(forces, tmp_path):
    path = tmp_path / "prc.csv"
    path.write_text(PRC_HEADER + "2016/17,1,Thames Valley,Assault,Violence against the person,Violence with injury,"
                    "8N,5\n")
    with pytest.raises(CommandError, match="may have at most 200 characters"):
        call_command("import_prc", str(path), "--source", "S" * 201, stdout=io.StringIO())
    long_name = tmp_path / ("n" * 200 + ".csv")
    long_name.write_text(path.read_text())
    call_command("import_prc", str(long_name), stdout=io.StringIO())  # the default source is shortened visibly
