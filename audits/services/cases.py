"""Writes to audited cases and their crimes. A case's save is one new version (see case_versions):
the case first, then its crimes, each with exactly the recording errors asked for, each error citing the
rule chosen for it or else the usual rule for its kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Union

from django.core.exceptions import ValidationError
from django.db import transaction

from audits.models import AuditedCase, AuditedCrime, CountingRule, Inspection, RecordingError
from audits.rules import (
    case_outcome_problems,
    crime_error_kinds,
    default_rule_code,
    error_kinds_problems,
    recording_time_problem,
    report_date_problem,
    rule_citation_problem,
    safeguarding_problem,
)
from audits.services.case_versions import lock_case_version
from audits.services.guards import ensure_can_write, ensure_unlocked
from audits.services.moderation import case_return_to_draft_if_moderated

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The rules chosen for some of a crime's errors (error kind → rule); the others cite their usual rule.
ChosenRules = Mapping[str, CountingRule]
# A crime with its error kinds, and optionally the rules chosen for them.
CrimeEntry = Union[tuple[AuditedCrime, Iterable[str]], tuple[AuditedCrime, Iterable[str], ChosenRules]]


def _entry(entry: CrimeEntry) -> tuple[AuditedCrime, list[str], ChosenRules]:
    crime, kinds, *rules = entry
    return crime, list(kinds), rules[0] if rules else {}


def citation_problems(crime: AuditedCrime, kinds: Iterable[str], rules: ChosenRules) -> list[str]:
    """Rules chosen for the crime's errors that cannot be cited: an inactive one, unless the crime's error
    of that kind already cites it."""
    cited = {error.kind: error.rule_id for error in crime.errors.all()} if crime.pk else {}
    return [problem for kind in kinds if (rule := rules.get(kind)) is not None
            and (problem := rule_citation_problem(kind, rule.code, active=rule.is_active,
                                                  already_cited=cited.get(kind) == rule.pk))]


def _ensure_stays_in_force(case: AuditedCase, by: User) -> None:
    """A case may move between inspections of its force (both unlocked, both ones ``by`` may write), never to
    another force's."""
    stored = AuditedCase.objects.filter(pk=case.pk).values_list("inspection_id", "inspection__force_id").first()
    if stored is None or stored[0] == case.inspection_id:
        return
    if stored[1] != case.inspection.force_id:
        raise ValidationError({"inspection": "A case cannot be moved to another force's inspection."})
    ensure_unlocked(Inspection(pk=stored[0]), by)


@transaction.atomic
def case_save(*, case: AuditedCase, by: User, expected_version: int | None = None) -> AuditedCase:
    """Create or change a case, as a new version (its crimes are then saved with ``crime_save`` and
    ``crime_delete`` as part of the same version). ``expected_version`` is the version the user loaded:
    if someone else has saved the case since, nothing is written and CaseConflict says who and what.
    None skips the check (internal callers)."""
    ensure_can_write(by)
    ensure_unlocked(case.inspection, by)
    if case.pk is None:
        if case.auditor_id is None:
            case.auditor = by
    else:
        _ensure_stays_in_force(case, by)
        case.version = lock_case_version(case, expected_version) + 1
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    case.save()
    return case


