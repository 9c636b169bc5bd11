"""Writes to inspections and their published headline figures: planning, status changes (publishing
freezes the figures; reopening needs a reason) and the figures as the report published them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits.grading import GRADE_FIELDS, QUESTION_SHORT, Grade, Question, grade_label, grade_problem
from audits.models import AuditedCase, Challenge, GradeRevision, Inspection, PublishedResult
from audits.scope import AUDITED, CARRIED_FORWARD, area_list
from audits.services.guards import ensure_can_edit, ensure_can_write, ensure_may_audit
from audits.services.locking import lock_inspection
from audits.signals import grades_revised, inspection_published, self_audit_closed
from forces.roles import AUDIT_EDITORS, AUDIT_WRITERS, role_of
from forces.transitions import Transition, TransitionTable

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Field

PUBLISHED_RESULTS_FROZEN = ("This inspection is published, so its published results cannot change. "
                            "An inspector must reopen it first.")
Status = Inspection.Status
Moderation = AuditedCase.Moderation

# Allowed inspection status changes. Reopening (published → moderation) unlocks the audit data.
# (The forces' own audits have their own table, SELF_AUDIT_TRANSITIONS: they close, never publish.)
INSPECTION_TRANSITIONS = TransitionTable({
    (Status.PLANNED, Status.FIELDWORK): Transition(AUDIT_EDITORS),
    (Status.FIELDWORK, Status.PLANNED): Transition(AUDIT_EDITORS),
    (Status.FIELDWORK, Status.MODERATION): Transition(AUDIT_EDITORS),
    (Status.MODERATION, Status.FIELDWORK): Transition(AUDIT_EDITORS),
    (Status.MODERATION, Status.PUBLISHED): Transition(AUDIT_EDITORS),
    (Status.PUBLISHED, Status.MODERATION): Transition(AUDIT_EDITORS, needs_reason=True),
})


SELF_AUDITORS = AUDIT_WRITERS  # who acts on a self-audit: the force's auditors (their own force only), inspectors
# A force's own audit: planned → fieldwork → moderation → closed. Closing locks its audit data; it is never
# published, so it never gets a published record. Reopening (closed → moderation) needs a reason.
SELF_AUDIT_TRANSITIONS = TransitionTable({
    (Status.PLANNED, Status.FIELDWORK): Transition(SELF_AUDITORS),
    (Status.FIELDWORK, Status.PLANNED): Transition(SELF_AUDITORS),
    (Status.FIELDWORK, Status.MODERATION): Transition(SELF_AUDITORS),
    (Status.MODERATION, Status.FIELDWORK): Transition(SELF_AUDITORS),
    (Status.MODERATION, Status.CLOSED): Transition(SELF_AUDITORS),
    (Status.CLOSED, Status.MODERATION): Transition(SELF_AUDITORS, needs_reason=True),
})


def transitions_for(inspection: Inspection) -> TransitionTable[Transition]:
    return SELF_AUDIT_TRANSITIONS if inspection.is_self_audit else INSPECTION_TRANSITIONS


def _frozen_changes(inspection: Inspection, stored: Inspection) -> list[str]:
    return [name for name in Inspection.FROZEN_FIELDS if getattr(inspection, name) != getattr(stored, name)]


@transaction.atomic
def inspection_save(*, inspection: Inspection, by: User) -> Inspection:
    """Create or change an inspection. Once published, what publication froze cannot change until it
    is reopened; status changes go through ``inspection_change_status``. A force auditor plans and changes only
    their own force's self-audits (checked on the row as stored and as it would be saved)."""
    ensure_can_write(by)
    ensure_may_audit(by, inspection)
    if inspection.pk is not None:
        stored = lock_inspection(inspection.pk)
        ensure_may_audit(by, stored)
        if stored.is_locked and (changed := _frozen_changes(inspection, stored)):
            raise ValidationError({
                name: f"The inspection is published, so its "
                      f"{cast('Field[Any, Any]', Inspection._meta.get_field(name)).verbose_name} "
                      "cannot change. An inspector must reopen it first."
                for name in changed
            })
        inspection.status, inspection.reopen_reason = stored.status, stored.reopen_reason
    inspection.full_clean()
    inspection.save()
    return inspection


def published_figure_problem(inspection: Inspection, area: str) -> str | None:
    """Why the inspection cannot have a published figure of its own for ``area``, or None: it publishes figures
    only for what it audited."""
    if inspection.is_self_audit:
        return "A force's own audit is never published, so it has no published figures."
    how = inspection.area_treatment(area)
    if how == AUDITED:
        return None
    if how == CARRIED_FORWARD:
        return (f"This inspection carries {area_list([area])} forward from the previous inspection, so it has no "
                "published figure of its own for it. Change the inspection's scope first if it audited it.")
    return (f"This inspection did not audit {area_list([area])} (see its scope), so it has no published figure "
            "for it. Change the inspection's scope first if it audited it.")


