"""Published inspections lock their audit data.

Services and admin check the lock first and explain it; these signal handlers are the backstop
that stops any other code path from changing a published inspection's cases, crimes or errors.
"""

from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from audits.models import AuditedCase, AuditedCrime, Inspection, RecordingError

LOCKED_MESSAGE = "This inspection is published, so its audit data is locked. An inspector must reopen it first."


class InspectionLocked(PermissionDenied):
    pass


def _published(**lookup):
    return Inspection.objects.filter(status=Inspection.Status.PUBLISHED, **lookup).exists()


def inspection_lookup_for(instance):
    if isinstance(instance, AuditedCase):
        return {"pk": instance.inspection_id}
    if isinstance(instance, AuditedCrime):
        return {"cases": instance.case_id}
    return {"cases__crimes": instance.crime_id}


@receiver(pre_save, sender=AuditedCase)
@receiver(pre_save, sender=AuditedCrime)
@receiver(pre_save, sender=RecordingError)
@receiver(pre_delete, sender=AuditedCase)
@receiver(pre_delete, sender=AuditedCrime)
@receiver(pre_delete, sender=RecordingError)
def refuse_changes_to_published_audit_data(sender, instance, **kwargs):
    if _published(**inspection_lookup_for(instance)):
        raise InspectionLocked(LOCKED_MESSAGE)
