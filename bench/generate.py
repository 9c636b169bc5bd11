"""Generate a national benchmark dataset: 43 forces, 4 inspections each, 1,500 audited cases per
inspection, about 1.2 crimes a case, with recording errors. Bulk inserts (no history rows: the
benchmark measures reads). Run through bench/run.py or `make bench`."""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from audits.models import AuditedCase, AuditedCrime, Inspection, OffenceSubgroup, PublishedResult, RecordingError
from forces.models import Force, RecordedCrimeVolume

INSPECTIONS_PER_FORCE = 4
CASES_PER_INSPECTION = 1500
SECOND_CRIME_SHARE = 0.2
MARKER = "benchmark dataset"
OFFENCE_WEIGHTS = {"Violence with injury": 20, "Violence without injury": 25, "Stalking and harassment": 12,
                   "Rape": 5, "Other sexual offences": 5, "Criminal damage": 10, "Public order offences": 10,
                   "All other theft offences": 8, "Residential burglary": 5}


def already_generated():
    return Inspection.objects.filter(notes=MARKER).exists()


@transaction.atomic
def generate(seed=1):
    rng = random.Random(seed)
    offences = {o.name: o for o in OffenceSubgroup.objects.filter(name__in=OFFENCE_WEIGHTS)}
    names, weights = list(OFFENCE_WEIGHTS), list(OFFENCE_WEIGHTS.values())
    inspections = []
    for force in Force.objects.all():
        for n in range(INSPECTIONS_PER_FORCE):
            year = 2016 + 2 * n
            inspections.append(Inspection(
                force=force, kind="cdi" if n % 2 == 0 else "cdi_reinspection", status="moderation",
                audit_period_start=date(year, 1, 1), audit_period_end=date(year, 6, 30),
                published_on=date(year + 1, 2, 1), grade=rng.choice(["good", "requires_improvement", "inadequate"]),
                notes=MARKER))
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
    for inspection in inspections:
        _cases_for(inspection, rng, offences, names, weights)
    Inspection.objects.filter(notes=MARKER).update(status="published")
    return len(inspections)


def _cases_for(inspection, rng, offences, names, weights):
    start = timezone.make_aware(datetime.combine(inspection.audit_period_start, time(0)))
    cases = [
        AuditedCase(inspection=inspection, reference=f"B{inspection.pk}-{n:05d}", source="incident_log",
                    reported_at=start + timedelta(minutes=rng.randint(0, 180 * 24 * 60)),
                    domestic_abuse=rng.random() < 0.25, vulnerable_victim=rng.random() < 0.1,
                    moderation_state="agreed")
        for n in range(CASES_PER_INSPECTION)
    ]
    AuditedCase.objects.bulk_create(cases, batch_size=2000)
    crimes, outcomes = [], []
    for case in cases:
        for _ in range(2 if rng.random() < SECOND_CRIME_SHARE else 1):
            expected = offences[rng.choices(names, weights)[0]]
            roll = rng.random()
            if roll < 0.10:
                crimes.append(AuditedCrime(case=case, expected_offence=expected))
                outcomes.append("not_recorded")
            elif roll < 0.15:
                other = offences["Public order offences"]
                crimes.append(AuditedCrime(case=case, expected_offence=expected, recorded_offence=other,
                                           recorded_at=case.reported_at + timedelta(hours=3)))
                outcomes.append("misclassified")
            else:
                late = rng.random() < 0.07
                crimes.append(AuditedCrime(case=case, expected_offence=expected, recorded_offence=expected,
                                           recorded_at=case.reported_at + timedelta(hours=30 if late else 2)))
                outcomes.append("recorded_late" if late else None)
    AuditedCrime.objects.bulk_create(crimes, batch_size=5000)
    RecordingError.objects.bulk_create(
        [RecordingError(crime=crime, kind=kind) for crime, kind in zip(crimes, outcomes) if kind], batch_size=5000)
