"""Writes to findings and their follow-up. One place owns who may move a finding from which status to
which, locks the finding against lost updates and keeps the timeline append-only."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audits.models import Inspection
from core import stored_files
from forces.roles import Role, can_edit_audits, role_of
from forces.transitions import Transition, TransitionTable
from recommendations.evidence import validate_evidence, validate_evidence_set
from recommendations.models import Evidence, Finding, FollowUp, Theme, Verdict
from recommendations.signals import finding_moved

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile
    from django.db.models import QuerySet

    from core.types import AnyUser

Status = Finding.Status
Kind = Finding.Kind
OPEN = {Status.OPEN, Status.IN_PROGRESS, Status.IMPLEMENTED}
PCC_RESPONSE_DAYS = 56


@dataclass(frozen=True)
class FindingMove(Transition):
    kinds: frozenset[Finding.Kind] | None = None  # None: any kind of finding
    needs_successor: bool = False


FORCE = frozenset({Role.FORCE_STAFF})
INSPECTORATE = frozenset({Role.INSPECTOR, Role.ADMINISTRATOR})

TRANSITIONS = TransitionTable({
    (Status.OPEN, Status.IN_PROGRESS): FindingMove(FORCE),
    (Status.OPEN, Status.IMPLEMENTED): FindingMove(FORCE),
    (Status.IN_PROGRESS, Status.IMPLEMENTED): FindingMove(FORCE),
    (Status.IMPLEMENTED, Status.COMPLETE): FindingMove(INSPECTORATE),
    (Status.IMPLEMENTED, Status.IN_PROGRESS): FindingMove(INSPECTORATE, needs_reason=True),
    **{(start, Status.DISCHARGED): FindingMove(INSPECTORATE, kinds=frozenset({Kind.CAUSE_OF_CONCERN}))
       for start in OPEN},
    **{(start, Status.SUPERSEDED): FindingMove(INSPECTORATE, needs_successor=True) for start in OPEN},
})


def _fits_kind(finding: Finding, end: str) -> bool:
    move = TRANSITIONS.rule(finding.status, end)
    return move is not None and (move.kinds is None or finding.kind in move.kinds)


def allowed_statuses(finding: Finding, user: AnyUser) -> list[str]:
    """The statuses this user may move this finding to now."""
    return [end for end in TRANSITIONS.targets(finding.status, role_of(user)) if _fits_kind(finding, end)]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(published_on: date | None, timescale: str, given: date | None = None) -> date | None:
    if timescale == Finding.Timescale.DATE:
        return given
    if published_on is None:
        return None
    by_timescale: dict[str, date] = {
        Finding.Timescale.IMMEDIATELY: published_on,
        Finding.Timescale.THREE_MONTHS: add_months(published_on, 3),
        Finding.Timescale.SIX_MONTHS: add_months(published_on, 6),
        Finding.Timescale.PCC_56_DAYS: published_on + timedelta(days=PCC_RESPONSE_DAYS),
    }
    return by_timescale[timescale]


def _ensure_inspectorate(user: AnyUser) -> None:
    if not can_edit_audits(user):
        raise PermissionDenied("Only inspectors and administrators write findings and verdicts.")


def validate_finding(finding: Finding) -> None:
    """Rules a check constraint cannot see: the parent is a cause of concern of the same inspection, and a
    finding never moves to another force's inspection."""
    if finding.pk:
        stored_force = Finding.objects.filter(pk=finding.pk).values_list("inspection__force_id", flat=True).first()
        if stored_force is not None and stored_force != finding.inspection.force_id:
            raise ValidationError({"inspection": "A finding cannot be moved to another force's inspection."})
    if finding.parent_id:
        parent = cast(Finding, finding.parent)  # parent_id is set
        if parent.kind != Kind.CAUSE_OF_CONCERN or parent.inspection_id != finding.inspection_id:
            raise ValidationError({"parent": "A recommendation can only sit under a cause of concern of the same "
                                             "inspection."})


@transaction.atomic
def finding_save(*, finding: Finding, by: User, themes: Sequence[Theme] | QuerySet[Theme] | None = None) -> Finding:
    """Create or change a finding's wording, timescale or owner (inspectors only)."""
    _ensure_inspectorate(by)
    validate_finding(finding)
    finding.due_on = due_date(finding.inspection.published_on, finding.timescale, finding.due_on)
    if finding.pk:
        finding.version += 1
    finding.full_clean()
    finding.save()
    if themes is not None:
        finding.themes.set(themes)
    return finding


def schedule_findings(sender: type[Inspection] | None = None, *, inspection: Inspection, by: User | None = None,
                      **kwargs: Any) -> None:
    """On publication: work out every due date and open the commissioner's 56-day response."""
    for finding in inspection.findings.exclude(timescale=Finding.Timescale.DATE):
        finding.due_on = due_date(inspection.published_on, finding.timescale)
        finding.save(update_fields=["due_on", "updated_at"])
    Finding.objects.get_or_create(
        inspection=inspection, reference="PCC response",
        defaults={
            "kind": Kind.PCC_RESPONSE, "owner": Finding.Owner.PCC, "timescale": Finding.Timescale.PCC_56_DAYS,
            "due_on": due_date(inspection.published_on, Finding.Timescale.PCC_56_DAYS),
            "text": "The police and crime commissioner must publish a response to this report within 56 days of "
                    "its publication.",
        },
    )


