"""The two checks every audit write starts with: the user may edit audits, and the inspection is not
published (its row locked for the rest of the transaction)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from audits.models import Inspection
from audits.services.locking import lock_for_audit_write
from forces.roles import can_edit_audits

if TYPE_CHECKING:
    from core.types import AnyUser


def ensure_can_edit(user: AnyUser) -> None:
    if not can_edit_audits(user):
        raise ValidationError("Only inspectors and administrators can change audit data.")


def ensure_unlocked(inspection: Inspection) -> Inspection:
    """Lock the inspection's row for this transaction and refuse if it is published."""
    return lock_for_audit_write(inspection.pk)
