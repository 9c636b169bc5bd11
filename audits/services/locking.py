"""Published inspections lock their audit data.

Every write to an inspection's audit data starts with ``lock_for_audit_write``: it takes the
inspection's row lock (SELECT … FOR UPDATE) and checks the status under it, inside the caller's
transaction, so publishing and writing are serialised and a write can never land in a published
inspection. The signal handlers below are the backstop for any code path that forgets.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from audits.models import AuditedCase, AuditedCrime, CancellationReview, Inspection, RecordingError

AuditData = AuditedCase | AuditedCrime | RecordingError | CancellationReview

LOCKED_MESSAGE = "This inspection is published, so its audit data is locked. An inspector must reopen it first."
CLOSED_MESSAGE = "This self-audit is closed, so its audit data is locked. Reopen it first."


def locked_message(inspection: Inspection) -> str:
    return CLOSED_MESSAGE if inspection.is_self_audit else LOCKED_MESSAGE


class InspectionLocked(PermissionDenied):
    pass


def lock_inspection(inspection_id: int) -> Inspection:
    """The inspection, with its row locked until the surrounding transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_inspection must run inside transaction.atomic().")
    return Inspection.objects.select_for_update().get(pk=inspection_id)


def lock_for_audit_write(inspection_id: int) -> Inspection:
    """Lock the inspection and refuse if it is published: the one check every audit write makes."""
    inspection = lock_inspection(inspection_id)
    if inspection.is_locked:
        raise ValidationError(locked_message(inspection))
    return inspection


def _published(**lookup: Any) -> bool:
    return Inspection.objects.filter(status__in=Inspection.LOCKED_STATUSES, **lookup).exists()


def inspection_lookup_for(instance: AuditData) -> dict[str, int]:
    if isinstance(instance, (AuditedCase, CancellationReview)):
        return {"pk": instance.inspection_id}
    if isinstance(instance, AuditedCrime):
        return {"cases": instance.case_id}
    return {"cases__crimes": instance.crime_id}


@receiver(pre_save, sender=AuditedCase)
@receiver(pre_save, sender=AuditedCrime)
@receiver(pre_save, sender=RecordingError)
@receiver(pre_save, sender=CancellationReview)
@receiver(pre_delete, sender=AuditedCase)
@receiver(pre_delete, sender=AuditedCrime)
@receiver(pre_delete, sender=RecordingError)
@receiver(pre_delete, sender=CancellationReview)
def refuse_changes_to_published_audit_data(sender: type[AuditData], instance: AuditData, **kwargs: Any) -> None:
    if _published(**inspection_lookup_for(instance)):
        raise InspectionLocked(LOCKED_MESSAGE)
