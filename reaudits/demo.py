"""Demonstration re-audit: an inspector re-audits a sub-sample of Kent's own audit and finds what the force's
auditors passed as correct was often not (Kent 2017: "audit inconsistencies had led to false-positive results").
Made through the services, so the demo is built the way the app builds it. Runs only when DEBUG is on (called by
the demo loader, never by a migration)."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from django.db import transaction

from audits.demo import SELF_AUDIT_NOTE
from audits.models import Inspection
from reaudits import services
from reaudits.models import ReAudit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

def ensure_demo_reaudit(users: dict) -> ReAudit | None:
    """The inspector's re-audit of Kent's latest closed own audit, unless it is there already."""
    self_audit = (Inspection.objects.self_audits().filter(force__slug="kent", notes=SELF_AUDIT_NOTE,
                                                          status=Inspection.Status.CLOSED)
                  .order_by("-audit_period_start").first())
    if self_audit is None:
        return None
    return ReAudit.objects.filter(self_audit=self_audit).first() or demo_reaudit(self_audit, users["inspector"])


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
