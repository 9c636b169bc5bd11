"""Writes to audit data. Admin, pages and (later) the API call these rather than saving models directly,
so the rules live in one place: who may do what, moderation, publication locking and derived errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audits.locking import lock_for_audit_write, lock_inspection
from audits.models import AuditedCase, AuditedCrime, Challenge, Inspection, PublishedResult, RecordingError
from audits.rules import LATE_AFTER_HOURS, ErrorKind, error_contradiction, recording_time_problem, report_date_problem
from audits.signals import inspection_published
from core.spreadsheets import format_moment
from forces.roles import can_edit_audits

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Field

    from core.types import AnyUser

# A django-simple-history historical record: its model is built at runtime, so it is untyped.
HistoricalRecord = Any

PUBLISHED_RESULTS_FROZEN = ("This inspection is published, so its published results cannot change. "
                            "An inspector must reopen it first.")
Status = Inspection.Status
Moderation = AuditedCase.Moderation

# Allowed inspection status changes. Reopening (published → moderation) unlocks the audit data.
INSPECTION_TRANSITIONS: dict[str, set[Inspection.Status]] = {
    Status.PLANNED: {Status.FIELDWORK},
    Status.FIELDWORK: {Status.PLANNED, Status.MODERATION},
    Status.MODERATION: {Status.FIELDWORK, Status.PUBLISHED},
    Status.PUBLISHED: {Status.MODERATION},
}


def ensure_can_edit(user: AnyUser) -> None:
    if not can_edit_audits(user):
        raise ValidationError("Only inspectors can change audit data.")


def ensure_unlocked(inspection: Inspection) -> Inspection:
    """Lock the inspection's row for this transaction and refuse if it is published."""
    return lock_for_audit_write(inspection.pk)


# Inspections -----------------------------------------------------------------------------------


def _frozen_changes(inspection: Inspection, stored: Inspection) -> list[str]:
    return [name for name in Inspection.FROZEN_FIELDS if getattr(inspection, name) != getattr(stored, name)]


@transaction.atomic
def inspection_save(*, inspection: Inspection, by: User) -> Inspection:
    """Create or change an inspection. Once published, what publication froze cannot change until it
    is reopened; status changes go through ``inspection_change_status``."""
    ensure_can_edit(by)
    if inspection.pk is not None:
        stored = lock_inspection(inspection.pk)
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


def _ensure_publishable(inspection: Inspection) -> None:
    challenged = Challenge.objects.filter(case__inspection=inspection, status=Challenge.Status.OPEN).count()
    if challenged:
        raise ValidationError(f"{challenged} open challenge{'s' if challenged != 1 else ''} from the force: "
                              "resolve every challenge before the inspection is published.")
    unfinished = inspection.cases.exclude(moderation_state=Moderation.AGREED).count()
    if unfinished:
        raise ValidationError(
            f"{unfinished} case{'s' if unfinished != 1 else ''} not yet agreed in moderation; "
            "every case must be agreed before the inspection is published."
        )


@transaction.atomic
def inspection_change_status(*, inspection: Inspection, status: str, by: User, reason: str | None = "") -> Inspection:
    """Move an inspection on. Publishing freezes its figures as a new version of its published record
    (in this transaction, under the row lock); reopening a published inspection needs a reason, which
    becomes the reason given for the revised figures when it is published again."""
    ensure_can_edit(by)
    inspection = lock_inspection(inspection.pk)
    status = Status(status)
    if status not in INSPECTION_TRANSITIONS[inspection.status]:
        raise ValidationError(
            f"An inspection cannot move from {inspection.get_status_display().lower()} to {status.label.lower()}."
        )
    reason = (reason or "").strip()
    if inspection.status == Status.PUBLISHED:
        if not reason:
            raise ValidationError({"reason": "Say why the published inspection is being reopened."})
        inspection.reopen_reason = reason[:500]
    revision_reason = inspection.reopen_reason
    if status == Status.PUBLISHED:
        _ensure_publishable(inspection)
        inspection.published_on = inspection.published_on or timezone.localdate()
        inspection.reopen_reason = ""
    inspection.status = status
    inspection.save()
    if status == Status.PUBLISHED:
        inspection_published.send(sender=Inspection, inspection=inspection, by=by, reason=revision_reason)
    return inspection


@transaction.atomic
def published_result_save(*, result: PublishedResult, by: User) -> PublishedResult:
    """Add or change a headline figure as published in the report (frozen once published)."""
    ensure_can_edit(by)
    inspection_ids = {result.inspection_id}
    if result.pk is not None:
        inspection_ids.add(PublishedResult.objects.values_list("inspection_id", flat=True).get(pk=result.pk))
    for inspection_id in sorted(inspection_ids):
        if lock_inspection(inspection_id).is_locked:
            raise ValidationError(PUBLISHED_RESULTS_FROZEN)
    result.full_clean()
    result.save()
    return result


