"""The checks every audit write starts with: the user may edit audits (of this inspection: forces.scoping.may_audit),
and the inspection is not published or closed (its row locked for the rest of the transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from audits.models import Inspection
from audits.services.locking import lock_inspection, locked_message
from forces.roles import Role, can_edit_audits, can_write_audits, role_of
from forces.scoping import may_audit

if TYPE_CHECKING:
    from core.types import AnyUser

NOT_AN_EDITOR = "Only inspectors and administrators can change audit data."
OWN_SELF_AUDITS_ONLY = "A force auditor can change only their own force's self-audits."


def ensure_can_edit(user: AnyUser) -> None:
    """Inspectors and administrators only: the inspectorate's own acts (publishing, grades, challenges…)."""
    if not can_edit_audits(user):
        raise ValidationError(NOT_AN_EDITOR)


def ensure_can_write(user: AnyUser) -> None:
    """The first check of a write a force auditor may also make (in their own force's self-audits: then
    ``ensure_may_audit`` on the inspection)."""
    if not can_write_audits(user):
        raise ValidationError(NOT_AN_EDITOR)


def ensure_may_audit(user: AnyUser, inspection: Inspection) -> None:
    """Refuse unless ``user`` may write this inspection's audit data (forces.scoping.may_audit)."""
    if not may_audit(user, force_id=inspection.force_id, kind=inspection.kind):
        raise ValidationError(OWN_SELF_AUDITS_ONLY if role_of(user) == Role.FORCE_AUDITOR else NOT_AN_EDITOR)


def ensure_unlocked(inspection: Inspection, by: AnyUser) -> Inspection:
    """Lock the inspection's row for this transaction, refuse if it is published or closed, and refuse unless
    ``by`` may write its audit data (checked on the row as stored, not as the caller holds it)."""
    locked = lock_inspection(inspection.pk)
    ensure_may_audit(by, locked)
    if locked.is_locked:
        raise ValidationError(locked_message(locked))
    return locked
