"""Challenges: force staff dispute a recording error on their own force's case before publication;
an inspector upholds it or withdraws the error. Open challenges block publication."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audits.models import Challenge, RecordingError
from audits.services.case_versions import case_mark_changed
from audits.services.guards import ensure_can_edit, ensure_unlocked
from audits.services.locking import lock_inspection
from audits.signals import challenge_decided, challenge_raised
from forces.roles import Role, role_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def challenge_raise(*, error_id: int, by: User, reason: str | None) -> Challenge:
    if role_of(by) != Role.FORCE_STAFF:
        raise PermissionDenied("Only the force's own staff challenge its audit findings.")
    try:
        error = (RecordingError.objects.for_user(by).select_related("crime__case__inspection", "crime__expected_offence")
                 .get(pk=error_id))
    except RecordingError.DoesNotExist:
        raise PermissionDenied("You cannot challenge this error.") from None
    case = error.crime.case
    inspection = lock_inspection(case.inspection_id)
    if inspection.is_self_audit:
        raise ValidationError("This is the force's own audit: its findings are settled in its moderation, not "
                              "challenged.")
    if inspection.is_locked:
        raise ValidationError("The inspection is published: its findings can no longer be challenged.")
    if inspection.challenges_closed:
        raise ValidationError(f"Challenges to this inspection closed on {inspection.challenges_close_on:%d/%m/%Y}: "
                              "ask the inspection team if a finding must still be looked at again.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the error is wrong."})
    if len(reason) > 2000:  # refused, never cut short
        raise ValidationError({"reason": f"Keep the reason to 2,000 characters (it has {len(reason):,})."})
    if Challenge.objects.filter(error=error, status=Challenge.Status.OPEN).exists():
        raise ValidationError("This error is already being challenged.")
    challenge = Challenge.objects.create(case=case, error=error, error_kind=error.kind,
                                         offence=error.crime.expected_offence.name, reason=reason, raised_by=by)
    challenge_raised.send(sender=Challenge, challenge=challenge, by=by)
    return challenge


@transaction.atomic
def challenge_resolve(*, challenge_id: int, by: User, outcome: str, note: str | None = "") -> Challenge:
    ensure_can_edit(by)
    inspection_id = Challenge.objects.values_list("case__inspection_id", flat=True).get(pk=challenge_id)
    lock_inspection(inspection_id)  # the inspection before the challenge, in the order every audit write takes
    challenge = Challenge.objects.select_for_update().select_related("case__inspection").get(pk=challenge_id)
    if challenge.status != Challenge.Status.OPEN:
        raise ValidationError("This challenge has already been resolved.")
    if outcome not in (Challenge.Status.UPHELD, Challenge.Status.WITHDRAWN):
        raise ValidationError({"outcome": "Choose whether the error stands (uphold) or is withdrawn."})
    outcome = Challenge.Status(outcome)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Give the reason for the decision: the force sees it."})
    if len(note) > 2000:  # refused, never cut short
        raise ValidationError({"note": f"Keep the reason to 2,000 characters (it has {len(note):,})."})
    ensure_unlocked(challenge.case.inspection, by)
    if outcome == Challenge.Status.WITHDRAWN and challenge.error is not None:
        case_mark_changed(case_id=challenge.case_id, by=by)
        error = challenge.error
        challenge.error = None
        challenge.save(update_fields=["error"])
        error.delete()
    challenge.status, challenge.resolved_by, challenge.resolved_at = outcome, by, timezone.now()
    challenge.resolution = note
    challenge.save()
    challenge_decided.send(sender=Challenge, challenge=challenge, by=by)
    return challenge
