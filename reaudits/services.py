"""Re-audit writes: the seeded draw from a self-audit, the inspector's blind verdicts case by case, and the
submission that freezes the force's verdicts beside them. Each takes the self-audit's row lock (the lock every
audit write takes), then the re-audit's own."""

from __future__ import annotations

import random
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audits.models import AuditedCrime, CountingRule, Inspection, RecordingError
from audits.rules import crime_error_kinds, default_rule_code, error_kinds_problems, rule_citation_problem
from audits.services.guards import ensure_can_edit
from audits.services.locking import lock_inspection
from reaudits.models import ReAudit, ReAuditCase, ReAuditFinding, ReAuditVerdict
from reaudits.selectors import eligible_cases, unfinished_cases
from reaudits.signals import reaudit_submitted

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.contrib.auth.models import User

MAX_SEED = 2**63 - 1
Side = ReAuditFinding.Side


def chosen_cases(references: list[str], seed: int, size: int) -> list[str]:
    """The references a draw picks from ``references`` (sorted first): the same list, seed and size always give
    the same cases, in the same order, as audits.services.sampling draws a frame."""
    return random.Random(seed).sample(sorted(references), size)


@transaction.atomic
def reaudit_draw(*, self_audit: Inspection, size: int | None, seed: int | None, by: User) -> ReAudit:
    """Draw ``size`` of a self-audit's cases (those with audited crimes) for an inspector to re-audit blind."""
    ensure_can_edit(by)
    self_audit = lock_inspection(self_audit.pk)
    if self_audit.kind != Inspection.Kind.FORCE_SELF_AUDIT:
        raise ValidationError(f"Only a force's self-audit can be re-audited; {self_audit} is a "
                              f"{self_audit.get_kind_display().lower()}.")
    waiting = unfinished_cases(self_audit).count()
    if waiting:
        raise ValidationError({"size": f"{waiting} of the self-audit's cases are not yet agreed in moderation: a "
                                       "self-audit is re-audited once all its cases are agreed, or it is closed."})
    references = list(eligible_cases(self_audit).values_list("reference", flat=True))
    if not references:
        raise ValidationError({"size": "The self-audit has no cases with audited crimes to re-audit."})
    if size is None or not 1 <= size <= len(references):
        raise ValidationError({"size": f"Draw between 1 and {len(references):,} cases (the self-audit's cases "
                                       "with audited crimes)."})
    if seed is None:
        seed = secrets.randbelow(2**31)
    elif not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": "The seed must be a whole number, 0 or more (up to 19 digits)."})
    reaudit = ReAudit(self_audit=self_audit, seed=seed, size=size, population=len(references), drawn_by=by)
    reaudit._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    reaudit.save()
    ids = dict(eligible_cases(self_audit).values_list("reference", "pk"))
    for position, reference in enumerate(chosen_cases(references, seed, size), start=1):
        row = ReAuditCase(reaudit=reaudit, case_id=ids[reference], position=position)
        row._history_user = by  # type: ignore[attr-defined]
        row.save()
    return reaudit


def _locked(reaudit: ReAudit, by: User) -> ReAudit:
    """The re-audit's self-audit and then the re-audit locked, refused unless ``by`` drew it and it is open."""
    ensure_can_edit(by)
    lock_inspection(reaudit.self_audit_id)
    reaudit = ReAudit.objects.select_for_update().get(pk=reaudit.pk)
    if reaudit.drawn_by_id != by.pk:
        raise ValidationError("Only the inspector who drew this re-audit can enter or submit its verdicts.")
    if reaudit.is_submitted:
        when = timezone.localtime(reaudit.submitted_at)
        raise ValidationError(f"This re-audit was submitted on {when:%d/%m/%Y at %H:%M}; its verdicts are final.")
    return reaudit


