"""Writes to an inspection's cancellation review: each reviewed cancelled or transferred crime record, one at
a time (admin, API) or from the cancellation review spreadsheet (audits.cancellation_sheet), whose rows are
all checked first (a dry run lists each row's problems) and then written all or none.

The review is its own sample: nothing here touches the audited crimes or any recording rate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from audits.cancellation_sheet import NO, NOT_APPLICABLE, YES
from audits.models import CancellationReview, Inspection
from audits.rules import AviEvidenced, CancellationGround, Verdict, cancellation_review_problems
from audits.services.guards import ensure_can_edit
from audits.services.locking import lock_for_audit_write, locked_message
from core.categories import CancellationCategory

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# What the spreadsheet sets on a review (its notes are kept).
SHEET_FIELDS = ("category", "ground", "avi_evidenced", "ddm_authorised", "victim_told", "verdict", "reason")


def _tidy(review: CancellationReview) -> None:
    review.reference = (review.reference or "").strip()
    review.reason = (review.reason or "").strip()
    review.notes = (review.notes or "").strip()


@transaction.atomic
def cancellation_review_save(*, review: CancellationReview, by: User) -> CancellationReview:
    """Add or change a reviewed cancellation. Every rule (C2 needs the AVI answer, an incorrect verdict needs
    a reason…) is checked first; a refusal names the fields and writes nothing."""
    ensure_can_edit(by)
    if review.pk is not None:
        stored = CancellationReview.objects.filter(pk=review.pk).values_list("inspection_id", flat=True).first()
        if stored is not None and stored != review.inspection_id:
            raise ValidationError({"inspection": "A cancellation review stays with the inspection it was made in."})
    lock_for_audit_write(review.inspection_id)
    _tidy(review)
    if CancellationReview.objects.filter(inspection_id=review.inspection_id, reference=review.reference).exclude(
            pk=review.pk).exists():
        raise ValidationError({"reference": "This inspection already has a cancellation review of that reference."})
    review.full_clean()
    review._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    review.save()
    return review


@transaction.atomic
def cancellation_review_delete(*, review: CancellationReview, by: User) -> None:
    ensure_can_edit(by)
    lock_for_audit_write(review.inspection_id)
    review._history_user = by  # type: ignore[attr-defined]
    review.delete()


# The spreadsheet ------------------------------------------------------------------------------------------

REASON_LENGTH = 300  # CancellationReview.reason's max_length
MODES = {"add": "Add new reviews only", "update": "Add new reviews and update existing ones"}


@dataclass
class ReviewImportPlan:
    inspection: Inspection
    mode: str
    rows: int
    problems: list[tuple[int | None, str]]  # (row number or None, message)
    new: list[CancellationReview] = field(default_factory=list)
    changed: list[CancellationReview] = field(default_factory=list)
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def _choice(text: str, choices: type[Any]) -> str | None:
    """A choice's value from its value or label, in any case; None when it is neither."""
    lowered = text.lower()
    for value, label in choices.choices:
        if lowered in (value.lower(), label.lower()):
            return str(value)
    return None


def _row_values(row: Mapping[str, Any], problem: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, choices, allowed in (("category", CancellationCategory, ", ".join(CancellationCategory.values)),
                                     ("ground", CancellationGround, "C1, C2, C3 or C4"),
                                     ("verdict", Verdict, "correct or incorrect")):
        text = _text(row[column])
        values[column] = _choice(text, choices)
        if values[column] is None:
            problem(f"{column} “{text}” is not one of {allowed}." if text else f"{column} is empty ({allowed}).")
    avi = _text(row["avi_evidenced"]).lower()
    if avi in YES:
        values["avi_evidenced"] = AviEvidenced.YES.value
    elif avi in NO:
        values["avi_evidenced"] = AviEvidenced.NO.value
    elif avi in NOT_APPLICABLE:
        values["avi_evidenced"] = AviEvidenced.NOT_APPLICABLE.value
    else:
        values["avi_evidenced"] = None
        problem(f"avi_evidenced “{avi}” is not yes, no or not_applicable.")
    for column in ("ddm_authorised", "victim_told"):
        answer = _text(row[column]).lower()
        values[column] = True if answer in YES else False if answer in NO else None
        if values[column] is None:
            problem(f"{column} “{answer}” is not yes or no." if answer else f"{column} is empty (yes or no).")
    values["reason"] = _text(row["reason"])
    if len(values["reason"]) > REASON_LENGTH:
        problem(f"reason is longer than {REASON_LENGTH} characters.")
    if None not in values.values():
        for column, message in cancellation_review_problems(**{name: values[name] for name in (
                "ground", "avi_evidenced", "ddm_authorised", "verdict", "reason")}).items():
            problem(f"{column}: {message}")
    return values


def plan_review_import(inspection: Inspection, rows: Sequence[Mapping[str, Any]],
                       mode: str = "add") -> ReviewImportPlan:
    """Check every row; nothing is written. The plan lists each row's problems, or what would be added
    and changed."""
    problems: list[tuple[int | None, str]] = []
    if inspection.is_locked:
        problems.append((None, locked_message(inspection)))
    existing = {review.reference: review for review in CancellationReview.objects.filter(inspection=inspection)}
    plan = ReviewImportPlan(inspection, mode, len(rows), problems)
    first_row: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        def problem(message: str, number: int = number) -> None:
            problems.append((number, message))

        for column in row:
            if "\x00" in _text(row[column]):
                problem(f"{column} contains a NUL character (a zero byte), which no text may hold.")
        reference = _text(row["reference"])
        if not reference:
            problem("reference is empty.")
        elif len(reference) > 64:
            problem("reference is longer than 64 characters.")
        elif reference in first_row:
            problem(f"reference {reference} is also on row {first_row[reference]}.")
        else:
            first_row[reference] = number
        values = _row_values(row, problem)
        stored = existing.get(reference)
        if stored is None:
            plan.new.append(CancellationReview(inspection=inspection, reference=reference, **values))
        elif mode != "update":
            problem(f"reference {reference} is already reviewed in this inspection (choose “update existing” "
                    "to replace its review).")
        elif all(getattr(stored, name) == values[name] for name in SHEET_FIELDS):
            plan.unchanged += 1
        else:
            for name in SHEET_FIELDS:
                setattr(stored, name, values[name])
            plan.changed.append(stored)
    problems.sort(key=lambda found: found[0] or 0)
    return plan


@transaction.atomic
def import_reviews(plan: ReviewImportPlan, by: User) -> dict[str, int]:
    """Write a checked plan: every row or none. Returns how many reviews were added, updated and unchanged."""
    ensure_can_edit(by)
    if not plan.ok:
        raise ValidationError("A plan with problems cannot be imported.")
    lock_for_audit_write(plan.inspection.pk)  # never into a published inspection, even if published since
    for review in plan.changed:
        review._history_user = by  # type: ignore[attr-defined]
        review.save()
    bulk_create_with_history(plan.new, CancellationReview, batch_size=2000, default_user=by)
    return {"added": len(plan.new), "updated": len(plan.changed), "unchanged": plan.unchanged}