def _scope_problems(inspection: Inspection) -> dict[str, str]:
    problems = {}
    previous = inspection.previous_inspection
    if inspection.carried_forward_areas and previous is not None and previous.status != Status.PUBLISHED:
        problems["previous"] = (f"Publish the previous inspection ({previous}) first: the figures this inspection "
                                "carries forward come from its published record.")
    unaudited = [area for area in inspection.published_results.values_list("category", flat=True)
                 if inspection.area_treatment(area) != AUDITED]
    if unaudited:
        problems["scope"] = (f"This inspection has published figures for {area_list(unaudited)}, which it did not "
                             "audit (see its scope): remove them, or change the scope, before publishing.")
    return problems


#: What publish_problems checks, in the order it checks it (the guided publication page lists each).
PUBLISH_CHECKS = ("year", "previous", "scope", "challenges", "cases")


def publish_problems(inspection: Inspection) -> dict[str, str]:
    """What stops the inspection being published, by check (PUBLISH_CHECKS), each with what to do first; empty
    when nothing does. The one definition of the publishing guard: ``inspection_change_status`` refuses on the
    first of these, and the guided publication page lists them all."""
    problems: dict[str, str] = {}
    if inspection.year is None:
        problems["year"] = ("Give the inspection's year, or its audit period or fieldwork dates, before it "
                            "is published: its report is titled by that year.")
    problems.update(_scope_problems(inspection))
    challenged = Challenge.objects.filter(case__inspection=inspection, status=Challenge.Status.OPEN).count()
    if challenged:
        problems["challenges"] = (f"{challenged} open challenge{'s' if challenged != 1 else ''} from the force: "
                                  "resolve every challenge before the inspection is published.")
    unfinished = inspection.cases.exclude(moderation_state=Moderation.AGREED).count()
    if unfinished:
        problems["cases"] = (f"{unfinished} case{'s' if unfinished != 1 else ''} not yet agreed in moderation; "
                             "every case must be agreed before the inspection is published.")
    return problems


def _ensure_publishable(inspection: Inspection) -> None:
    problems = publish_problems(inspection)
    if "year" in problems:
        raise ValidationError({"year": problems["year"]})
    if problems:
        raise ValidationError(next(iter(problems.values())))


def close_problems(inspection: Inspection) -> dict[str, str]:
    """What stops a self-audit being closed: every case agreed in moderation, and its audit period given."""
    problems = {}
    unfinished = inspection.cases.exclude(moderation_state=AuditedCase.Moderation.AGREED).count()
    if unfinished:
        problems["cases"] = (f"{unfinished} case{'s' if unfinished != 1 else ''} not yet agreed in moderation; "
                             "every case must be agreed before the self-audit is closed.")
    if not inspection.cases.exists():
        problems["cases"] = "The self-audit has no cases: enter or import them before it is closed."
    return problems


def _refusal(inspection: Inspection, status: Status) -> str:
    if inspection.is_self_audit:
        return (f"A self-audit cannot move from {inspection.get_status_display().lower()} to "
                f"{status.label.lower()}: it goes planned, fieldwork, moderation, closed (never published).")
    refusal = f"An inspection cannot move from {inspection.get_status_display().lower()} to {status.label.lower()}."
    if status == Status.PUBLISHED and inspection.status == Status.FIELDWORK:
        refusal += (" Move it to moderation first, or publish it from its publication page, which lists what must "
                    "hold and moves it through moderation in one step.")
    return refusal


@transaction.atomic
def inspection_change_status(*, inspection: Inspection, status: str, by: User, reason: str | None = "") -> Inspection:
    """Move an inspection on. Publishing freezes its figures as a new version of its published record
    (in this transaction, under the row lock); reopening a published inspection needs a reason, which
    becomes the reason given for the revised figures when it is published again."""
    ensure_can_write(by)
    inspection = lock_inspection(inspection.pk)
    ensure_may_audit(by, inspection)
    status = Status(status)
    reason = (reason or "").strip()
    transitions_for(inspection).check(
        inspection.status, status, role_of(by), reason=reason,
        refusal=_refusal(inspection, status),
        reason_missing={"reason": "Say why the closed self-audit is being reopened." if inspection.is_self_audit
                        else "Say why the published inspection is being reopened."})
    if inspection.is_locked:
        if len(reason) > 500:  # refused, never cut short
            raise ValidationError({"reason": f"Keep the reason to 500 characters (it has {len(reason):,})."})
        inspection.reopen_reason = reason
    revision_reason = inspection.reopen_reason
    if status == Status.CLOSED and (problems := close_problems(inspection)):
        raise ValidationError(next(iter(problems.values())))
    if status == Status.PUBLISHED:
        _ensure_publishable(inspection)
        inspection.published_on = inspection.published_on or timezone.localdate()
        inspection.reopen_reason = ""
    inspection.status = status
    inspection.save()
    if status == Status.PUBLISHED:
        inspection_published.send(sender=Inspection, inspection=inspection, by=by, reason=revision_reason)
    if status == Status.CLOSED:
        self_audit_closed.send(sender=Inspection, inspection=inspection, by=by)
    return inspection