@transaction.atomic
def reaudit_case_save(*, reaudit_case: ReAuditCase, verdicts: Mapping[int, tuple[list[str], Mapping[str, str]]],
                      by: User) -> ReAuditCase:
    """Record the inspector's verdict on every crime of one sampled case: for each crime id, the error kinds
    found (none: recorded correctly) and, for some kinds, the code of a rule cited other than the usual one.
    "Recorded late" is worked out from the times when both are known, as on the case form. All or nothing."""
    _locked(reaudit_case.reaudit, by)
    crimes = {crime.pk: crime for crime in AuditedCrime.objects.filter(case_id=reaudit_case.case_id)
              .select_related("case", "expected_offence")}
    rules = {rule.code: rule for rule in CountingRule.objects.all()}
    problems: list[str] = []
    if set(verdicts) != set(crimes):
        problems.append("Give a verdict on every crime of the case, and on no other.")
    chosen: dict[int, dict[str, CountingRule]] = {}
    for number, (crime_id, crime) in enumerate(sorted(crimes.items()), start=1):
        if crime_id not in verdicts:
            continue
        kinds, cited = verdicts[crime_id]
        label = f"Crime {number} ({crime.expected_offence})"
        for problem in error_kinds_problems(kinds, recorded=crime.is_recorded, cancelled=crime.is_cancelled):
            problems.append(f"{label}: {problem}")
        found: dict[str, CountingRule] = {}
        for kind in sorted(crime_error_kinds(crime, kinds)):
            code: str = cited.get(kind) or default_rule_code(kind, crime.cancellation_code)
            rule = rules.get(code)
            if rule is None:
                problems.append(f"{label}: {code} is not a rule you can cite.")
            elif refusal := rule_citation_problem(kind, code, active=rule.is_active, already_cited=False):
                problems.append(f"{label}: {refusal}")
            else:
                found[kind] = rule
        chosen[crime_id] = found
    if problems:
        raise ValidationError(problems)
    ReAuditVerdict.objects.filter(reaudit_case=reaudit_case).delete()  # kept in the history
    for crime_id, found in chosen.items():
        verdict = ReAuditVerdict(reaudit_case=reaudit_case, crime_id=crime_id, compliant=not found)
        verdict._history_user = by  # type: ignore[attr-defined]
        verdict.save()
        for kind, rule in found.items():
            finding = ReAuditFinding(verdict=verdict, side=Side.INSPECTORATE, kind=kind, rule=rule)
            finding._history_user = by  # type: ignore[attr-defined]
            finding.save()
    reaudit_case.entered_at = timezone.now()
    reaudit_case._history_user = by  # type: ignore[attr-defined]
    reaudit_case.save(update_fields=["entered_at"])
    return reaudit_case


@transaction.atomic
def reaudit_submit(*, reaudit: ReAudit, by: User) -> ReAudit:
    """Submit the re-audit: final. Every sampled case needs a verdict on each of its crimes, and the self-audit's
    cases must still be agreed (or it closed). The force's verdicts are copied beside the inspector's as they
    stand now, so later changes to the self-audit leave the comparison as it was."""
    reaudit = _locked(reaudit, by)
    self_audit = Inspection.objects.get(pk=reaudit.self_audit_id)
    rows = list(ReAuditCase.objects.filter(reaudit=reaudit).select_related("case").order_by("position"))
    case_ids = [row.case_id for row in rows]
    crimes = set(AuditedCrime.objects.filter(case_id__in=case_ids).values_list("case_id", "pk"))
    entered = set(ReAuditVerdict.objects.filter(reaudit_case__reaudit=reaudit)
                  .values_list("reaudit_case__case_id", "crime_id"))
    missing = [row.case.reference for row in rows if any((row.case_id, crime) not in entered
                                                         for case, crime in crimes if case == row.case_id)]
    if missing:
        raise ValidationError(f"Enter a verdict on every crime first: {len(missing)} case(s) are not done "
                              f"({', '.join(missing[:10])}{'…' if len(missing) > 10 else ''}).")
    moved = unfinished_cases(self_audit).filter(pk__in=case_ids).values_list("reference", flat=True)
    if moved:
        raise ValidationError("These cases were changed in the self-audit since the draw and are not agreed again "
                              f"yet: {', '.join(moved)}. Submit once the force has agreed them.")
    verdicts = {verdict.crime_id: verdict for verdict in ReAuditVerdict.objects.filter(reaudit_case__reaudit=reaudit)}
    force_errors: dict[int, list[RecordingError]] = {}
    for error in RecordingError.objects.filter(crime_id__in=verdicts):
        force_errors.setdefault(error.crime_id, []).append(error)
    findings = []
    for crime_id, verdict in verdicts.items():
        verdict.force_compliant = not force_errors.get(crime_id)
        findings += [ReAuditFinding(verdict=verdict, side=Side.FORCE, kind=error.kind, rule_id=error.rule_id)
                     for error in force_errors.get(crime_id, [])]
    bulk_update_with_history(list(verdicts.values()), ReAuditVerdict, ["force_compliant"], batch_size=1000,
                             default_user=by)
    bulk_create_with_history(findings, ReAuditFinding, batch_size=1000, default_user=by)
    reaudit.submitted_at = timezone.now()
    reaudit._history_user = by  # type: ignore[attr-defined]
    reaudit.save(update_fields=["submitted_at"])
    reaudit_submitted.send(sender=ReAudit, reaudit=reaudit)
    return reaudit