@transaction.atomic
def published_result_delete(*, result: PublishedResult, by: User) -> None:
    ensure_can_edit(by)
    if lock_inspection(result.inspection_id).is_locked:
        raise ValidationError(PUBLISHED_RESULTS_FROZEN)
    result.delete()


# Case versions ---------------------------------------------------------------------------------
# Every logical save of a case (the case with its crimes and errors, a moderation step, a deletion)
# makes exactly one new version. A save that says which version its user loaded is refused when the
# case has moved on since, so nobody silently puts back what someone else changed.

MODERATION_FIELDS = {"moderation_state", "submitted_by", "submitted_at", "moderated_by", "moderated_at",
                     "query_reason"}


@dataclass(frozen=True)
class CaseChange:
    """One version of a case saved by someone else: who, when and what it changed."""

    version: int
    by: str
    at: datetime
    changed: tuple[str, ...]


class CaseConflict(ValidationError):
    """Someone else saved the case after this user loaded it."""

    def __init__(self, reference: str, changes: list[CaseChange]):
        self.changes = changes
        super().__init__(conflict_message(reference, changes))


def conflict_message(reference: str, changes: list[CaseChange]) -> str:
    saves = " and ".join(
        f"by {change.by} at {format_moment(change.at)}" + (f" ({', '.join(change.changed)})" if change.changed else "")
        for change in changes
    ) or "by someone else"
    return (f"Case {reference} was changed {saves} after you opened it. "
            "Your changes were not saved: reload the case to see theirs.")


def _case_fields_changed(before: HistoricalRecord | None, after: HistoricalRecord) -> list[str]:
    if after.history_type == "-":
        return ["deleted"]
    if before is None:
        return []
    names = set(after.diff_against(before).changed_fields) - {"version"}
    labels = {str(cast("Field[Any, Any]", AuditedCase._meta.get_field(name)).verbose_name)
              for name in names - MODERATION_FIELDS}
    return sorted(labels) + (["moderation"] if names & MODERATION_FIELDS else [])


def _changed_within(records: Iterable[HistoricalRecord], start: datetime, end: datetime | None) -> bool:
    """Whether any of these crime or error history records, within [start, end), really changed
    something: a save that changed no field (the admin re-saves crimes) does not count."""
    return any(start <= record.history_date and (end is None or record.history_date < end)
               and (record.history_type != "~" or _differs_from_previous(record)) for record in records)


def _differs_from_previous(record: HistoricalRecord) -> bool:
    previous = record.prev_record
    return previous is None or bool(record.diff_against(previous).changed_fields)


def case_changes_since(case_id: int, version: int) -> list[CaseChange]:
    """The versions of a case after ``version``, from its history. A version's crime and error changes are
    those recorded from its case record up to the next version's (services save the case first)."""
    records = list(AuditedCase.history.filter(id=case_id).select_related("history_user")
                   .order_by("history_date", "history_id"))
    crimes = list(AuditedCrime.history.filter(case_id=case_id))
    errors = list(RecordingError.history.filter(crime_id__in=AuditedCrime.history.filter(case_id=case_id)
                                                .values("id")))
    changes: list[CaseChange] = []
    for number in sorted({record.version for record in records if record.version > version}):
        own = [record for record in records if record.version == number]
        before = [record for record in records if record.version < number]
        later = [record for record in records if record.version > number]
        start, end = own[0].history_date, later[0].history_date if later else None
        changed = _case_fields_changed(before[-1] if before else None, own[-1])
        if _changed_within(crimes, start, end):
            changed.append("crimes")
        if _changed_within(errors, start, end):
            changed.append("recording errors")
        user = own[0].history_user
        changes.append(CaseChange(number, (user.get_full_name() or user.get_username()) if user else "someone else",
                                  own[0].history_date, tuple(changed)))
    return changes


def case_conflict(case: AuditedCase, expected_version: int) -> CaseConflict | None:
    """The conflict if the case was saved since ``expected_version``, read without a lock: forms check
    early with it, and the services check again under the row lock."""
    stored = AuditedCase.objects.filter(pk=case.pk).values_list("version", "reference").first()
    if stored is None or stored[0] == expected_version:
        return None
    return CaseConflict(stored[1], case_changes_since(case.pk, expected_version))


