"""Guided publication: what must hold before an inspection is published, each with its state and where to put it
right, and publishing in one step (through moderation when it is still in fieldwork).

The checks are the publishing guard of ``audits.services.inspections`` (year, scope, open challenges, cases not
agreed) plus two the report needs: the recorded-crime volumes its estimate of unrecorded crime is based on, and
the overall grade. ``publish_inspection`` takes the inspection's row lock, runs every check again under it and
refuses, writing nothing, while any fails; then it moves the inspection on through
``inspection_change_status``, so the transition table and the guard apply exactly as elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse

from audits.models import AuditedCase, AuditedCrime, Inspection
from audits.scope import AUDITED
from audits.services.guards import ensure_can_edit
from audits.services.inspections import (
    INSPECTION_TRANSITIONS,
    PUBLISH_CHECKS,
    inspection_change_status,
    publish_problems,
)
from audits.services.locking import lock_inspection
from core.categories import REPORT_CATEGORY_MEMBERS, ReportCategory
from forces.roles import role_of
from reports.selectors import matching_volumes

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = Inspection.Status
Moderation = AuditedCase.Moderation

# The statuses an inspection passes through on its way to publication, from each status it may start in.
ROUTE: dict[str, list[str]] = {
    Status.FIELDWORK: [Status.MODERATION, Status.PUBLISHED],
    Status.MODERATION: [Status.PUBLISHED],
}


@dataclass(frozen=True)
class Check:
    """One thing that must hold before publication."""

    key: str
    title: str
    ok: bool
    detail: str
    link: str = ""
    link_text: str = ""


def _admin_change(inspection: Inspection, anchor: str = "") -> str:
    return reverse("admin:audits_inspection_change", args=[inspection.pk]) + (f"#{anchor}" if anchor else "")


def _status_check(inspection: Inspection) -> Check:
    title = "The inspection is in fieldwork or moderation"
    if inspection.status in ROUTE:
        return Check("status", title, True, f"It is in {inspection.get_status_display().lower()}.")
    if inspection.status == Status.PUBLISHED:
        return Check("status", title, False, "It is already published. Reopen it (with a reason) to publish a "
                     "revised version.", _admin_change(inspection), "Open the inspection in the admin")
    return Check("status", title, False, "It is still planned: start its fieldwork and enter its cases first.",
                 _admin_change(inspection), "Open the inspection in the admin")


def _case_check(inspection: Inspection, problem: str | None) -> Check:
    title = "Every case is agreed in moderation"
    counts = _case_counts(inspection)
    total = sum(counts.values())
    if problem is None:
        said = ("The inspection has no audited cases." if not total else "Its one case is agreed." if total == 1
                else f"All {total} cases agreed.")
        return Check("cases", title, True, said)
    waiting = counts.get(Moderation.SUBMITTED, 0)
    parts = [f"{counts[state]} {label.lower()}" for state, label in Moderation.choices
             if state != Moderation.AGREED and counts.get(state)]
    detail = f"{problem} Not agreed: {', '.join(parts)}."
    if waiting:
        return Check("cases", title, False, detail,
                     f"{reverse('audits:moderation')}?{urlencode({'inspection': inspection.pk})}",
                     "Moderate this inspection's submitted cases")
    state = next(state for state in (Moderation.QUERIED, Moderation.DRAFT) if counts.get(state))
    return Check("cases", title, False, detail,
                 f"{inspection.get_absolute_url()}?{urlencode({'moderation_state': state})}",
                 f"See the {Moderation(state).label.lower()} cases")


def _case_counts(inspection: Inspection) -> dict[str, int]:
    return dict(inspection.cases.order_by().values_list("moderation_state").annotate(n=Count("id"))
                .values_list("moderation_state", "n"))


def volume_categories_needed(inspection: Inspection) -> list[ReportCategory]:
    """The categories the inspection audited itself and has audited crimes in: each needs a recorded-crime volume
    for its estimate of unrecorded crimes a year."""
    present = set(AuditedCrime.objects.filter(case__inspection=inspection).order_by()
                  .values_list("expected_offence__category", flat=True).distinct())
    needed = []
    for category in ReportCategory:
        members = REPORT_CATEGORY_MEMBERS[category]
        has_crimes = bool(present) if members is None else bool(present & {m.value for m in members})
        if has_crimes and inspection.area_treatment(category.value) == AUDITED:
            needed.append(category)
    return needed


def _volume_check(inspection: Inspection) -> Check:
    title = "Recorded-crime volumes are there for the estimate of unrecorded crime"
    needed = volume_categories_needed(inspection)
    if not needed:
        return Check("volumes", title, True, "No audited crimes yet, so no estimate needs a volume.")
    upload = reverse("forces:prc_upload")
    if inspection.audit_period_end is None:
        return Check("volumes", title, False, "The inspection has no audit period, so no volume can be matched to "
                     "it: give its audit period first.", _admin_change(inspection), "Give the audit period")
    have = matching_volumes(inspection)
    missing = [category for category in needed if category.value not in have]
    end = f"{inspection.audit_period_end:%d/%m/%Y}"
    if missing:
        names = ", ".join(category.label.lower() for category in missing)
        return Check("volumes", title, False, f"No recorded-crime volume for the 12 months to {end} for: {names}.",
                     upload, "Import police recorded crime")
    return Check("volumes", title, True, f"Volumes for the 12 months to {end} for every category audited.")


def _grade_check(inspection: Inspection) -> Check:
    title = "The overall grade is set"
    if inspection.grade:
        return Check("grades", title, True, f"Graded {inspection.get_grade_display().lower()}.")
    return Check("grades", title, False, "The inspection has no overall grade: give the grade the report gives.",
                 _admin_change(inspection, "id_grade"), "Set the grades")


_GUARD_TITLES = {
    "year": "The report's year is known",
    "previous": "What it carries forward is published",
    "scope": "It publishes figures only for what it audited",
    "challenges": "No challenge from the force is open",
}


def _guard_holds(inspection: Inspection, key: str) -> str:
    if key == "year":
        return f"The report is titled {inspection.year}."
    if key == "previous":
        return ("The previous inspection is published." if inspection.carried_forward_areas
                else "It carries nothing forward.")
    if key == "scope":
        return "Every published figure is for something it audited."
    return "No challenge is open."


def _guard_check(inspection: Inspection, key: str, problem: str | None) -> Check:
    title = _GUARD_TITLES[key]
    if problem is None:
        return Check(key, title, True, _guard_holds(inspection, key))
    if key == "challenges":
        return Check(key, title, False, problem, f"{reverse('audits:challenges')}?status=open",
                     "Decide the open challenges")
    if key == "previous" and inspection.previous_inspection_id:
        return Check(key, title, False, problem,
                     reverse("reports:publish", args=[inspection.previous_inspection_id]),
                     "Publish the previous inspection")
    return Check(key, title, False, problem, _admin_change(inspection), "Open the inspection in the admin")


def publication_checks(inspection: Inspection) -> list[Check]:
    """Everything that must hold before ``inspection`` is published, in the order to put it right."""
    problems = publish_problems(inspection)
    checks = [_status_check(inspection)]
    for key in PUBLISH_CHECKS:
        if key == "cases":
            checks.append(_case_check(inspection, problems.get(key)))
        else:
            checks.append(_guard_check(inspection, key, problems.get(key)))
    checks += [_volume_check(inspection), _grade_check(inspection)]
    return checks


def blockers(checks: list[Check]) -> list[Check]:
    return [check for check in checks if not check.ok]


@transaction.atomic
def publish_inspection(*, inspection_id: int, by: User) -> Inspection:
    """Publish in one step: under the inspection's lock, every check again; refused (nothing written) with each
    blocker named while any fails; else moved on through moderation when still in fieldwork, each move through
    ``inspection_change_status`` (its transition table, guard and freezing of the figures)."""
    ensure_can_edit(by)
    inspection = lock_inspection(inspection_id)
    failing = blockers(publication_checks(inspection))
    if failing:
        raise ValidationError([f"{check.title}: no. {check.detail}" for check in failing])
    role = role_of(by)
    route = ROUTE[inspection.status]
    start = inspection.status
    for step in route:
        rule = INSPECTION_TRANSITIONS.rule(start, step)
        if rule is None or role not in rule.roles:
            raise ValidationError(f"You cannot move an inspection from {Status(start).label.lower()} to "
                                  f"{Status(step).label.lower()}.")
        start = step
    for step in route:
        inspection = inspection_change_status(inspection=inspection, status=step, by=by)
    return inspection
