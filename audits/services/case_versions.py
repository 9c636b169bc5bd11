"""Case versions. Every logical save of a case (the case with its crimes and errors, a moderation step, a
deletion) makes exactly one new version. A save that says which version its user loaded is refused when
the case has moved on since, so nobody silently puts back what someone else changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError

from audits.models import AuditedCase, AuditedCrime, RecordingError
from core.spreadsheets import format_moment

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Field

# A django-simple-history historical record: its model is built at runtime, so it is untyped.
HistoricalRecord = Any

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


def lock_case_version(case: AuditedCase, expected_version: int | None) -> int:
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
