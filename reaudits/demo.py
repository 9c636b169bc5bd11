"""Demonstration re-audit: an inspector re-audits a sub-sample of Kent's own audit and finds what the force's
auditors passed as correct was often not (Kent 2017: "audit inconsistencies had led to false-positive results").
Made through the services, so the demo is built the way the app builds it. Runs only when DEBUG is on (called by
the demo loader, never by a migration)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from audits.models import AuditedCase, AuditedCrime, Inspection, OffenceSubgroup, RecordingError
from forces.models import Force
from reaudits import services
from reaudits.models import ReAudit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OFFENCES = ["Violence with injury", "Violence without injury", "Stalking and harassment", "Rape",
            "Other sexual offences", "Theft offences"]


def demo_kent_self_audit(auditor: User, *, cases: int = 60, seed: int = 17) -> Inspection:
    """A closed (published) Kent self-audit whose auditors found few errors: most crimes passed as correct. For a
    branch without the self-audit demo; the merged demo passes its own self-audit to ``demo_reaudit``."""
    rng = random.Random(seed)
    kent = Force.objects.get(slug="kent")
    subgroups = {name: OffenceSubgroup.objects.get(name=name) for name in OFFENCES
                 if OffenceSubgroup.objects.filter(name=name).exists()}
    names = list(subgroups)
    self_audit = Inspection.objects.create(
        force=kent, kind=Inspection.Kind.FORCE_SELF_AUDIT, status=Inspection.Status.MODERATION,
        audit_period_start=datetime(2025, 1, 1).date(), audit_period_end=datetime(2025, 3, 31).date(),
        sample_is_synthetic=True, notes="Kent's own audit, January to March 2025 (synthetic demonstration data).")
    start = timezone.make_aware(datetime(2025, 1, 2, 9, 0))
    for number in range(1, cases + 1):
        case = AuditedCase.objects.create(
            inspection=self_audit, reference=f"KNT-SA-{number:04d}", source=AuditedCase.Source.INCIDENT_LOG,
            reported_at=start + timedelta(hours=rng.randrange(0, 24 * 85)), auditor=auditor,
            moderation_state=AuditedCase.Moderation.AGREED)
        expected = subgroups[rng.choice(names)]
        if rng.random() < 0.12:  # the force's auditors found it unrecorded
            crime = AuditedCrime.objects.create(case=case, expected_offence=expected, safeguarding="yes")
            RecordingError.objects.create(crime=crime, kind="not_recorded")
        else:
            AuditedCrime.objects.create(case=case, expected_offence=expected, recorded_offence=expected,
                                        force_crime_reference=f"KNT/CR/{number:05d}",
                                        recorded_at=case.reported_at + timedelta(hours=3))
    Inspection.objects.filter(pk=self_audit.pk).update(status=Inspection.Status.PUBLISHED)  # closed
    self_audit.refresh_from_db()
    return self_audit


@transaction.atomic
def demo_reaudit(self_audit: Inspection, inspector: User, *, size: int = 40, seed: int = 2025) -> ReAudit:
    """Draw ``size`` of the self-audit's cases and record an inspector's verdicts that agree with the force on
    the crimes it found wrong, but find about one in five of those it passed wrong too (unrecorded rapes it passed,
    misclassifications citing another rule): a kappa in the "fair to moderate" band, with disagreements by kind
    and rule to read. Submitted."""
    rng = random.Random(seed)
    reaudit = services.reaudit_draw(self_audit=self_audit, size=size, seed=seed, by=inspector)
    for row in reaudit.cases.select_related("case").order_by("position"):
        verdicts = {}
        for crime in row.case.crimes.select_related("expected_offence").prefetch_related("errors"):
            found = [error.kind for error in crime.errors.all()]
            if not crime.recorded_offence_id:
                verdicts[crime.pk] = (found or ["not_recorded"], {})
            elif found:
                verdicts[crime.pk] = (found if rng.random() < 0.8 else [], {})
            elif rng.random() < 0.22:
                verdicts[crime.pk] = (["misclassified"], {"misclassified": "HOCR-CLASS"}
                                      if rng.random() < 0.5 else {"misclassified": "NCRS-DECISION"})
            else:
                verdicts[crime.pk] = ([], {})
        services.reaudit_case_save(reaudit_case=row, verdicts=verdicts, by=inspector)
    return services.reaudit_submit(reaudit=reaudit, by=inspector)
