"""Generate a national benchmark dataset: 43 forces, 4 inspections each, 1,500 × ``scale`` audited
cases per inspection, about 1.2 crimes a case, with recording errors; then publish every inspection
and freeze its figures as its published result record (reports.publication.freeze_results), as
publishing does. Cases, crimes and errors are written with PostgreSQL ``COPY`` (no history rows: the
benchmark measures reads). Run through bench/run.py or `make bench` / `make bench-10x`."""

import random
import sys
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from audits.grading import scheme_for
from audits.models import AuditedCase, CountingRule, Inspection, OffenceSubgroup, PublishedResult
from audits.rules import default_rule_code
from forces.models import Force, RecordedCrimeVolume
from reports.publication import freeze_results

INSPECTIONS_PER_FORCE = 4
CASES_PER_INSPECTION = 1500  # at scale 1
SECOND_CRIME_SHARE = 0.2
MARKER = "benchmark dataset"
OFFENCE_WEIGHTS = {"Violence with injury": 20, "Violence without injury": 25, "Stalking and harassment": 12,
                   "Rape": 5, "Other sexual offences": 5, "Criminal damage": 10, "Public order offences": 10,
                   "All other theft offences": 8, "Residential burglary": 5}
CASE_COLUMNS = ["id", "inspection_id", "reference", "source", "reported_at", "outcome", "outcome_reason",
                "anonymous_report", "third_party_report", "equality_information", "moderation_state", "query_reason",
                "notes", "stratum", "version"]
CRIME_COLUMNS = ["id", "case_id", "expected_offence_id", "force_crime_reference", "recorded_offence_id",
                 "recorded_at", "cancellation_code", "safeguarding", "domestic_abuse", "vulnerable_victim",
                 "modern_slavery", "child_victim"]
ERROR_COLUMNS = ["crime_id", "kind", "rule_id"]


def generated_scale():
    """The scale of the dataset already in the database (cases per inspection / 1,500), or None."""
    inspection = Inspection.objects.filter(notes=MARKER).order_by("pk").first()
    if inspection is None:
        return None
    return AuditedCase.objects.filter(inspection=inspection).count() / CASES_PER_INSPECTION


def generate(seed=1, scale=1):
    """Write the dataset and commit it, refresh the planner's statistics, then freeze every inspection's
    figures (in their own transaction: an interrupted freeze is resumed by bench/run.py's next run)."""
    count = _load(seed, scale)
    analyze()  # freeze_results's aggregates over 3 million fresh rows plan far better with statistics
    freeze_unfrozen()
    return count


@transaction.atomic
def _load(seed, scale):
    rng = random.Random(seed)
    offences = {o.name: o.pk for o in OffenceSubgroup.objects.filter(name__in=OFFENCE_WEIGHTS)}
    names, weights = list(OFFENCE_WEIGHTS), list(OFFENCE_WEIGHTS.values())
    inspections = []
    for force in Force.objects.all():
        for n in range(INSPECTIONS_PER_FORCE):
            year = 2016 + 2 * n
            inspections.append(Inspection(
                force=force, kind="cdi" if n % 2 == 0 else "cdi_reinspection", status="moderation",
                audit_period_start=date(year, 1, 1), audit_period_end=date(year, 6, 30),
                published_on=date(year + 1, 2, 1), grade=rng.choice(["good", "requires_improvement", "inadequate"]),
                # bulk_create skips Inspection.save(), which fills these when not given
                year=year, grading_scheme=scheme_for(published_on=date(year + 1, 2, 1)), notes=MARKER))
    Inspection.objects.bulk_create(inspections)
    RecordedCrimeVolume.objects.bulk_create([
        RecordedCrimeVolume(force_id=i.force_id, period_end=i.audit_period_end, category=c, count=v, source=MARKER)
        for i in inspections for c, v in [("all_crime", 100_000), ("violence_against_the_person", 30_000),
                                          ("sexual_offences", 2_500), ("rape", 900)]
    ], ignore_conflicts=True)
    PublishedResult.objects.bulk_create([
        PublishedResult(inspection=i, category="all_crime", rate=round(rng.uniform(76, 96), 1),
                        interval=round(rng.uniform(1.4, 2.0), 2)) for i in inspections
    ])
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        for done, inspection in enumerate(inspections, 1):
            _cases_for(raw, inspection, rng, offences, names, weights, CASES_PER_INSPECTION * scale)
            _progress("cases written", done, len(inspections))
    Inspection.objects.filter(notes=MARKER).update(status="published")
    return len(inspections)