def _lock_case_version(case: AuditedCase, expected_version: int | None) -> int:
    """Lock the case's row (after its inspection's) and return its stored version, refusing with
    CaseConflict when ``expected_version`` is given and is not it."""
    version, reference = (AuditedCase.objects.select_for_update().values_list("version", "reference")
                          .get(pk=case.pk))
    if expected_version is not None and version != expected_version:
        raise CaseConflict(reference, case_changes_since(case.pk, expected_version))
    return version


def case_mark_changed(*, case_id: int, by: User) -> AuditedCase:
    """A new version for a case whose crimes or errors change outside a case save (a withdrawn
    challenge deletes an error), so a form opened before cannot put the old state back. Call it
    after ``ensure_unlocked`` and before the change."""
    case = AuditedCase.objects.select_for_update().get(pk=case_id)
    case.version += 1
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    case.save(update_fields=["version"])
    return case


# Cases -----------------------------------------------------------------------------------------


def _ensure_stays_in_force(case: AuditedCase) -> None:
    """A case may move between inspections of its force (both unlocked), never to another force's."""
    stored = AuditedCase.objects.filter(pk=case.pk).values_list("inspection_id", "inspection__force_id").first()
    if stored is None or stored[0] == case.inspection_id:
        return
    if stored[1] != case.inspection.force_id:
        raise ValidationError({"inspection": "A case cannot be moved to another force's inspection."})
    lock_for_audit_write(stored[0])


@transaction.atomic
def case_save(*, case: AuditedCase, by: User, expected_version: int | None = None) -> AuditedCase:
    """Create or change a case, as a new version (its crimes are then saved with ``crime_save`` and
    ``crime_delete`` as part of the same version). ``expected_version`` is the version the user loaded:
    if someone else has saved the case since, nothing is written and CaseConflict says who and what.
    None skips the check (internal callers)."""
    ensure_can_edit(by)
    ensure_unlocked(case.inspection)
    if case.pk is None:
        if case.auditor_id is None:
            case.auditor = by
    else:
        _ensure_stays_in_force(case)
        case.version = _lock_case_version(case, expected_version) + 1
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    case.save()
    return case