class FindingConflict(ValidationError):
    """Someone else changed the finding after this user loaded it."""

    def __init__(self, changes: list[FollowUp]):
        self.changes = changes
        super().__init__(
            "Someone else changed this finding while you were writing. Nothing you entered was saved: read what "
            "changed below, then submit your update again if it still applies."
        )


@stored_files.atomic  # a transaction that removes the evidence files it saved if it fails
def finding_update(*, finding_id: int, by: User, expected_version: int | str, status: str = "",
                   comment: str | None = "", internal: bool = False, files: Sequence[UploadedFile] = (),
                   superseded_by: Finding | None = None) -> FollowUp:
    """Post an update to a finding's timeline: a comment, evidence files and, if allowed, a status change."""
    try:
        finding = Finding.objects.for_user(by).select_for_update().get(pk=finding_id)
    except Finding.DoesNotExist:
        raise PermissionDenied("You cannot update this finding.") from None
    role = role_of(by)
    if role not in (Role.FORCE_STAFF, Role.INSPECTOR, Role.ADMINISTRATOR):
        raise PermissionDenied("Your role cannot update findings.")
    # What the user may know of the version: internal notes move it only for the inspectorate (otherwise a
    # conflict with no visible change, or a jump in the number, would tell the force a note was written).
    hidden_notes = 0 if can_edit_audits(by) else finding.follow_ups.filter(
        visibility=FollowUp.Visibility.INTERNAL).count()
    if finding.version - hidden_notes != int(expected_version):
        entries = FollowUp.objects.visible_to(by).with_seen_version(by).filter(finding=finding).select_related("author")
        raise FindingConflict([entry for entry in entries if getattr(entry, "seen_version") > int(expected_version)])

    comment = (comment or "").strip()
    if internal and role == Role.FORCE_STAFF:
        raise ValidationError("Force staff cannot write internal inspectorate notes.")
    status_from = finding.status
    if status:
        refusal = (f"You cannot move a {finding.get_kind_display().lower()} from "
                   f"“{finding.get_status_display()}” to “{Status(status).label}”.")
        if not _fits_kind(finding, status):
            raise ValidationError(refusal)
        rule = TRANSITIONS.check(finding.status, status, role, reason=comment, refusal=refusal,
                                 reason_missing="Say why the finding goes back: the force sees your reason.")
        if rule.needs_successor:
            _check_successor(finding, superseded_by)
            finding.superseded_by = superseded_by
        finding.status = status
    elif not comment:  # evidence alone is not an update: the timeline entry says what it shows
        raise ValidationError("Write an update saying what the evidence shows." if files
                              else "Write an update, attach evidence or change the status.")
    validate_evidence_set(files)
    for upload in files:
        validate_evidence(upload)

    finding.version += 1
    finding.save()
    entry = FollowUp.objects.create(
        finding=finding, author=by, status_from=status_from if status else "", status_to=status or "",
        comment=comment, visibility=FollowUp.Visibility.INTERNAL if internal else FollowUp.Visibility.FORCE,
        version=finding.version,
    )
    entry.seen_version = finding.version - hidden_notes  # type: ignore[attr-defined]
    if status:
        finding_moved.send(sender=Finding, finding=finding, status_from=status_from, status_to=status, comment=comment,
                           by=by)
    field = Evidence._meta.get_field("file")
    for upload in files:
        # An uploaded file always has a name and a size (validate_evidence has read both). The file is saved
        # first, then its row: a failure of the row (or of anything after it) removes the file again.
        evidence = Evidence(follow_up=entry, original_name=cast(str, upload.name)[:200],
                            content_type=getattr(upload, "content_type", "") or "", size=cast(int, upload.size))
        evidence.file = stored_files.save(field.generate_filename(evidence, cast(str, upload.name)), upload)
        evidence.save()
    return entry


def _check_successor(finding: Finding, successor: Finding | None) -> None:
    if successor is None:
        raise ValidationError("Choose the later finding that supersedes this one.")
    later = successor.inspection
    if (later.force_id != finding.inspection.force_id or successor.pk == finding.pk
            or not later.published_on or not finding.inspection.published_on
            or later.published_on <= finding.inspection.published_on):
        raise ValidationError("A finding is superseded by a finding of a later inspection of the same force.")


@transaction.atomic
def verdict_record(*, inspection: Inspection, finding: Finding, outcome: str, comment: str, by: User) -> Verdict:
    """A later inspection's verdict on an earlier inspection's finding."""
    _ensure_inspectorate(by)
    earlier = finding.inspection
    if earlier.force_id != inspection.force_id or earlier.pk == inspection.pk or (
            earlier.published_on and inspection.published_on and earlier.published_on >= inspection.published_on):
        raise ValidationError("A verdict is given on a finding of an earlier inspection of the same force.")
    verdict, _ = Verdict.objects.update_or_create(
        inspection=inspection, finding=finding,
        defaults={"outcome": Verdict.Outcome(outcome), "comment": comment.strip(), "recorded_by": by},
    )
    return verdict


def earlier_findings(inspection: Inspection) -> QuerySet[Finding]:
    """Findings of the same force's earlier inspections, for carry-over verdicts."""
    earlier = Inspection.objects.filter(force_id=inspection.force_id).exclude(pk=inspection.pk)
    if inspection.published_on:
        earlier = earlier.filter(published_on__lt=inspection.published_on)
    return Finding.objects.filter(inspection__in=earlier).select_related("inspection")


def today() -> date:
    return timezone.localdate()