@transaction.atomic
def freeze_unfrozen():
    """Freeze the figures of every published benchmark inspection that has no result record yet (all
    of them after generating; also brings a dataset generated before the record existed up to date)."""
    pending = Inspection.objects.filter(notes=MARKER, status="published", result_versions__isnull=True)
    pending, count = list(pending.order_by("pk")), 0
    for inspection in pending:
        freeze_results(inspection)
        count += 1
        _progress("figures frozen", count, len(pending))
    return count


def _progress(what, done, total):
    if done % 43 == 0 or done == total:
        print(f"  {what}: {done} of {total} inspections", file=sys.stderr, flush=True)


def analyze():
    """Fresh planner statistics (and visibility map) after a bulk load; outside any transaction."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _reserve(cursor, table, count):
    """The first of ``count`` consecutive ids taken from the table's identity sequence."""
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                   f"nextval(pg_get_serial_sequence('{table}', 'id')) + %s - 1)", [count])
    return cursor.fetchone()[0] - count + 1


def _copy(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _cases_for(cursor, inspection, rng, offences, names, weights, count):
    start = timezone.make_aware(datetime.combine(inspection.audit_period_start, time(0)))
    first_case = _reserve(cursor, "audits_auditedcase", count)
    cases = []
    for n in range(count):
        reported_at = start + timedelta(minutes=rng.randint(0, 180 * 24 * 60))
        # The victim flags, drawn as before (when they were the case's), go on each of its crimes.
        flags = (rng.random() < 0.25, rng.random() < 0.1, False, False)
        cases.append((first_case + n, inspection.pk, f"B{inspection.pk}-{n:05d}", "incident_log", reported_at,
                      "crimes", "", False, False, "", "agreed", "", "", "", 1, flags))
    _copy(cursor, "audits_auditedcase", CASE_COLUMNS, [case[:-1] for case in cases])
    crimes, errors = [], []
    public_order = offences["Public order offences"]
    for case in cases:
        case_id, reported_at, flags = case[0], case[4], case[-1]
        for _ in range(2 if rng.random() < SECOND_CRIME_SHARE else 1):
            expected = offences[rng.choices(names, weights)[0]]
            roll = rng.random()
            crime_id = len(crimes)  # offset, made an id below
            if roll < 0.10:
                crimes.append([crime_id, case_id, expected, "", None, None, "", "not_known", *flags])
                errors.append((crime_id, "not_recorded"))
            elif roll < 0.15:
                crimes.append([crime_id, case_id, expected, "", public_order, reported_at + timedelta(hours=3), "", "",
                               *flags])
                errors.append((crime_id, "misclassified"))
            else:
                late = rng.random() < 0.07
                crimes.append([crime_id, case_id, expected, "", expected,
                               reported_at + timedelta(hours=30 if late else 2), "", "", *flags])
                if late:
                    errors.append((crime_id, "recorded_late"))
    first_crime = _reserve(cursor, "audits_auditedcrime", len(crimes))
    for crime in crimes:
        crime[0] += first_crime
    _copy(cursor, "audits_auditedcrime", CRIME_COLUMNS, crimes)
    rules = dict(CountingRule.objects.values_list("code", "pk"))
    _copy(cursor, "audits_recordingerror", ERROR_COLUMNS,
          ((first_crime + offset, kind, rules[default_rule_code(kind)]) for offset, kind in errors))