@transaction.atomic
def case_write(*, case: AuditedCase, crimes: Sequence[tuple[AuditedCrime, Iterable[str]]], by: User,
               expected_version: int | None = None) -> AuditedCase:
    """Create or replace a case with exactly these crimes, each given as (AuditedCrime, error kinds):
    crimes of the case not listed are deleted. All or nothing; every rule as in the admin; one new
    version, refused with CaseConflict if ``expected_version`` is given and stale."""
    problems: dict[str, list[str | dict[str, list[str]]]] = {}
    if problem := report_date_problem(case.inspection, case.reported_at):
        problems["reported_at"] = [problem]
    crime_problems: list[list[str]] = []
    for crime, kinds in crimes:
        found: list[str] = []
        if problem := recording_time_problem(case.reported_at, crime.recorded_at):
            found.append(problem)
        found += error_kinds_problems(kinds, recorded=crime.is_recorded, cancelled=crime.is_cancelled)
        try:
            crime.full_clean(exclude=["case"])
        except ValidationError as error:
            found += error.messages
        crime_problems.append(found)
    if any(crime_problems):
        problems["crimes"] = [{"non_field_errors": found} if found else {} for found in crime_problems]
    try:
        case.full_clean(exclude=["auditor", "submitted_by", "moderated_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    changed = case.pk is not None
    case_save(case=case, by=by, expected_version=expected_version)
    keep = {crime.pk for crime, _ in crimes if crime.pk}
    for old in case.crimes.exclude(pk__in=keep).select_related("case__inspection"):
        crime_delete(crime=old, by=by)
    for crime, kinds in crimes:
        crime.case = case
        crime_save(crime=crime, kinds=kinds, by=by)
    if changed:
        case_return_to_draft_if_moderated(case)
    return case


@transaction.atomic
def case_delete(*, case: AuditedCase, by: User) -> None:
    ensure_can_edit(by)
    ensure_unlocked(case.inspection)
    case.version = _lock_case_version(case, None) + 1  # the deletion's history record is a version of its own
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    case.delete()


# Moderation ------------------------------------------------------------------------------------


def _moderation_target(case: AuditedCase, by: User, allowed_from: set[AuditedCase.Moderation]) -> AuditedCase:
    """The case, its inspection and then its own row locked, as a new version to be saved by ``by``."""
    ensure_can_edit(by)
    ensure_unlocked(case.inspection)
    case = AuditedCase.objects.select_for_update().select_related("inspection").get(pk=case.pk)
    if case.moderation_state not in allowed_from:
        raise ValidationError(f"Case {case.reference} is {case.get_moderation_state_display().lower()}.")
    case.version += 1
    case._history_user = by  # type: ignore[attr-defined]  # simple_history's dynamic attribute
    return case


@transaction.atomic
def case_submit(*, case: AuditedCase, by: User) -> AuditedCase:
    case = _moderation_target(case, by, {Moderation.DRAFT, Moderation.QUERIED})
    if not case.crimes.exists():
        raise ValidationError(f"Case {case.reference} has no audited crimes to submit.")
    case.moderation_state = Moderation.SUBMITTED
    case.submitted_by, case.submitted_at = by, timezone.now()
    case.moderated_by = case.moderated_at = None
    case.save()
    return case


def _ensure_second_pair_of_eyes(case: AuditedCase, by: User) -> None:
    if by.pk in {case.auditor_id, case.submitted_by_id}:
        raise ValidationError(
            f"Case {case.reference}: a case is moderated by another inspector, never by its own author."
        )


@transaction.atomic
def case_agree(*, case: AuditedCase, by: User) -> AuditedCase:
    case = _moderation_target(case, by, {Moderation.SUBMITTED})
    _ensure_second_pair_of_eyes(case, by)
    case.moderation_state = Moderation.AGREED
    case.moderated_by, case.moderated_at = by, timezone.now()
    case.query_reason = ""
    case.save()
    return case


@transaction.atomic
def case_query(*, case: AuditedCase, by: User, reason: str | None) -> AuditedCase:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why the case is queried.")
    case = _moderation_target(case, by, {Moderation.SUBMITTED})
    _ensure_second_pair_of_eyes(case, by)
    case.moderation_state = Moderation.QUERIED
    case.moderated_by, case.moderated_at = by, timezone.now()
    case.query_reason = reason[:500]
    case.save()
    return case


def case_return_to_draft_if_moderated(case: AuditedCase) -> None:
    """An edit to a submitted or agreed case needs moderating again. Part of the edit's save, after
    ``case_save`` has made the new version: no second version."""
    if case.moderation_state in (Moderation.SUBMITTED, Moderation.AGREED):
        case.moderation_state = Moderation.DRAFT
        case.submitted_by = case.submitted_at = case.moderated_by = case.moderated_at = None
        case.save()


# Recording errors ------------------------------------------------------------------------------


def late_by_timestamps(reported_at: datetime | None, recorded_at: datetime | None) -> bool | None:
    """True or False when both times are known, None when either is missing."""
    if reported_at is None or recorded_at is None:
        return None
    return recorded_at - reported_at > timedelta(hours=LATE_AFTER_HOURS)


def error_kinds_problems(kinds: Iterable[str], *, recorded: bool, cancelled: bool) -> list[str]:
    return [
        problem
        for kind in kinds
        if (problem := error_contradiction(kind, recorded=recorded, cancelled=cancelled))
    ]


def crime_error_kinds(crime: AuditedCrime, requested_kinds: Iterable[str]) -> set[str]:
    """The kinds a crime should carry: as requested, with 'recorded late' worked out from the
    timestamps whenever both are known."""
    kinds = set(requested_kinds)
    late = late_by_timestamps(crime.case.reported_at, crime.recorded_at)
    if late is True:
        kinds.add(ErrorKind.RECORDED_LATE)
    elif late is False:
        kinds.discard(ErrorKind.RECORDED_LATE)
    return kinds


@transaction.atomic
def crime_save(*, crime: AuditedCrime, kinds: Iterable[str], by: User, save_crime: bool = True) -> AuditedCrime:
    """Save a crime and make its recording errors exactly ``kinds`` (with lateness derived from the
    timestamps). Errors that no longer fit go before the crime changes, new ones after, one row at
    a time so each change lands in the history. Part of a case's save: ``case_save`` comes first and
    makes the new version."""
    ensure_can_edit(by)
    ensure_unlocked(crime.case.inspection)
    kinds = crime_error_kinds(crime, kinds)
    problems = error_kinds_problems(kinds, recorded=crime.is_recorded, cancelled=crime.is_cancelled)
    if problems:
        raise ValidationError(problems)
    if crime.pk:
        for error in crime.errors.all():
            if error.kind not in kinds:
                error.delete()
    if save_crime:
        crime.save()
    existing = set(crime.errors.values_list("kind", flat=True))
    for kind in kinds - existing:
        RecordingError.objects.create(crime=crime, kind=kind)
    return crime


@transaction.atomic
def crime_delete(*, crime: AuditedCrime, by: User) -> None:
    """Delete a crime and its errors, as part of a case's save (after ``case_save``)."""
    ensure_can_edit(by)
    ensure_unlocked(crime.case.inspection)
    crime.delete()