@transaction.atomic
def published_result_save(*, result: PublishedResult, by: User) -> PublishedResult:
    """Add or change a headline figure as published in the report (frozen once published)."""
    ensure_can_edit(by)
    inspection_ids = {result.inspection_id}
    if result.pk is not None:
        inspection_ids.add(PublishedResult.objects.values_list("inspection_id", flat=True).get(pk=result.pk))
    for inspection_id in sorted(inspection_ids):
        locked = lock_inspection(inspection_id)
        if locked.is_locked:
            raise ValidationError(PUBLISHED_RESULTS_FROZEN)
        if inspection_id == result.inspection_id and (problem := published_figure_problem(locked, result.category)):
            raise ValidationError({"category": problem})
    result.full_clean()
    result.save()
    return result


@transaction.atomic
def published_result_delete(*, result: PublishedResult, by: User) -> None:
    ensure_can_edit(by)
    if lock_inspection(result.inspection_id).is_locked:
        raise ValidationError(PUBLISHED_RESULTS_FROZEN)
    result.delete()


REVISION_NEEDS_PUBLISHED = ("Only a published grade is revised. This inspection is not published: change its "
                            "grades on the inspection itself.")


@transaction.atomic
def inspection_revise_grades(*, inspection: Inspection, grades: Mapping[str, str], revised_on: date | None,
                             reason: str, by: User) -> list[GradeRevision]:
    """Revise grades of a published inspection, as HMICFRS sometimes does after publication. Each grade
    that changes keeps the grade it replaced, with the date and reason, and the published record gets a
    new version holding the revised grades (its figures unchanged), so the report shows both and the
    grades as first published stay one click away. ``grades`` maps a question (``overall``,
    ``effectiveness``, ``systems``, ``leadership``) to its new grade; a grade equal to the current one
    is left alone. Refuses, writing nothing, if the inspection is not published or anything is wrong."""
    ensure_can_edit(by)
    inspection = lock_inspection(inspection.pk)
    if not inspection.is_locked:
        raise ValidationError(REVISION_NEEDS_PUBLISHED)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Say why the grade was revised."
    elif len(reason) > 2000:
        errors["reason"] = "Keep the reason to 2,000 characters."
    if revised_on is None:
        errors["revised_on"] = "Give the date the grade was revised."
    elif revised_on > timezone.localdate():
        errors["revised_on"] = "The date a grade was revised cannot be in the future."
    elif inspection.published_on and revised_on < inspection.published_on:
        errors["revised_on"] = (f"A grade is revised after publication: give a date on or after "
                                f"{inspection.published_on:%d/%m/%Y}.")
    changes: list[tuple[Question, str, str]] = []
    for key, grade in grades.items():
        if key not in Question.values:
            errors[key] = f"Not a graded question: {key}."
            continue
        question = Question(key)
        current = getattr(inspection, GRADE_FIELDS[question])
        grade = grade or ""
        if grade == current:
            continue
        if not grade:
            errors[key] = f"A revision gives a grade; {question.label.lower()} cannot become ungraded."
        elif grade not in Grade.values:
            errors[key] = f"Not a grade: {grade}."
        elif problem := grade_problem(inspection.grading_scheme, grade):
            errors[key] = problem
        else:
            changes.append((question, current, grade))
    if errors:
        raise ValidationError(errors)
    if not changes:
        raise ValidationError("Nothing to revise: every grade given is the grade already published.")
    assert revised_on is not None  # checked above
    revisions = []
    for question, previous, grade in changes:
        revision = GradeRevision(inspection=inspection, question=question, previous_grade=previous, grade=grade,
                                 revised_on=revised_on, reason=reason, recorded_by=by)
        revision.full_clean()
        revision.save()
        revisions.append(revision)
        setattr(inspection, GRADE_FIELDS[question], grade)
    # Not inspection_save: the grades are frozen, and this is the one sanctioned way to change them.
    inspection.save(update_fields=[GRADE_FIELDS[question] for question, _, _ in changes])
    summary = "; ".join(f"{QUESTION_SHORT[question].lower()}: {grade_label(previous).lower()} → "
                        f"{grade_label(grade).lower()}"
                        for question, previous, grade in changes)
    grades_revised.send(sender=Inspection, inspection=inspection, by=by,
                        reason=f"Grades revised on {revised_on:%d/%m/%Y} ({summary}): {reason}")
    return revisions