@transaction.atomic
def case_write(*, case: AuditedCase, crimes: Sequence[CrimeEntry], by: User,
               expected_version: int | None = None) -> AuditedCase:
    """Create or replace a case with exactly these crimes, each given as (AuditedCrime, error kinds) or
    (AuditedCrime, error kinds, rules chosen by kind): crimes of the case not listed are deleted. All or
    nothing; every rule as in the admin; one new version, refused with CaseConflict if
    ``expected_version`` is given and stale."""
    entries = [_entry(entry) for entry in crimes]
    problems: dict[str, list[str | dict[str, list[str]]]] = {}
    if problem := report_date_problem(case.inspection, case.reported_at):
        problems["reported_at"] = [problem]
    for field, problem in case_outcome_problems(outcome=case.outcome, reason=case.outcome_reason or "",
                                                source=case.source, crime_count=len(entries)).items():
        problems.setdefault(field, []).append(problem)
    crime_problems: list[list[str]] = []
    for crime, kinds, rules in entries:
        found: list[str] = []
        if problem := recording_time_problem(case.reported_at, crime.recorded_at):
            found.append(problem)
        found += error_kinds_problems(kinds, recorded=crime.is_recorded, cancelled=crime.is_cancelled)
        found += citation_problems(crime, kinds, rules)
        if problem := safeguarding_problem(recorded=crime.is_recorded, safeguarding=crime.safeguarding):
            found.append(problem)
        try:
            # A safeguarding answer already explained is not explained again by the constraint's message.
            crime.full_clean(exclude=["case", "safeguarding"] if problem else ["case"])
        except ValidationError as error:
            found += [message for message in error.messages if message not in found]
        crime_problems.append(found)
    if any(crime_problems):
        problems["crimes"] = [{"non_field_errors": found} if found else {} for found in crime_problems]
    try:
        case.full_clean(exclude=["auditor", "submitted_by", "moderated_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            problems.setdefault(field, []).extend(m for m in messages if m not in problems.get(field, []))
    if problems:
        raise ValidationError(problems)
    changed = case.pk is not None
    case_save(case=case, by=by, expected_version=expected_version)
    keep = {crime.pk for crime, _, _ in entries if crime.pk}
    for old in case.crimes.exclude(pk__in=keep).select_related("case__inspection"):
        crime_delete(crime=old, by=by)
    for crime, kinds, rules in entries:
        crime.case = case
        crime_save(crime=crime, kinds=kinds, by=by, rules=rules)
    if changed:
        case_return_to_draft_if_moderated(case)
    return case


@transaction.atomic
def case_delete(*, case: AuditedCase, by: User) -> None:
    ensure_can_write(by)
    ensure_unlocked(case.inspection, by)
    case.version = lock_case_version(case, None) + 1  # the deletion's history record is a version of its own
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    case.delete()


@transaction.atomic
def crime_save(*, crime: AuditedCrime, kinds: Iterable[str], by: User, save_crime: bool = True,
               rules: ChosenRules | None = None) -> AuditedCrime:
    """Save a crime and make its recording errors exactly ``kinds`` (with lateness derived from the
    timestamps), each citing the rule chosen for its kind in ``rules`` or else its usual rule. Errors
    that no longer fit go before the crime changes, new ones after, one row at a time so each change
    lands in the history. Part of a case's save: ``case_save`` comes first and makes the new version."""
    ensure_can_write(by)
    ensure_unlocked(crime.case.inspection, by)
    rules = rules or {}
    kinds = crime_error_kinds(crime, kinds)
    problems = error_kinds_problems(kinds, recorded=crime.is_recorded, cancelled=crime.is_cancelled)
    problems += citation_problems(crime, kinds, rules)
    if problem := safeguarding_problem(recorded=crime.is_recorded, safeguarding=crime.safeguarding):
        problems.append(problem)
    if problems:
        raise ValidationError(problems)
    if crime.pk:
        for error in crime.errors.all():
            if error.kind not in kinds:
                error.delete()
    if save_crime:
        crime._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
        crime.save()
    cited = _rules_to_cite(crime, kinds, rules)
    existing = {error.kind: error for error in RecordingError.objects.filter(crime=crime)}
    for kind in sorted(kinds):
        stored = existing.get(kind)
        if stored is None:
            RecordingError.objects.create(crime=crime, kind=kind, rule=cited[kind])
        elif stored.rule_id != cited[kind].pk:
            stored.rule = cited[kind]
            stored.save(update_fields=["rule"])
    return crime


def _rules_to_cite(crime: AuditedCrime, kinds: Iterable[str], rules: ChosenRules) -> dict[str, CountingRule]:
    """The rule each error kind cites: the one chosen, or its usual rule (looked up in one query)."""
    usual_codes = {kind: default_rule_code(kind, crime.cancellation_code) for kind in kinds if kind not in rules}
    usual = {rule.code: rule for rule in CountingRule.objects.filter(code__in=set(usual_codes.values()))}
    return {**{kind: usual[code] for kind, code in usual_codes.items()},
            **{kind: rule for kind, rule in rules.items() if kind in kinds}}


@transaction.atomic
def crime_delete(*, crime: AuditedCrime, by: User) -> None:
    """Delete a crime and its errors, as part of a case's save (after ``case_save``)."""
    ensure_can_write(by)
    ensure_unlocked(crime.case.inspection, by)
    crime.delete()
